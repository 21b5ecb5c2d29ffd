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
from memcurve.evals.registry import Registry

# LongMemEval calls a conversation a "session"
UNITS: Registry = Registry("unit", unknown="invalid", aliases={"session": "conversation"})


@dataclass(frozen=True)
class Unit:
    message_ids: tuple[str, ...]
    text: str


def split_units(history: History, unit: str) -> list[Unit]:
    """Split `history` into retrieval units of kind `unit`, in chronological order."""
    if unit not in UNITS.names:
        raise ValueError(f"unknown unit {unit!r}; valid: {UNITS.valid()}")
    return UNITS.get(unit)(history)


@UNITS.register("message", "one message")
def _messages(history: History) -> list[Unit]:
    return [Unit((m.message_id,), m.text) for m in history.messages]


@UNITS.register("round", "a user turn and the replies that follow it")
def _rounds(history: History) -> list[Unit]:
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


@UNITS.register("conversation", "a whole conversation")
def _conversations(history: History) -> list[Unit]:
    return [_join(c.messages) for c in history.conversations]


def _join(messages: list) -> Unit:
    return Unit(tuple(m.message_id for m in messages), "\n".join(m.text for m in messages))
