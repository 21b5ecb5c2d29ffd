"""Filler conversations: everyday assistant tasks (recipes, emails, code, travel, budgeting, study, ...)
that surround the evidence, plus hard negatives: other people's pets, cities, cars and jobs, registered as
facts with that person as subject, so they never reveal or contradict the user's own answers.

Filler templates (templates/fillers/*.j2) may use only the context below: values drawn from vocab pools
that share no entry with any slot's pool.
"""

from __future__ import annotations

import random

from memcurve.generators.personas import Persona
from memcurve.generators.planting.common import ConversationDraft, FactDraft, check_evidence
from memcurve.generators.planting.vocab import words
from memcurve.generators.templating import Pack

NEGATIVE_SHARE = 0.12  # share of fillers that are hard negatives
SESSION_SHARE = 0.4  # share of plain fillers that cover two tasks in one sitting (8-10 messages)
_CONTEXT_POOLS = {
    "friend": "filler_names", "friend2": "filler_names", "dish": "filler_dishes", "destination": "filler_destinations",
    "language": "filler_languages", "subject": "filler_subjects", "relation": "filler_relations",
    "month": "filler_months", "number": "filler_numbers",
}


def filler_context(persona: Persona, rng: random.Random) -> dict[str, str]:
    ctx = persona.safe_context()
    for name, pool in _CONTEXT_POOLS.items():
        ctx[name] = rng.choice(words(pool))
    return ctx


class FillerMaker:
    """Renders fillers from a pack; the section lists are looked up once."""

    def __init__(self, pack: Pack) -> None:
        self.plain = [s for key in pack.keys("fillers") for s in pack.sections(key, "conversation")]
        self.negatives = {key.split("/", 1)[1]: pack.sections(key, "conversation") for key in pack.keys("negatives")}
        self.keys = {id(s): key for key in pack.keys("fillers") for s in pack.sections(key, "conversation")}

    def make(self, persona: Persona, rng: random.Random) -> ConversationDraft:
        if self.negatives and rng.random() < NEGATIVE_SHARE:
            slot = rng.choice(sorted(s for s in self.negatives if s in persona.others))
            subject, value = persona.others[slot]
            section = rng.choice(self.negatives[slot])
            turns = section.conversation({**persona.safe_context(), "subject": subject, "value": value})
            check_evidence(section.display, section.line, turns, "user")
            return ConversationDraft(f"negatives/{slot}", turns, [FactDraft(subject, slot, value)])
        sections = [rng.choice(self.plain)]
        if len(self.plain) > 1 and rng.random() < SESSION_SHARE:
            second = rng.choice(self.plain)
            while second is sections[0]:
                second = rng.choice(self.plain)
            sections.append(second)
        turns = []
        for section in sections:
            part = section.conversation(filler_context(persona, rng))
            check_evidence(section.display, section.line, part, None)
            turns.extend(part)
        return ConversationDraft(" + ".join(self.keys[id(s)] for s in sections), turns, [])


def negative_samples(persona: Persona) -> dict:
    """Dry-render contexts for templates/negatives/<slot>.j2."""
    out = {}
    for slot, (subject, value) in persona.others.items():
        out[f"negatives/{slot}"] = ([{**persona.safe_context(), "subject": subject, "value": value}], [], "user")
    return out


def filler_samples(persona: Persona, pack: Pack) -> dict:
    ctx = filler_context(persona, random.Random(0))
    return {key: ([ctx], [], None) for key in pack.keys("fillers")}
