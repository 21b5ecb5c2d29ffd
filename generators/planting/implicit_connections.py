"""Implicit connections: context shared in passing (an injury, a budget, a phobia, a schedule, a tech limit)
must shape later advice that never mentions it. Same mechanics as preferences, other vocabulary: each
circumstance is an aside on an ordinary turn, and each persona's reserved (never asked, never temporary)
circumstances are said in passing in fillers with the same sentences.
"""

from __future__ import annotations

from memcurve.generators.personas import Persona
from memcurve.generators.planting import preferences

CATEGORY = "implicit_connections"
VOCAB = "implicit"
FIELD = "circumstances"


def topics(n: int) -> list[str]:
    return preferences.topics(n, VOCAB)


def exclusive(topic: str) -> bool:
    return False


def reserved(persona: Persona) -> dict[str, tuple[str, ...]]:
    return preferences.reserved(persona, CATEGORY, VOCAB)


def decoys(persona: Persona) -> list:
    return preferences.decoys(persona, category=CATEGORY, vocab=VOCAB, field=FIELD)


def plant(pack, persona: Persona, rng, n, topic, chain):
    return preferences.plant(pack, persona, rng, n, topic, chain, category=CATEGORY, vocab=VOCAB, field=FIELD)


def samples(persona: Persona) -> dict:
    return preferences.samples(persona, category=CATEGORY, vocab=VOCAB)
