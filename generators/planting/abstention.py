"""Abstention: the persona is asked about a slot it does not have (no dog, no sister), with exactly the
wordings of the answerable user_facts question, which other personas (about half) can answer. The evidence
is the closest thing the history holds: someone else's value for that slot (a hard negative, "my
neighbour's dog Rex"), so the question looks answerable and the right reply is that it was never said.
"""

from __future__ import annotations

from memcurve.generators.personas import ABSENTABLE, Persona
from memcurve.generators.planting.common import ABSTAIN, FactDraft, QuestionDraft, render_conversations, render_question

CATEGORY = "abstention"
ALIASES = ["No information", "not mentioned", "I don't know"]


def topics(n: int) -> list[str]:
    return sorted(ABSENTABLE)


def available(persona: Persona, topic: str) -> bool:
    return topic in persona.absent


def exclusive(topic: str) -> bool:
    return False


def plant(pack, persona: Persona, rng, n: int, topic: str, chain) -> QuestionDraft:
    subject, value = persona.others[topic]
    base = persona.safe_context()
    convs = render_conversations(pack, f"negatives/{topic}", [{**base, "subject": subject, "value": value}] * n, rng,
                                 [[FactDraft(subject, topic, value)] for _ in range(n)], asides=True)
    q = render_question(pack, f"user_facts/{topic}", {**base, "value": value}, rng)
    return QuestionDraft(CATEGORY, f"{CATEGORY}/{topic}", q["question"], ABSTAIN, convs, aliases=list(ALIASES),
                         answer_kind="abstention", slot=topic, is_abstention=True)


def samples(persona: Persona) -> dict:
    return {}  # uses user_facts/<slot> questions and negatives/<slot> conversations, dry-rendered by those
