"""Changing facts: a value changes 1..5 times (the car, the manager); the latest value is the answer.

Each change is its own conversation; the facts rows form a chain (valid_to / superseded_by are filled in
by the generator once the timestamps are known).
"""

from __future__ import annotations

from memcurve.generators.personas import CHANGING_SLOTS, Persona, pool
from memcurve.generators.planting.common import (FactDraft, QuestionDraft, conversation_text, render_conversations,
                                                 render_question)

CATEGORY = "changing_facts"


def topics(n: int) -> list[str]:
    return sorted(CHANGING_SLOTS)


def exclusive(topic: str) -> bool:
    return True


def plant(pack, persona: Persona, rng, n: int, topic: str, chain) -> QuestionDraft:
    key = f"{CATEGORY}/{topic}"
    base = persona.safe_context()
    taken = persona.distractor_values(topic)  # other people's values never become the user's
    values = rng.sample([v for v in pool(CHANGING_SLOTS[topic]) if v not in taken], n)
    contexts = [{**base, "value": value, "previous": values[i - 1] if i else None, "step": i, "steps": n}
                for i, value in enumerate(values)]
    convs = render_conversations(pack, key, contexts, rng, [[FactDraft("user", topic, v)] for v in values])
    q = render_question(pack, key, {**base, "value": values[-1]}, rng, conversation_text(convs[-1]))
    return QuestionDraft(CATEGORY, key, q["question"], q["answer"] or values[-1], convs, aliases=q["aliases"],
                         slot=topic, chained=True)


def samples(persona: Persona) -> dict:
    base = persona.safe_context()
    out = {}
    for slot, p in CHANGING_SLOTS.items():
        a, b = pool(p)[:2]
        first = {**base, "value": a, "previous": None, "step": 0, "steps": 2}
        change = {**base, "value": b, "previous": a, "step": 1, "steps": 2}
        out[f"{CATEGORY}/{slot}"] = ([first, change], [{**base, "value": b}], "user")
    return out
