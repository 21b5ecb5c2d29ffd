"""Temporal answers, computed from stored timestamps only.

The generator calls `compute` to write a temporal question's answer; `memcurve validate` calls it again
on what the store holds, so an answer that disagrees with its evidence timestamps is caught.
An event's date is the date of the message that planted it (`facts.valid_from`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# question_type suffix -> number of events it needs (None: any number >= 2)
KINDS: dict[str, int | None] = {
    "days_between": 2,  # how many days passed between event A and event B
    "days_ago": 1,  # how many days before the question was event A
    "weeks_ago": 1,  # how many whole weeks before the question was event A
    "weekday": 1,  # which day of the week was event A
    "which_first": None,  # which of these events happened first (answer: its label)
    "which_last": None,  # which of these events happened most recently
}


def compute(kind: str, events: Sequence[tuple[datetime, str]], asked_at: datetime) -> str:
    """The answer to a temporal question of `kind` over `(event time, event label)` pairs."""
    if kind not in KINDS:
        raise ValueError(f"unknown temporal kind {kind!r}; valid: {', '.join(KINDS)}")
    need = KINDS[kind]
    if (need is not None and len(events) != need) or (need is None and len(events) < 2):
        raise ValueError(f"temporal kind {kind!r} needs {need or '2+'} events, got {len(events)}")
    if kind == "days_between":
        (t1, _), (t2, _) = events
        return str(abs((t2.date() - t1.date()).days))
    if kind == "days_ago":
        return str((asked_at.date() - events[0][0].date()).days)
    if kind == "weeks_ago":
        return str((asked_at.date() - events[0][0].date()).days // 7)
    if kind == "weekday":
        return WEEKDAYS[events[0][0].weekday()]
    ordered = sorted(events, key=lambda e: e[0])
    return ordered[0][1] if kind == "which_first" else ordered[-1][1]
