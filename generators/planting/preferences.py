"""Preferences: the user states preferences in passing; a later standalone recommendation request
(never mentioning memory) is judged by a rubric that lists what a good reply must use or avoid.
N messages = N aspects of one domain (diet, spice, time, ...), each said in passing (an `## aside`) on an
ordinary composed turn of its own conversation.

Per domain, RESERVED aspects of each persona (never temporary ones) are only ever mentioned in passing and
never asked about (`reserved`): fillers say the persona's held value of each with the same sentences as the
evidence (`decoys`, registered as the user's facts), so a stated preference is no sign of a question. A
question draws its aspects from the others only, so no decoy states an aspect a rubric depends on.
"""

from __future__ import annotations

from memcurve.generators.personas import Persona
from memcurve.generators.planting.common import FactDraft, QuestionDraft, inline, render_conversations, render_question
from memcurve.generators.planting.reserve import reserve_rng
from memcurve.generators.planting.vocab import structured

CATEGORY = "preferences"
VOCAB = "preferences"
PERSONA_FIELD = "preferences"
# temporary circumstances and how many days they hold after being mentioned: "aspect" or "aspect:value"
TEMPORARY = {"injury": 120, "pregnancy": 150, "budget:tight": 60}
RESERVED = 2  # aspects per domain and persona only ever mentioned in passing


def topics(n: int, vocab: str = VOCAB) -> list[str]:
    """Domains with n aspects besides the RESERVED ones every persona keeps out of its questions."""
    return sorted(d for d, aspects in structured(vocab).items() if len(aspects) - RESERVED >= n)


def exclusive(topic: str) -> bool:
    return False


def temporary(aspect: str, values) -> bool:
    """Whether an aspect (or one of its values) is a temporary circumstance (TEMPORARY)."""
    return aspect in TEMPORARY or any(f"{aspect}:{v}" in TEMPORARY for v in values)


def reserved(persona: Persona, category: str = CATEGORY, vocab: str = VOCAB) -> dict[str, tuple[str, ...]]:
    """domain -> the RESERVED aspects this persona mentions in passing but is never asked about (none of
    them temporary: a decoy holds for good)."""
    rng = reserve_rng(persona, category)
    out = {}
    for domain, aspects in sorted(structured(vocab).items()):
        lasting = sorted(a for a, values in aspects.items() if not temporary(a, values))
        out[domain] = tuple(sorted(rng.sample(lasting, RESERVED)))
    return out


def decoys(persona: Persona, *, category=CATEGORY, vocab=VOCAB,
           field=PERSONA_FIELD) -> list[tuple[str, dict, FactDraft]]:
    """Every `say` sentence of the persona's held value of each reserved aspect, as contexts of the
    `<category>/plant` asides, registered as the user's (true, never asked) facts."""
    base = persona.safe_context()
    held = getattr(persona, field)
    structure = structured(vocab)
    out = []
    for domain, aspects in reserved(persona, category, vocab).items():
        for aspect in aspects:
            value = held[domain][aspect]
            for statement in structure[domain][aspect][value]["say"]:
                out.append((f"{category}/plant", _context(base, statement), FactDraft("user", f"{domain}.{aspect}", value)))
    return out


def _context(base: dict, statement: str) -> dict:
    return {**base, "statement": statement, "statement_inline": inline(statement)}


def plant(pack, persona: Persona, rng, n: int, topic: str, chain, *, category=CATEGORY, vocab=VOCAB,
          field=PERSONA_FIELD) -> QuestionDraft:
    domain = structured(vocab)[topic]
    held = getattr(persona, field)[topic]
    kept = reserved(persona, category, vocab)[topic]
    aspects = rng.sample(sorted(a for a in domain if a not in kept), n)
    base = persona.safe_context()
    contexts, facts, points = [], [], []
    for aspect in aspects:
        entry = domain[aspect][held[aspect]]
        statement = rng.choice(entry["say"])
        contexts.append(_context(base, statement))
        valid = TEMPORARY.get(f"{aspect}:{held[aspect]}", TEMPORARY.get(aspect))
        facts.append([FactDraft("user", f"{topic}.{aspect}", held[aspect], valid)])
        points.append(entry["rubric"])
    convs = render_conversations(pack, f"{category}/plant", contexts, rng, facts, asides=True)
    q = render_question(pack, f"{category}/{topic}", base, rng)
    rubric = q["rubric"] or "A good response should " + _join(points) + "."
    return QuestionDraft(category, f"{category}/{topic}", q["question"], q["answer"] or "; ".join(points), convs,
                         aliases=q["aliases"], rubric=rubric, answer_kind="rubric")


def _join(points: list[str]) -> str:
    return points[0] if len(points) == 1 else "; ".join(points[:-1]) + "; and " + points[-1]


def samples(persona: Persona, *, category=CATEGORY, vocab=VOCAB) -> dict:
    base = persona.safe_context()
    out = {f"{category}/plant": ([_context(base, "I love long walks.")], [], "user")}
    for domain in structured(vocab):
        out[f"{category}/{domain}"] = ([], [base], None)
    return out
