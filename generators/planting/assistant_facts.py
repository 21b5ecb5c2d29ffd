"""Assistant facts: something the assistant said or recommended ("what was that book you suggested?").
N > 1: N suggestions with a number each (price, minutes, pages, weight); the question picks one by that number.
"""

from __future__ import annotations

from memcurve.generators.personas import ASSISTANT_SLOTS, Persona
from memcurve.generators.planting import user_facts
from memcurve.generators.planting.common import FactDraft
from memcurve.generators.planting.vocab import titles, words

CATEGORY = "assistant_facts"
SPEAKER = "assistant"
RANKINGS = {
    "rank_laptop": (lambda: words("laptops"), (499, 2399), "min", "laptop_price"),
    "rank_recipe": (lambda: words("recipes"), (12, 95), "min", "recipe_minutes"),
    "rank_book": (lambda: titles("suggested"), (140, 820), "min", "book_pages"),
    # every tent is a two-person backpacking tent (what the user asks for), at what such tents weigh, so no name
    # ("Family 6", "UL1") contradicts its weight or the request
    "rank_tent": (lambda: words("tents"), (900, 2400), "min", "tent_grams"),
}


def topics(n: int) -> list[str]:
    return sorted(ASSISTANT_SLOTS) if n == 1 else sorted(RANKINGS)


def available(persona: Persona, topic: str) -> bool:
    """Never a recommendation or ranking kind the assistant mentions in passing everywhere (persona.decoys)."""
    return topic not in persona.decoys


def decoys(persona: Persona) -> list[tuple[str, dict, FactDraft]]:
    """The persona's decoy recommendations and ranking kinds, said in passing by the assistant anywhere and
    registered as what it recommended (a decoy value inside no question's answer can then compete)."""
    base = persona.safe_context()
    return ([(f"{CATEGORY}/{slot}", {**base, "value": value}, FactDraft(SPEAKER, slot, value))
             for slot in persona.decoys if slot in ASSISTANT_SLOTS for value in [persona.recommended[slot]]]
            + user_facts.ranking_decoys(persona, CATEGORY, RANKINGS, SPEAKER))


def exclusive(topic: str) -> bool:
    return topic in RANKINGS


def plant(pack, persona: Persona, rng, n, topic, chain):
    return user_facts.plant(pack, persona, rng, n, topic, chain, category=CATEGORY, speaker=SPEAKER,
                            values=persona.recommended, subject="assistant", rankings=RANKINGS)


def samples(persona: Persona) -> dict:
    return user_facts.samples(persona, category=CATEGORY, speaker=SPEAKER, values=persona.recommended,
                              rankings=RANKINGS)
