"""History chains: which questions share a history, where their evidence sits, and how histories nest.

A persona's questions are grouped into chains (questions_per_history each; one evidence count per chain,
so every chain's first question is asked at the smallest size that holds its evidence). A chain lives on
the persona's timeline of M = max(sizes) slots: each slot holds one of the chain's evidence conversations
or the persona's shared filler for that slot. The chain's entry order L lists the slots in the order
they join the history as the size grows; the history of size s is the first s entries of L, read in time
order. So a chain's smaller history is always contained in its larger one, and a question is asked of
every history whose prefix holds all its evidence.

Evidence is placed at target relative positions (early / middle / recent, cycled across the chain's
questions); fillers join in van der Corput order over their slots, so at every size the fillers are spread
evenly through time and each question's evidence keeps about the same relative place.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

TARGETS = (0.15, 0.5, 0.85)  # early, middle, recent
SPREAD = 0.08  # multi-evidence questions spread their messages over +-SPREAD around the target
FILL_AHEAD = 0.75  # all of a chain's evidence has joined by about this share of the largest size


@dataclass
class Shape:
    """A question before it has content: its category, evidence count and resources it uses up."""

    index: int
    category: str
    n: int
    resources: dict[str, int] = field(default_factory=dict)  # resource -> amount (capped per chain)


@dataclass
class ChainLayout:
    slots: list[list[int]]  # per question (chain order): its evidence slots, ascending (= time order)
    order: list[int]  # entry order L of all M slots
    entry: list[int]  # per question: smallest history size holding all its evidence
    target: list[float]  # per question: the relative position aimed at


def form_chains(shapes: Sequence[Shape], per_chain: int, caps: Callable[[str, int], int]) -> list[list[Shape]]:
    """Group shapes into chains: same evidence count per chain, first fit, respecting per-chain caps.

    `caps(resource, n)` is the most of `resource` one chain of n-evidence questions may use.
    """
    chains: list[list[Shape]] = []
    by_n: dict[int, list[tuple[list[Shape], dict[str, int]]]] = {}  # n -> open chains with their usage
    limits: dict[tuple[str, int], int] = {}
    for shape in shapes:
        open_chains = by_n.setdefault(shape.n, [])
        for chain, used in open_chains:
            if len(chain) < per_chain and _fits(used, shape, caps, limits):
                break
        else:
            chain, used = [], {}
            open_chains.append((chain, used))
            chains.append(chain)
        chain.append(shape)
        for resource, amount in shape.resources.items():
            used[resource] = used.get(resource, 0) + amount
        if len(chain) == per_chain:  # full: stop scanning it
            open_chains.remove((chain, used))
    return chains


def _fits(used: dict[str, int], shape: Shape, caps: Callable[[str, int], int], limits: dict) -> bool:
    for resource, amount in shape.resources.items():
        key = (resource, shape.n)
        if key not in limits:
            limits[key] = caps(resource, shape.n)
        if used.get(resource, 0) + amount > limits[key]:
            return False
    return True


@cache
def _corput(count: int) -> tuple[int, ...]:
    if count <= 0:
        return ()
    bits = max(1, (count - 1).bit_length())
    reversed_ = (int(f"{i:0{bits}b}"[::-1], 2) for i in range(1 << bits))
    return tuple(j for j in reversed_ if j < count)


def van_der_corput(count: int) -> list[int]:
    """0..count-1 in bit-reversed order: every prefix is spread evenly over the range."""
    return list(_corput(count))


def layout_chain(ns: Sequence[int], slots_total: int, rng: random.Random,
                 spreads: Sequence[float | None] | None = None, recent: Sequence[bool] | None = None) -> ChainLayout:
    """Place the evidence of questions with evidence counts `ns` on a timeline of `slots_total` slots.

    `spreads` gives a question's own half-width (share of the timeline) for its evidence, e.g. a changing
    fact whose values must lie months apart; None keeps SPREAD. `recent` marks questions whose evidence must
    sit at the end of the timeline (a temporary circumstance that still holds when the question is asked).
    """
    m = slots_total
    total = sum(ns)
    if total > m:
        raise ValueError(f"chain needs {total} evidence slots but the timeline has {m}")
    taken = [False] * m
    offset = rng.randrange(len(TARGETS))
    slots, targets = [], []
    for qi, n in enumerate(ns):
        spread = SPREAD if spreads is None or spreads[qi] is None else min(0.48, spreads[qi])
        target = min(0.98, max(0.02, TARGETS[(qi + offset) % len(TARGETS)] + rng.uniform(-0.05, 0.05)))
        if recent is not None and recent[qi]:
            target = 1.0
        if spread > SPREAD:  # a wide question sits where its whole span fits
            target = min(max(target, spread + 0.01), 0.99 - spread)
        targets.append(target)
        mine = []
        for j in range(n):
            spot = target if n == 1 else target + spread * (2 * j / (n - 1) - 1)
            mine.append(_nearest_free(taken, round(min(1.0, max(0.0, spot)) * (m - 1))))
        slots.append(sorted(mine))
    filler_slots = [p for p in range(m) if not taken[p]]
    filler_order = [filler_slots[i] for i in van_der_corput(len(filler_slots))]
    ratio = min(1.0, max(0.0, FILL_AHEAD * m / total - 1)) if total else 0.0
    order, entry, credit, next_filler = [], [], 0.0, 0
    for mine, n in zip(slots, ns):
        order.extend(mine)
        entry.append(len(order))
        credit += ratio * n
        while credit >= 1 and next_filler < len(filler_order):
            order.append(filler_order[next_filler])
            next_filler += 1
            credit -= 1
    order.extend(filler_order[next_filler:])
    return ChainLayout(slots, order, entry, targets)


def _nearest_free(taken: list[bool], want: int) -> int:
    m = len(taken)
    for d in range(m):
        for p in (want - d, want + d):
            if 0 <= p < m and not taken[p]:
                taken[p] = True
                return p
    raise ValueError("no free slot")  # unreachable: callers check capacity
