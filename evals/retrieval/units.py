"""Retrieval units: the pieces of a history a retriever ranks and a solver shows.

- message: one message;
- round: a user turn and the assistant replies that follow it (an assistant turn before any user turn
  forms a round of its own);
- conversation: a whole conversation.

A unit is a tuple of message ids in history order plus the text that gets indexed.
"""

from __future__ import annotations

from dataclasses import dataclass

from memcurve.evals.history import History

UNITS: tuple[str, ...] = ("message", "round", "conversation")


@dataclass(frozen=True)
class Unit:
    message_ids: tuple[str, ...]
    text: str


def split_units(history: History, unit: str) -> list[Unit]:
    """Split `history` into retrieval units of kind `unit`, in chronological order."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; valid: {', '.join(UNITS)}")
    if unit == "message":
        return [Unit((m.message_id,), m.text) for m in history.messages]
    if unit == "conversation":
        return [
            Unit(tuple(m.message_id for m in c.messages), "\n".join(m.text for m in c.messages))
            for c in history.conversations
        ]
    units: list[Unit] = []
    for conversation in history.conversations:
        group: list = []
        for message in conversation.messages:
            if message.speaker == "user" and group:
                units.append(_join(group))
                group = []
            group.append(message)
        if group:
            units.append(_join(group))
    return units


def _join(messages: list) -> Unit:
    return Unit(tuple(m.message_id for m in messages), "\n".join(m.text for m in messages))
