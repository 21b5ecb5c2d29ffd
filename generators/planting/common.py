"""Shared shapes of planted material: what a category planter hands to the generator.

A planter turns (persona, evidence count, topic) into a QuestionDraft: the evidence conversations
(rendered turns, the evidence turn, the facts that turn states) and the question. Timestamps and ids are
added later by generators.generate, which knows where each conversation sits on the timeline.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from memcurve.errors import TemplateError
from memcurve.generators.templating import Pack

ABSTAIN = "There is no information in prior conversations to answer this question."


@dataclass
class FactDraft:
    subject: str  # user | assistant | sister, neighbour, ... (a hard negative)
    slot: str
    value: str
    valid_days: int | None = None  # a temporary circumstance (an injury) holds this many days after it is said


@dataclass
class ConversationDraft:
    topic: str  # the template key, e.g. "user_facts/dog_name"
    turns: list[tuple[str, str, bool]]  # (speaker, text, is_evidence)
    facts: list[FactDraft] = field(default_factory=list)  # stated by the evidence turn
    aside: bool = False  # turns are an aside (a stating sentence, maybe an acknowledgement) for an ordinary turn
    others: list[tuple[int, FactDraft]] = field(default_factory=list)  # (turn, fact): other people's values
    restating: list[int] = field(default_factory=list)  # turns that repeat the evidence (an acknowledgement)

    @property
    def evidence_turn(self) -> int:
        return next(i for i, t in enumerate(self.turns) if t[2])


@dataclass
class QuestionDraft:
    category: str
    question_type: str
    text: str
    answer: str
    conversations: list[ConversationDraft]  # evidence conversations, in time order
    aliases: list[str] = field(default_factory=list)
    rubric: str | None = None
    answer_kind: str = "text"
    slot: str | None = None
    is_abstention: bool = False
    chained: bool = False  # changing facts: each fact supersedes the previous one
    temporal_kind: str | None = None  # temporal: answer computed from timestamps at write time
    event_labels: list[str] = field(default_factory=list)

    @property
    def valid_days(self) -> int | None:
        """The shortest validity of the temporary circumstances the question depends on (None: lasting)."""
        days = [f.valid_days for c in self.conversations for f in c.facts if f.valid_days]
        return min(days) if days else None


def render_conversation(pack: Pack, key: str, context: Mapping, rng: random.Random,
                        facts: list[FactDraft], speaker: str = "user", asides: bool = False) -> ConversationDraft:
    """Render one randomly chosen conversation variant of `key`; its single evidence turn states `facts`.
    With `asides` and `## aside` sections in the template, one aside instead: the fact said in passing in an
    ordinary composed turn (generators.fillers joins it to the turn), like the asides every filler carries."""
    found = [s for s in pack.files.get(key, []) if s.kind == "aside"] if asides else []
    section = rng.choice(found or pack.sections(key, "conversation"))
    turns = section.conversation(context)
    check_evidence(section.display, section.line, turns, speaker)
    return ConversationDraft(key, turns, facts, aside=bool(found))


def render_conversations(pack: Pack, key: str, contexts: list[Mapping], rng: random.Random,
                         facts: list[list[FactDraft]], speaker: str = "user",
                         asides: bool = False) -> list[ConversationDraft]:
    """Render several evidence conversations of one question, each from a different variant while they last
    (asides, where `asides` is set and the template has them: see render_conversation)."""
    found = [s for s in pack.files.get(key, []) if s.kind == "aside"] if asides else []
    sections = found or pack.sections(key, "conversation")
    picks: list[int] = []
    while len(picks) < len(contexts):
        picks.extend(rng.sample(range(len(sections)), len(sections)))
    out = []
    for pick, context, stated in zip(picks, contexts, facts):
        section = sections[pick]
        turns = section.conversation(context)
        check_evidence(section.display, section.line, turns, speaker)
        out.append(ConversationDraft(key, turns, stated, aside=bool(found)))
    return out


def render_question(pack: Pack, key: str, context: Mapping, rng: random.Random, rendered: str | None = None) -> dict:
    """One question wording of `key`. A wording that describes the value ("my current car, the one I need an
    emergency kit for") names what it describes in `describes:` lines; it is eligible only when every such
    phrase occurs in `rendered`, the text of the evidence conversation that states the value the question
    asks for (for a changing fact, the current value's). Without `rendered` (abstention: nothing was said)
    only plain wordings are eligible."""
    text = (rendered or "").lower()
    options = [q for q in (s.question(context) for s in pack.sections(key, "question"))
               if all(d.lower() in text for d in q["describes"])]
    if not options:
        raise TemplateError(f"{key}: no question wording fits the rendered evidence (every wording has a "
                            "'describes:' phrase the conversation does not contain)")
    return rng.choice(options)


def conversation_text(conv: ConversationDraft) -> str:
    """The rendered text of a planted conversation (what descriptors may point at)."""
    return "\n".join(t[1] for t in conv.turns)


def check_evidence(display: str, line: int, turns: list[tuple[str, str, bool]], speaker: str | None) -> None:
    """A planting conversation has exactly one evidence turn, spoken by `speaker`; a filler has none."""
    marked = [t for t in turns if t[2]]
    if speaker is None:
        if marked:
            raise TemplateError(f"{display} line {line}: filler conversations must not mark an evidence turn ('*')")
        return
    if len(marked) != 1:
        raise TemplateError(f"{display} line {line}: a planting conversation needs exactly one '*' evidence turn, "
                            f"found {len(marked)}")
    if marked[0][0] != speaker:
        raise TemplateError(f"{display} line {line}: the evidence turn must be spoken by the {speaker}")


def inline(sentence: str) -> str:
    """A sentence as it reads mid-message: lower-case first word unless it is 'I'."""
    if sentence[:2] in ("I ", "I'"):
        return sentence
    return sentence[:1].lower() + sentence[1:]


class ChainState:
    """What the questions of one history chain have used up (event labels must not repeat in a history)."""

    def __init__(self) -> None:
        self.used_events: set[str] = set()
