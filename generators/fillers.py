"""Filler conversations: composed everyday assistant work (generators.compose) with one brief side exchange,
which is a composed exchange, a filler template (templates/fillers/*.j2) or a hard negative (someone else's
pet, city, car, job, phone, podcast tip, gift spending or event, from templates/negatives/<slot>.j2: one of
the persona's distractors of a slot, registered as a fact of that person so it never reveals or contradicts
the user's own answers). A fixed share of fillers are hard negatives and a persona's histories nest, so a
history of n conversations holds about n * NEGATIVE_SHARE / len(NEGATIVE_SLOTS) distractors of each topic.

Evidence conversations are made from the filler of their timeline slot by swapping the side exchange for
the planted one (`with_planted`), or one decoy aside of the planted speaker for the planted aside, so
fillers and evidence share length, shape and speaker order. Decoy asides (`decoys`) are what each speaker
may say in passing: the user's never-asked facts and other people's values on user turns, the assistant's
never-asked recommendations and ranked items on replies.

Filler templates may use only the context below: values drawn from vocab pools that share no entry with
any slot's pool. A template line that this persona has already used gets a short composed tail, so
no message text repeats within a persona's conversations.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from memcurve.generators.compose import Composer, Said
from memcurve.generators.decoy_weights import weight as decoy_weight
from memcurve.generators.personas import Persona
from memcurve.generators.planting.common import ConversationDraft, FactDraft, check_evidence
from memcurve.generators.planting.vocab import words
from memcurve.generators.templating import Pack

RANKING_WEIGHT = 3  # a ranking kind's asides (one per item) are picked this many times as often as a slot's
NEGATIVE_SHARE = 0.25  # share of fillers whose side exchange is a hard negative (a topical distractor)
TEMPLATE_SHARE = 0.15  # share of fillers whose side exchange is a filler template (each used once per persona)
_CONTEXT_POOLS = {
    "friend": "filler_names", "friend2": "filler_names", "dish": "filler_dishes", "destination": "filler_destinations",
    "language": "filler_languages", "subject": "filler_subjects", "relation": "filler_relations",
    "month": "filler_months", "number": "filler_numbers",
}
_TAILS = {
    "user": ["I'll try that on {day}.", "{person} will be glad to hear it.", "That's a relief.",
             "I'll keep it in mind for {month}.", "Noted for next time.", "I'll tell {person}.",
             "Good, that saves me a trip.", "I'll give it {count} weeks."],
    "assistant": ["Give it a go and see how it feels.", "Small steps are fine here.",
                  "You can always adjust it later.", "Let me know how it turns out.",
                  "That should keep things simple.", "It's a common situation, so don't worry about it.",
                  "Check back in a week or so.", "Take your time with it."],
}


def filler_context(persona: Persona, rng: random.Random) -> dict[str, str]:
    ctx = persona.safe_context()
    for name, pool in _CONTEXT_POOLS.items():
        ctx[name] = rng.choice(words(pool))
    return ctx


@dataclass
class Filler:
    """A composed filler: its segments (lists of turns) and which one is the replaceable side exchange."""

    topic: str
    segments: list[list[tuple[str, str, bool]]]
    side_at: int
    facts: list[FactDraft]  # stated by the marked turn (a hard negative side exchange)
    others: list[tuple[int, FactDraft]] = field(default_factory=list)  # (turn, fact) stated by decoy asides

    def draft(self) -> ConversationDraft:
        return ConversationDraft(self.topic, [t for seg in self.segments for t in seg], list(self.facts),
                                 others=list(self.others))


class FillerMaker:
    """Renders a persona's fillers from a pack; the section lists are looked up once."""

    def __init__(self, pack: Pack, length: str = "real") -> None:
        self.length = length
        self.plain = [s for key in pack.keys("fillers") for s in pack.sections(key, "conversation")]
        self.negatives = {key.split("/", 1)[1]: pack.sections(key, "conversation") for key in pack.keys("negatives")}
        self.keys = {id(s): key for key in pack.keys("fillers") for s in pack.sections(key, "conversation")}
        self.asides = {key: found for key, sections in pack.files.items()
                       if (found := [s for s in sections if s.kind == "aside"])}

    def for_persona(self, persona: Persona) -> PersonaFillers:
        return PersonaFillers(self, persona)


class PersonaFillers:
    """One persona's fillers and evidence conversations; remembers every text used, so none repeats."""

    def __init__(self, maker: FillerMaker, persona: Persona) -> None:
        self.maker = maker
        self.persona = persona
        # speaker -> template key -> [(context, fact or None)]: what that speaker may say in passing
        self.decoys: dict[str, dict[str, list]] = {}
        speakers: dict[str, str] = {}
        for key, context, fact in decoys(persona):
            if key in maker.asides:
                if key not in speakers:
                    speakers[key] = next(s for s, _, marked in maker.asides[key][0].conversation(context) if marked)
                self.decoys.setdefault(speakers[key], {}).setdefault(key, []).append((context, fact))
        self.composer = Composer(maker.length, persona.safe_context(),
                                 {speaker: self._decoy(keys) for speaker, keys in self.decoys.items()})
        self.unused_templates = list(range(len(maker.plain)))

    def _decoy(self, keys: dict[str, list]):
        """rng -> a decoy aside of one speaker: a fact the persona is never asked about, or someone else's value,
        said in passing. A key is picked about as often as its evidence occurs: once per slot, a ranking kind
        (several items) up to RANKING_WEIGHT times as often."""
        names, weights = decoy_key_weights(keys)

        def pick(rng: random.Random) -> tuple[str, str | None, FactDraft | None]:
            key = rng.choices(names, weights)[0]
            context, fact = rng.choice(keys[key])
            section = rng.choice(self.maker.asides[key])
            return (*aside_lines(section.conversation(context)), fact)
        return pick

    def make(self, rng: random.Random) -> Filler:
        topic, segments, side_at = self.composer.conversation(rng)
        facts: list[FactDraft] = []
        roll = rng.random()
        persona, maker = self.persona, self.maker
        if maker.negatives and roll < NEGATIVE_SHARE:
            slot = rng.choice(sorted(s for s in maker.negatives if s in persona.distractors))
            subject, value = rng.choice(persona.distractors[slot])
            section = rng.choice(maker.negatives[slot])
            turns = section.conversation({**persona.safe_context(), "subject": subject, "value": value})
            check_evidence(section.display, section.line, turns, "user")
            segments[side_at] = self.fresh(rng, turns)
            facts.append(FactDraft(subject, slot, value))
        elif self.unused_templates and roll < NEGATIVE_SHARE + TEMPLATE_SHARE:
            pick = self.unused_templates.pop(rng.randrange(len(self.unused_templates)))
            section = maker.plain[pick]
            turns = section.conversation(filler_context(persona, rng))
            check_evidence(section.display, section.line, turns, None)
            segments[side_at] = self.fresh(rng, turns)
        return Filler(topic, segments, side_at, facts, self._decoy_facts(segments))

    def _decoy_facts(self, segments) -> list[tuple[int, FactDraft]]:
        said = self.composer.said
        turns = [t for seg in segments for t in seg]
        out = []
        for i, (_, text, _) in enumerate(turns):
            fact = said[text].fact if text in said else None
            if fact:
                out.append((i, fact))
                if i + 1 < len(turns) and _opening(said, turns[i + 1][1]):  # the next turn names it too
                    out.append((i + 1, fact))
        return out

    def with_planted(self, filler: Filler, planted: ConversationDraft, rng: random.Random) -> ConversationDraft:
        """The evidence conversation of a slot: its filler with the side exchange replaced by the planted one,
        or (an aside) with the aside of one of its user turns replaced by the planted aside."""
        if planted.aside:
            return self._with_aside(filler, planted, rng)
        segments = list(filler.segments)
        segments[filler.side_at] = self.fresh(rng, planted.turns)
        # decoy facts outside the side exchange keep their turns, shifted by the planted exchange's length
        start = sum(len(seg) for seg in filler.segments[:filler.side_at])
        end = start + len(filler.segments[filler.side_at])
        shift = len(segments[filler.side_at]) - (end - start)
        others = [(i if i < start else i + shift, fact) for i, fact in filler.others if not start <= i < end]
        return ConversationDraft(filler.topic, [t for seg in segments for t in seg], planted.facts, others=others)

    def _with_aside(self, filler: Filler, planted: ConversationDraft, rng: random.Random) -> ConversationDraft:
        said = self.composer.said
        speaker = next(s for s, _, marked in planted.turns if marked)
        turns = [t for seg in filler.segments for t in seg]
        hosts = [i for i, t in enumerate(turns) if t[0] == speaker and t[1] in said and said[t[1]].aside
                 and not (i and said[t[1]].opening and _foreign(said.get(turns[i - 1][1])))
                 and not _names_someone_else(filler, i, said.get(t[1]))]
        if not hosts:  # no clean decoy aside: any turn of the speaker naming no one else's value, else any turn
            spoken = [i for i, t in enumerate(turns) if t[0] == speaker]
            hosts = [i for i in spoken if not _names_someone_else(filler, i, said.get(turns[i][1]))] or spoken
        at = rng.choice(hosts)
        host = said.get(turns[at][1]) or Said(speaker, turns[at][1], first=speaker == "user" and rng.random() < 0.5)
        kept = list(filler.others)
        if _names_someone_else(filler, at, host) and host.opening:  # it acknowledged someone else's news: no more
            kept = [(i, fact) for i, fact in kept if i != at or fact is host.fact]
            host = replace(host, opening=None)
        sentence, ack = aside_lines(planted.turns)
        text = replace(host, aside=sentence).text()
        if text in self.composer.used:  # the same sentence on the same bare turn elsewhere: said the other way
            text = replace(host, aside=sentence, first=not host.first).text()
        text = self.fresh(rng, [(speaker, text, True)])[0][1]
        # a hard negative in the host keeps its text and its fact (registered at its own turn), not its mark
        negative = [i for i, t in enumerate(turns) if t[2]]
        others = [(negative[0], fact) for fact in filler.facts] if negative else []
        answer = _opening(said, turns[at + 1][1]) if at + 1 < len(turns) and turns[at + 1][0] != speaker else None
        if host.fact is not None:  # the host's decoy, and its acknowledgement, no longer name someone else's value
            kept.remove((at, host.fact))
            if answer is not None:
                kept.remove((at + 1, host.fact))
        others += kept
        out = [(s, t, False) for s, t, _ in turns]
        out[at] = (speaker, text, True)
        restating: list[int] = []
        if answer is not None:  # the next turn acknowledged the host's decoy: it acknowledges the fact now
            if _foreign(answer):  # (or nothing, where it names someone else's value: no evidence does)
                ack = None
            text = replace(answer, opening=ack).text()  # it acknowledges the planted fact instead (or nothing)
            out[at + 1] = self.fresh(rng, [(out[at + 1][0], text, False)])[0]  # a bare turn may be used already
            if ack:  # the acknowledgement names the value too: evidence that restates it (someone else's value
                restating.append(at + 1)  # is registered as theirs)
                others += [(at + 1, fact) for fact in planted.facts if _of_someone_else(fact)]
        return ConversationDraft(filler.topic, out, planted.facts, others=others, restating=restating)

    def fresh(self, rng: random.Random, turns: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
        """Template turns with every line this persona already used extended by a short composed tail (a marked
        line keeps its value: the tail only follows it)."""
        out = []
        used = self.composer.used
        for speaker, text, marked in turns:
            tails = _TAILS[speaker]
            for _ in range(len(tails)):
                if text not in used:
                    break
                text = f"{text} {self.composer.fill(rng, rng.choice(tails), '')}"
            used.add(text)
            out.append((speaker, text, marked))
        return out


def decoys(persona: Persona) -> list[tuple[str, dict, FactDraft | None]]:
    """(template key, context, fact to register or None) of every aside this persona may say in any
    conversation: its own facts that are never asked (each planter's `decoys`) and other people's values
    (hard negatives, registered as their facts)."""
    from memcurve.generators.planting.registry import PLANTERS

    out = [d for planter in PLANTERS.values() for d in getattr(planter, "decoys", lambda _: [])(persona)]
    base = persona.safe_context()
    out += [(f"negatives/{slot}", {**base, "subject": subject, "value": value}, FactDraft(subject, slot, value))
            for slot, (subject, value) in sorted(persona.others.items())]
    return out


def decoy_key_weights(keys: dict[str, list]) -> tuple[list[str], list[float]]:
    """(template keys, how often each is drawn) of one speaker's decoy asides: the key's weight
    (generators.decoy_weights), times its items up to RANKING_WEIGHT (a ranking kind has several)."""
    names = sorted(keys)
    return names, [min(len(keys[k]), RANKING_WEIGHT) * decoy_weight(k) for k in names]


def _names_someone_else(filler: Filler, at: int, host: Said | None) -> bool:
    """Whether turn `at` states another person's value (a hard negative or its acknowledgement) other than the
    host's own decoy aside, which the planted aside replaces: that turn cannot carry evidence."""
    own = host.fact if host is not None else None
    return any(i == at and fact is not own and _of_someone_else(fact) for i, fact in filler.others)


def _foreign(said: Said | None) -> bool:
    """Whether a turn's aside names someone else's value (an evidence turn must not acknowledge one)."""
    return said is not None and said.fact is not None and _of_someone_else(said.fact)


def _of_someone_else(fact) -> bool:
    return fact.subject not in ("user", "assistant")


def _opening(said: dict, text: str) -> Said | None:
    """How a turn that opens by acknowledging the previous turn's aside was put together, or None."""
    found = said.get(text)
    return found if found is not None and found.opening else None


def aside_lines(turns: list[tuple[str, str, bool]]) -> tuple[str, str | None]:
    """(the stating sentence, the acknowledgement or None) of a rendered aside."""
    sentence = next(text for _, text, marked in turns if marked)
    ack = next((text for _, text, marked in turns if not marked), None)
    return sentence, ack


def negative_samples(persona: Persona) -> dict:
    """Dry-render contexts for templates/negatives/<slot>.j2."""
    out = {}
    for slot, people in persona.distractors.items():
        out[f"negatives/{slot}"] = ([{**persona.safe_context(), "subject": subject, "value": value}
                                     for subject, value in people], [], "user")
    return out


def filler_samples(persona: Persona, pack: Pack) -> dict:
    ctx = filler_context(persona, random.Random(0))
    return {key: ([ctx], [], None) for key in pack.keys("fillers")}


__all__ = ["FillerMaker", "PersonaFillers", "Filler", "filler_context", "filler_samples", "negative_samples",
           ]
