"""What a reply is scored against: one AnswerKey per question, built from the benchmark store.

A bare gold string cannot tell a committed answer from a shotgun one ("Biscuit, Rex or Max" contains
"Biscuit"), so the key also carries what a wrong answer of the same kind looks like:
- candidates: the other values of the slot's kind: every value the store holds for the question's slot
  (and for the slots its evidence messages planted), plus, for generated benchmarks, the whole
  generator value pool the gold was drawn from (pools of different slots are disjoint, so a pool that
  holds the gold is its kind); weekday names for weekday questions;
- options: the values the question's own evidence planted (which-first/last events, ranked items):
  exactly one of them may be named;
- stale: superseded values of a changing fact (allowed beside the latest value only as history);
- numbers: the accepted numeric answers with their documented tolerances (see `accepted_numbers`);
- related: values the evidence planted for a neighbouring slot (abstention: the dog, when the cat is
  asked for), which an honest abstention may mention.
Keys are read once per store file (cached by path and modification time).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
GENERATOR_SOURCE = "memcurve.generate"


@dataclass(frozen=True)
class AnswerKey:
    """Everything the single-answer check needs about one question (see module docstring)."""

    question: str
    category: str = ""
    answer_kind: str = "text"  # text | number | date | rubric | abstention
    golds: tuple[str, ...] = ()
    is_abstention: bool = False
    question_type: str = ""
    slot: str | None = None
    candidates: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    numbers: tuple[float, ...] = ()  # accepted numeric answers; empty = the gold's own number
    day_tolerance: int = 0  # days either way accepted for the event's date (ambiguous day only)
    tolerance_note: str = ""
    question_id: str = ""
    rubric: str = ""

    @property
    def temporal_kind(self) -> str:
        return self.question_type.rsplit("/", 1)[-1] if self.category == "temporal" else ""

    @property
    def which(self) -> bool:
        """A which-first/last question: the answer is exactly one of `options`."""
        return self.temporal_kind in ("which_first", "which_last")


def key_from_metadata(md: dict, golds: list[str] | None = None, question: str = "") -> AnswerKey:
    """A key from sample metadata alone (no store): gold, kind and abstention; no pools."""
    golds = golds if golds is not None else [md.get("answer", ""), *md.get("aliases", [])]
    return AnswerKey(question=md.get("question") or question or "", category=md.get("category", ""),
                     answer_kind=md.get("answer_kind", "text"), golds=tuple(g for g in golds if g),
                     is_abstention=bool(md.get("is_abstention", False)),
                     question_type=md.get("question_type") or "", slot=md.get("slot"),
                     question_id=md.get("question_id", ""), rubric=md.get("rubric") or "")


def answer_keys(db: str | Path) -> dict[str, AnswerKey]:
    """question_id -> AnswerKey for every question of a benchmark store (cached per file version)."""
    path = str(Path(db).resolve())
    return _answer_keys(path, os.stat(path).st_mtime_ns)


@lru_cache(maxsize=8)
def _answer_keys(path: str, _mtime: int) -> dict[str, AnswerKey]:
    from memcurve.generators.store import open_store

    con = open_store(path, read_only=True)
    try:
        return _build(con)
    finally:
        con.close()


_QUESTIONS_SQL = """
SELECT question_id, category, question_type, text, answer, aliases, answer_kind, slot, is_abstention,
       asked_at, coalesce(rubric, '')
FROM questions ORDER BY question_id
"""
# facts planted by each question's evidence messages, with the planting message's and conversation's times
_EVIDENCE_FACTS_SQL = """
SELECT e.question_id, f.slot, f.value, f.subject, f.superseded_by IS NOT NULL AS stale, f.valid_from,
       m.sent_at, c.started_at, e.ordinal
FROM evidence e
JOIN facts f ON f.message_id = e.message_id
JOIN messages m ON m.message_id = e.message_id
JOIN conversations c ON c.conversation_id = m.conversation_id
ORDER BY e.question_id, e.ordinal, f.fact_id
"""


def _build(con) -> dict[str, AnswerKey]:
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    generated = meta.get("source", "") == GENERATOR_SOURCE
    by_slot: dict[str, set[str]] = {}
    for slot, value in con.execute("SELECT DISTINCT slot, value FROM facts").fetchall():
        by_slot.setdefault(slot, set()).add(value)
    planted: dict[str, list[tuple]] = {}
    for row in con.execute(_EVIDENCE_FACTS_SQL).fetchall():
        planted.setdefault(row[0], []).append(row[1:])
    keys = {}
    for qid, cat, qtype, text, answer, aliases, kind, slot, abst, asked_at, rubric in con.execute(
            _QUESTIONS_SQL).fetchall():
        keys[qid] = _key(qid, cat, qtype, text, answer, list(aliases), kind, slot, bool(abst), asked_at, rubric,
                         planted.get(qid, []), by_slot, generated)
    return keys


def _key(qid, category, qtype, text, answer, aliases, kind, slot, abst, asked_at, rubric, planted, by_slot,
         generated) -> AnswerKey:
    golds = tuple(g for g in [answer, *aliases] if g)
    evidence_values = [p[1] for p in planted]
    evidence_slots = {p[0] for p in planted}
    pool: set[str] = set()
    if slot:
        pool |= by_slot.get(slot, set())
    if generated:
        for value in (*golds, *pool):
            pool |= set(_vocab_pool_of(value))
        if slot:
            pool |= set(_vocab_pool_named(slot))
    related: tuple[str, ...] = ()
    if abst:
        related = tuple(dict.fromkeys(evidence_values))  # the neighbouring slot's value (the dog, not the cat)
    else:
        for s in evidence_slots:  # ranked items, events: the slots the evidence planted
            pool |= by_slot.get(s, set())
            if generated:
                for value in by_slot.get(s, set()):
                    pool |= set(_vocab_pool_of(value))
    temporal = qtype.rsplit("/", 1)[-1] if category == "temporal" else ""
    if temporal == "weekday":
        pool |= set(WEEKDAYS)
    options = tuple(dict.fromkeys(evidence_values)) if (temporal.startswith("which") or
                                                          any(v in golds for v in evidence_values)) else ()
    stale = tuple(dict.fromkeys(p[1] for p in planted if p[3]))
    numbers, tolerance, note = _tolerances(temporal, planted, asked_at)
    candidates = tuple(sorted(v for v in pool if v not in golds and v not in related))
    return AnswerKey(question=text, category=category, answer_kind=kind, golds=golds, is_abstention=abst,
                     question_type=qtype, slot=slot, candidates=candidates, options=options, stale=stale,
                     related=related, numbers=numbers, day_tolerance=tolerance, tolerance_note=note,
                     question_id=qid, rubric=rubric)


def ambiguous_day(sent_at: datetime, started_at: datetime) -> bool:
    """The reader sees a conversation's start date; an event said "today" in a message sent after midnight
    of that conversation is dated by the message, so which calendar day it was is genuinely ambiguous."""
    return sent_at.date() != started_at.date()


def accepted_numbers(kind: str, days: int, tolerance: int) -> tuple[float, ...]:
    """Accepted answers of a day-count question, `days` the true count and `tolerance` the days either way:
    - days_ago / days_between: days +- tolerance;
    - weeks_ago: for every day count d in that range, the whole weeks d // 7 (the stored answer) and the
      nearest whole number of weeks round(d / 7): a question asking "roughly how many whole weeks" accepts
      both the floor and the rounding of d / 7, nothing else.
    """
    span = range(days - tolerance, days + tolerance + 1)
    if kind == "weeks_ago":
        return tuple(sorted({float(d // 7) for d in span} | {float(math.floor(d / 7 + 0.5)) for d in span}))
    return tuple(float(d) for d in span)


def _tolerances(temporal: str, planted: list[tuple], asked_at) -> tuple[tuple[float, ...], int, str]:
    events = [p for p in planted if temporal and p[0] == "event"]
    if not events:
        return (), 0, ""
    tolerance = int(any(ambiguous_day(p[5], p[6]) for p in events))
    note = "a day either way: an event message was sent after midnight of its conversation" if tolerance else ""
    if temporal in ("days_ago", "weeks_ago") and asked_at is not None:
        days = (asked_at.date() - events[0][4].date()).days
    elif temporal == "days_between" and len(events) == 2:
        days = abs((events[1][4].date() - events[0][4].date()).days)
    else:
        return (), tolerance, note
    if temporal == "weeks_ago":
        note = (note + "; " if note else "") + "weeks: whole weeks or the nearest whole number of weeks"
    return accepted_numbers(temporal, days, tolerance), tolerance, note


def shifted_weekdays(gold: str, tolerance: int) -> tuple[str, ...]:
    """The weekday names accepted for `gold` with `tolerance` days either way."""
    if gold not in WEEKDAYS or not tolerance:
        return (gold,)
    i = WEEKDAYS.index(gold)
    return tuple(WEEKDAYS[(i + d) % 7] for d in range(-tolerance, tolerance + 1))


# ---- generator value pools (generated benchmarks only) -----------------------------------------------

@cache
def _vocab_pools() -> dict[str, tuple[str, ...]]:
    from memcurve.generators.planting.vocab import TITLE_POOLS, VOCAB_DIR, titles, words

    # slot pools only: filler vocab, hard-negative subjects and title parts name no answer kind
    pools = {p.stem: words(p.stem) for p in sorted(Path(VOCAB_DIR).glob("*.txt"))
             if not p.stem.startswith(("title", "filler_", "hn_"))}
    pools.update({f"title:{name}": titles(name) for name in TITLE_POOLS})
    return pools


@cache
def _pool_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, tuple[str, ...]] = {}
    for values in _vocab_pools().values():
        for value in values:
            index.setdefault(value, values)
    return index


def _vocab_pool_of(value: str) -> tuple[str, ...]:
    """The generator pool holding `value` (pools are disjoint), or ()."""
    return _pool_index().get(value, ())


def _vocab_pool_named(slot: str) -> tuple[str, ...]:
    """The pool named after a slot (cat_name -> cat_names, childhood_city -> childhood_cities), or ()."""
    pools = _vocab_pools()
    for name in (slot + "s", slot[:-1] + "ies" if slot.endswith("y") else "", slot):
        if name and name in pools:
            return pools[name]
    return ()
