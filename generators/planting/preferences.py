"""Preferences: the user states preferences in passing; a later standalone recommendation request
(never mentioning memory) is judged by a rubric that lists what a good reply must use or avoid.
N messages = N aspects of one domain (diet, spice, time, ...), each stated in its own conversation.
"""

from __future__ import annotations

from memcurve.generators.personas import Persona
from memcurve.generators.planting.common import FactDraft, QuestionDraft, inline, render_conversations, render_question
from memcurve.generators.planting.vocab import structured

CATEGORY = "preferences"
VOCAB = "preferences"
PERSONA_FIELD = "preferences"
# temporary circumstances and how many days they hold after being mentioned: "aspect" or "aspect:value"
TEMPORARY = {"injury": 120, "pregnancy": 150, "budget:tight": 60}


def topics(n: int, vocab: str = VOCAB) -> list[str]:
    return sorted(d for d, aspects in structured(vocab).items() if len(aspects) >= n)


def exclusive(topic: str) -> bool:
    return False


def plant(pack, persona: Persona, rng, n: int, topic: str, chain, *, category=CATEGORY, vocab=VOCAB,
          field=PERSONA_FIELD) -> QuestionDraft:
    domain = structured(vocab)[topic]
    held = getattr(persona, field)[topic]
    aspects = rng.sample(sorted(domain), n)
    base = persona.safe_context()
    contexts, facts, points = [], [], []
    for aspect in aspects:
        entry = domain[aspect][held[aspect]]
        statement = rng.choice(entry["say"])
        contexts.append({**base, "statement": statement, "statement_inline": inline(statement)})
        valid = TEMPORARY.get(f"{aspect}:{held[aspect]}", TEMPORARY.get(aspect))
        facts.append([FactDraft("user", f"{topic}.{aspect}", held[aspect], valid)])
        points.append(entry["rubric"])
    convs = render_conversations(pack, f"{category}/plant", contexts, rng, facts)
    q = render_question(pack, f"{category}/{topic}", base, rng)
    rubric = q["rubric"] or "A good response should " + _join(points) + "."
    return QuestionDraft(category, f"{category}/{topic}", q["question"], q["answer"] or "; ".join(points), convs,
                         aliases=q["aliases"], rubric=rubric, answer_kind="rubric")


def _join(points: list[str]) -> str:
    return points[0] if len(points) == 1 else "; ".join(points[:-1]) + "; and " + points[-1]


def samples(persona: Persona, *, category=CATEGORY, vocab=VOCAB) -> dict:
    base = persona.safe_context()
    statement = "I love long walks."
    out = {f"{category}/plant": ([{**base, "statement": statement, "statement_inline": inline(statement)}], [], "user")}
    for domain in structured(vocab):
        out[f"{category}/{domain}"] = ([], [base], None)
    return out
