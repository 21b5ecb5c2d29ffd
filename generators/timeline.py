"""A persona's timeline: when each of its conversations starts, in waking hours, with gaps and bursts.

Real assistant use comes in bursts (two or three sittings in one day), ordinary gaps of a day or two, and
quiet spells of one to three weeks. Every conversation starts between 07:00 and 22:00, so "today" and "this
morning" in a message are said while the user is awake; every question is asked in waking hours too.
Times are microseconds since the Unix epoch (naive UTC), as the store keeps them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

EPOCH = datetime(1970, 1, 1)
US = 1_000_000
MINUTE = 60 * US
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WAKE_FROM, WAKE_TO = 7 * HOUR, 22 * HOUR  # conversations start in [07:00, 22:00)
CONVERSATION_ROOM = 240 * MINUTE  # a burst's next sitting starts at least this long after the previous one
# gap kind -> (weight, low, high) in minutes
GAPS = {"burst": (30, 240, 480), "days": (55, 18 * 60, 3 * 24 * 60), "quiet": (15, 5 * 24 * 60, 21 * 24 * 60)}


def to_us(moment: datetime) -> int:
    return int((moment - EPOCH) / timedelta(microseconds=1))


def waking(t: int, rng: random.Random) -> int:
    """`t` if it falls in waking hours, else a random time early the next waking morning."""
    day, clock = divmod(t, DAY)
    if WAKE_FROM <= clock < WAKE_TO:
        return t
    if clock >= WAKE_TO:
        day += 1
    return day * DAY + WAKE_FROM + rng.randint(0, 150) * MINUTE


def starts(count: int, first_day: datetime, rng: random.Random) -> list[int]:
    """Start times of `count` conversations, strictly increasing, all in waking hours."""
    kinds = list(GAPS)
    weights = [GAPS[k][0] for k in kinds]
    t = waking(to_us(first_day) + rng.randint(WAKE_FROM // MINUTE, WAKE_TO // MINUTE - 1) * MINUTE, rng)
    out = [t]
    for _ in range(count - 1):
        _, low, high = GAPS[rng.choices(kinds, weights)[0]]
        t = waking(t + max(CONVERSATION_ROOM, rng.randint(low, high) * MINUTE), rng)
        out.append(t)
    return out


def asked_at(after: int, rng: random.Random) -> int:
    """A question time 1-14 days after `after`, in waking hours."""
    return waking(after + rng.randint(1, 14) * DAY + rng.randint(-8 * 60, 8 * 60) * MINUTE, rng)
