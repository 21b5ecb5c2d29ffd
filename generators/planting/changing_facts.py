"""Changing facts: a value changes 1..5 times (the car, the manager); the latest value is the answer.

Each change is its own conversation; the facts rows form a chain (valid_to / superseded_by are filled in
by the generator once the timestamps are known). Each value is said in passing (an `## aside`) on an
ordinary composed turn; RESERVED changing slots per persona are never asked (`reserved`) and their own chains of
values is said in passing in fillers (`decoys`), with the same sentences, so a stated change is no sign of
a question. No decoy names an asked slot's value: decoys only ever name the reserved slot's.
"""

from __future__ import annotations

from memcurve.generators.personas import CHANGING_SLOTS, Persona, pool
from memcurve.generators.planting.common import FactDraft, QuestionDraft, render_conversations, render_question
from memcurve.generators.planting.reserve import reserve_rng

CATEGORY = "changing_facts"
RESERVED = 2  # changing slots per persona only ever mentioned in passing
DECOY_STEPS = 4  # values of each reserved slot's chain that fillers mention


def topics(n: int) -> list[str]:
    return sorted(CHANGING_SLOTS)


def exclusive(topic: str) -> bool:
    return True


def reserved(persona: Persona) -> tuple[str, ...]:
    """The changing slots this persona mentions in passing but is never asked about."""
    return tuple(sorted(reserve_rng(persona, CATEGORY).sample(sorted(CHANGING_SLOTS), RESERVED)))


def available(persona: Persona, topic: str) -> bool:
    return topic not in reserved(persona)


def decoys(persona: Persona) -> list[tuple[str, dict, None]]:
    """Each reserved slot's chain of values, each step as a context its asides render (never asked)."""
    rng = reserve_rng(persona, f"{CATEGORY}:values")
    return [(f"{CATEGORY}/{slot}", ctx, None) for slot in reserved(persona)
            for ctx in _chain(persona, slot, rng, DECOY_STEPS)]


def _chain(persona: Persona, slot: str, rng, n: int) -> list[dict]:
    """Contexts of a chain of `n` values of `slot`, oldest first (other people's values never become the user's)."""
    taken = persona.distractor_values(slot)
    values = rng.sample([v for v in pool(CHANGING_SLOTS[slot]) if v not in taken], n)
    return [{**persona.safe_context(), "value": value, "previous": values[i - 1] if i else None, "step": i,
             "steps": n} for i, value in enumerate(values)]


def plant(pack, persona: Persona, rng, n: int, topic: str, chain) -> QuestionDraft:
    key = f"{CATEGORY}/{topic}"
    base = persona.safe_context()
    contexts = _chain(persona, topic, rng, n)
    values = [ctx["value"] for ctx in contexts]
    convs = render_conversations(pack, key, contexts, rng, [[FactDraft("user", topic, v)] for v in values],
                                 asides=True)
    # a descriptor may point only at the sentence that states the current value (an aside's acknowledgement
    # is in the conversation only when its host reply acknowledged something)
    latest = convs[-1]
    q = render_question(pack, key, {**base, "value": values[-1]}, rng, latest.turns[latest.evidence_turn][1])
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
