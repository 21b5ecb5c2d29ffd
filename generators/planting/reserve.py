"""What a persona only ever mentions in passing: a changing slot, some events, some aggregation kinds.

A planter's `decoys(persona)` says these in filler asides, so the sentences that plant evidence occur in
fillers too; the planter never asks about them (`available`, the free events). Both sides draw the
reservation from the persona's own stream, so they agree without shared state and a persona's reservation
is the same wherever it is asked for.
"""

from __future__ import annotations

import random

from memcurve.generators.personas import Persona


def reserve_rng(persona: Persona, category: str) -> random.Random:
    """The random stream of `persona`'s reservation for `category` (a fresh stream on each call)."""
    return random.Random(f"memcurve:reserve:{category}:{persona.persona_id}:{persona.name}:{persona.age}:"
                         f"{persona.job}")
