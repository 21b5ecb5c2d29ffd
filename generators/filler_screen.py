"""Screening of real chats before they become fillers: nothing in them may answer, or compete with, a question.

A chat is dropped when it
- names any value of any slot pool (a user's pet name, city, employer, ...: the benchmark's answers come from
  those pools, so a real chat that happens to say "Biscuit" could become a competing value);
- repeats a conversation or a message already taken (verbatim, ignoring case and spacing), so no history holds
  the same text twice;
- is outside the length limits (messages per chat, characters per message, tokens per chat), or lacks either
  a user or an assistant turn.
The counts per reason are kept, so a benchmark's meta can say what was read and what was used.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from memcurve.generators.chat_sources import SourceChat, iter_ngrams, words_of
from memcurve.generators.tokens import estimate_tokens


@dataclass(frozen=True)
class ScreenLimits:
    min_messages: int = 2
    max_messages: int = 40
    min_message_chars: int = 1
    max_message_chars: int = 12_000
    max_chat_tokens: int = 12_000


@dataclass
class ScreenReport:
    read: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)

    def as_meta(self) -> dict:
        return {"read": self.read, "kept": self.kept, "dropped": dict(sorted(self.dropped.items()))}


class ValueMatcher:
    """Finds any of a set of values in a text as whole words (case-insensitive), by word n-grams."""

    def __init__(self, values: Iterable[str]) -> None:
        self.grams = {tuple(words_of(v)) for v in values if words_of(v)}
        self.longest = max((len(g) for g in self.grams), default=0)

    def found(self, text: str) -> tuple[str, ...] | None:
        if not self.grams:
            return None
        tokens = words_of(text)
        return next((g for g in iter_ngrams(tokens, self.longest) if g in self.grams), None)


_SPACE = re.compile(r"\s+")


def _key(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def screen_chats(chats: Iterable[SourceChat], forbidden_values: Iterable[str], limits: ScreenLimits = ScreenLimits(),
                 report: ScreenReport | None = None) -> Iterator[SourceChat]:
    """The chats that pass, in input order (the first of two duplicates is kept); `report` counts each reason."""
    matcher = ValueMatcher(forbidden_values)
    report = report if report is not None else ScreenReport()
    seen_chats: set[str] = set()
    seen_messages: set[str] = set()
    for chat in chats:
        report.read += 1
        reason = _length_reason(chat, limits)
        keys = [_key(text) for _, text in chat.turns]
        if reason is None:
            chat_key = "\n".join(keys)
            if chat_key in seen_chats:
                reason = "duplicate_conversation"
            elif any(k in seen_messages for k in keys) or len(set(keys)) < len(keys):
                reason = "duplicate_message"
            elif matcher.found(chat.text) is not None:
                reason = "slot_value"
        if reason is not None:
            report.dropped[reason] += 1
            continue
        seen_chats.add("\n".join(keys))
        seen_messages.update(keys)
        report.kept += 1
        yield chat


def _length_reason(chat: SourceChat, limits: ScreenLimits) -> str | None:
    speakers = {speaker for speaker, _ in chat.turns}
    if speakers != {"user", "assistant"}:
        return "one_speaker"
    if not limits.min_messages <= len(chat.turns) <= limits.max_messages:
        return "message_count"
    if any(not limits.min_message_chars <= len(text.strip()) <= limits.max_message_chars for _, text in chat.turns):
        return "message_length"
    if sum(estimate_tokens(text) for _, text in chat.turns) > limits.max_chat_tokens:
        return "chat_tokens"
    return None
