"""Abstention: the question asks for a close neighbour of what was said (the cat, when only the dog was
mentioned). The evidence is the related planted messages; the asked-for slot is never planted for the user.
"""

from __future__ import annotations

from memcurve.generators.personas import Persona
from memcurve.generators.planting.common import ABSTAIN, FactDraft, QuestionDraft, render_conversations, render_question

CATEGORY = "abstention"
# asked-for slot (never planted with subject 'user') -> the related user_facts slot that is planted
PAIRS = {
    "cat_name": "dog_name", "brother_name": "sister_name", "dentist_name": "doctor_name",
    "partner_employer": "employer", "childhood_city": "home_city",
}
ALIASES = ["No information", "not mentioned", "I don't know"]


def topics(n: int) -> list[str]:
    return sorted(PAIRS)


def exclusive(topic: str) -> bool:
    return False


def plant(pack, persona: Persona, rng, n: int, topic: str, chain) -> QuestionDraft:
    related = PAIRS[topic]
    value = persona.facts[related]
    base = persona.safe_context()
    convs = render_conversations(pack, f"user_facts/{related}", [{**base, "value": value}] * n, rng,
                                 [[FactDraft("user", related, value)] for _ in range(n)])
    q = render_question(pack, f"{CATEGORY}/{topic}", {**base, "related": value}, rng)
    return QuestionDraft(CATEGORY, f"{CATEGORY}/{topic}", q["question"], q["answer"] or ABSTAIN, convs,
                         aliases=q["aliases"] or list(ALIASES), answer_kind="abstention", slot=topic,
                         is_abstention=True)


def samples(persona: Persona) -> dict:
    base = persona.safe_context()
    return {f"{CATEGORY}/{slot}": ([], [{**base, "related": persona.facts[rel]}], None) for slot, rel in PAIRS.items()}
