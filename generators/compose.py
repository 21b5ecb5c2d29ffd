"""Composed conversations: everyday assistant work built from task families, at real or short length.

A task family is a domain of vocab/tasks.yaml (sleep, cooking, email, coding, ...) crossed with a task kind
(explain, plan, ideas, steps, troubleshoot, compare, draft, checklist, review). A conversation is one to
three task segments (a multi-task sitting) plus one brief side exchange; every user turn is short and may
carry a personal detail that is no slot (money, counts, days, places, other people, the user's job), and
every assistant reply at real length is 150-400 tokens of advice built from the domain's sentences.

Evidence conversations are these same conversations with the brief side exchange replaced by the planted
exchange (generators.generate), so length, shape and speakers come from one process for both kinds.

Either speaker may mention something in passing (an aside, given by generators.fillers): every composed user
turn at real length carries one before or after it (a planted fact always comes with one, so a bare turn
would mark a turn as no evidence), and part of the replies close with one (a recommendation); the other
speaker's next turn opens by acknowledging it wherever the aside has an acknowledgement (so a restated value is
as common in fillers as in evidence, and evidence is not mostly the user's). Each such turn is remembered as a
`Said`, so an evidence conversation can swap one aside (and its acknowledgement) for the planted fact.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache

from memcurve.generators.planting.vocab import structured, words
from memcurve.generators.text_filters import with_article
from memcurve.generators.tokens import cached_tokens

LENGTHS = ("real", "short")
MAX_REPLY_TOKENS = 400  # a long reply is 150-400 tokens
ASIDE_SHARE = 1.0  # composed user turns that mention a fact in passing (real length): all, as evidence turns do
ASSISTANT_ASIDE_SHARE = 0.75  # composed replies that mention a recommendation in passing (real length)
ACK_SHARE = 1.0  # of those with an acknowledgement line, the ones whose next turn (the other speaker's) says it
KINDS = ("explain", "plan", "ideas", "steps", "troubleshoot", "compare", "draft", "checklist", "review")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven")

_REQUESTS = {
    "explain": ["Can you explain {item} to me?", "What actually matters for {item}?",
                "I never quite got the hang of {item}. What's the idea?", "Quick one: how should I think about {item}?",
                "Could you walk me through {item}?"],
    "plan": ["Can you make me a plan for {item}?", "Help me plan {item} over the next few weeks?",
             "I want a realistic plan for {item}.", "Could you sketch a rough timeline for {item}?"],
    "ideas": ["Give me some ideas for {item}.", "I'm stuck on {item}. Any ideas?",
              "What are some good approaches to {item}?", "Brainstorm with me about {item}?"],
    "steps": ["What are the steps for {item}?", "Can you break {item} down into steps for me?",
              "Where do I even start with {item}?", "Walk me through {item} from the beginning?"],
    "troubleshoot": ["Things keep going wrong with {item}. What should I check?",
                     "Why is {item} not working for me?", "I've tried {item} twice and it flopped. What am I missing?",
                     "Can you help me figure out what's off with {item}?"],
    "compare": ["What are my options for {item}, and which would you pick?",
                "Is there a better or worse way to handle {item}?", "Compare a couple of approaches to {item} for me?"],
    "draft": ["Can you draft something I could send to {person} about {item}?",
              "Help me write a short note to {person} about {item}.",
              "Write a message to {person} explaining my plan for {item}?"],
    "checklist": ["Make me a checklist for {item}.", "What should be on my list for {item}?",
                  "I need a checklist for {item} so I don't forget anything."],
    "review": ["Here's my current approach to {item}. Can you critique it?",
               "I have my own way with {item}. What would you change?",
               "Honest feedback on how I handle {item}?"],
}
_DETAILS = [  # personal details that are no slot: budgets, counts, days, places, other people, the job
    "If it costs anything, my budget is about ${money}.", "It's for {count} people.", "I'd like to have this sorted by {day}.",
    "{person} suggested I ask you.", "I'm in {destination} in {month}, so keep that in mind.",
    "I've only got about {mins} minutes a day for this.", "My {relation} is visiting on {day}.",
    "I work as {a_job}, so evenings are short.", "I've put about ${money} into this sort of thing already.",
    "I've had a go at this {count} times before.", "We're doing it on {day} with {person}.",
    "I'd rather spend the time on {hobby} if I can.", "It's {count} of us, plus {person}.",
    "I'm meeting {person} at {clock} on {day}.", "{person} and I split it {count} ways.",
]
_OPENERS = [
    "Good question; {item} is one of those things that gets easier with a few habits.",
    "Happy to help with {item}.", "Here's how I'd approach {item}.",
    "A lot of people find {item} harder than it looks, so you're in good company.",
    "Let's keep {item} simple and practical.", "Sure, {item} is very doable.",
    "There are a few things that make the biggest difference with {item}.",
]
_ELABORATIONS = [
    "That alone tends to make the biggest difference.", "It sounds small, but it adds up quickly.",
    "If that feels like too much at first, start with {mins} minutes and build up from there.",
    "Give it about {count} weeks before you judge whether it works.",
    "Most people skip this, which is exactly why it helps.", "You can adjust it once you see how it goes.",
    "Try it on {day} and see how it feels.", "This is the step I'd do first if you only pick one.",
    "It's cheap, usually well under ${money}.", "Write it down so you don't have to remember it.",
    "If you share the job with someone like {person}, it becomes much easier.",
    "It's fine to do a rough version; perfect can come later.",
    "Check it again after a week, since the first attempt rarely sticks.",
]
_CLOSINGS = [
    "Want me to turn this into a short checklist?", "Would it help if I tailored this to your week?",
    "If you tell me more about your situation, I can narrow it down.", "Let me know which part you want to go deeper on.",
    "Shall I put this in a format you can print?", "Happy to adjust any of it.",
    "Do you want a shorter version for your phone?",
]
_FOLLOWUPS = [
    "What if I only have {mins} minutes on {day}?", "Which of those would you do first?",
    "Can you make that shorter?", "What's the most common mistake here?", "How would that change for {count} people?",
    "And if {person} is helping?", "Could you put that in order of effort?", "What would you skip if I'm short on time?",
    "Is there a cheaper way, say under ${money}?", "How do I know it's working?",
]
_FOLLOWUP_OPENERS = [
    "Then I'd focus on this:", "In that case:", "Good point.", "Sure.", "Here's the short version:",
    "That changes things a little.", "Fair question.",
]
_LATER = ["I'll try it on {day}.", "I'll show {person}.", "Trying it this week.", "I'll report back.",
          "Saving this for {month}.", "That's {count} things off my list."]
_ACKS = ["Thanks, that helps.", "Makes sense.", "Okay, good to know.", "Got it.", "That's useful.", "Perfect, thanks."]


_DRAWS = {  # field -> how its value is drawn
    "n": lambda rng: rng.choice(_NUMBER_WORDS), "mins": lambda rng: rng.choice((10, 15, 20, 25, 30, 40, 45)),
    "day": lambda rng: rng.choice(_DAYS), "person": lambda rng: rng.choice(words("filler_names")),
    "money": lambda rng: rng.choice((12, 18, 25, 30, 40, 45, 60, 75, 80, 120, 150, 200, 250, 300, 450)),
    "count": lambda rng: rng.randint(2, 9), "destination": lambda rng: rng.choice(words("filler_destinations")),
    "month": lambda rng: rng.choice(words("filler_months")), "relation": lambda rng: rng.choice(words("filler_relations")),
    "clock": lambda rng: f"{rng.randint(7, 20)}:{rng.choice(('00', '15', '30', '45'))}",
}


@cache
def _fields(text: str) -> tuple[str, ...]:
    """The distinct {fields} a text names, in order."""
    return tuple(dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(text) if name))


@cache
def _domains() -> dict[str, dict]:
    return structured("tasks")


def families() -> list[tuple[str, str]]:
    """Every (domain, kind) task family: a domain may list the kinds its items fit (`kinds:`; "why the sky is
    blue" can be explained, not planned or troubleshot), else every kind."""
    return [(d, k) for d, spec in sorted(_domains().items()) for k in spec.get("kinds", KINDS)]


@dataclass
class Composer:
    """Builds composed conversations for one persona; never repeats a message text for that persona."""

    length: str
    context: dict  # persona details that are no slot: first_name, job, hobby
    # speaker -> (rng -> (sentence, acknowledgement or None, the fact of someone else it states or None)): what
    # that speaker mentions in passing (generators.fillers); a speaker without one says nothing in passing
    asides: dict[str, Callable[[random.Random], tuple]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if "job" in self.context:  # the job with its article: "an accountant", never "a accountant"
            self.context = {**self.context, "a_job": with_article(self.context["job"])}
        self.used: set[str] = set()
        self.said: dict[str, Said] = {}  # composed turn with an aside or an opening -> how it was put together

    # ---------------------------------------------------------------------------------------- pieces

    def fill(self, rng: random.Random, text: str, item: str) -> str:
        """`text` with its {fields} filled: random everyday values (drawn only for the fields it names),
        the item, and persona details that are no slot."""
        names = _fields(text)
        if not names:
            return text
        values = {}
        for name in names:
            draw = _DRAWS.get(name)
            values[name] = item if name == "item" else draw(rng) if draw else self.context[name]
        return text.format_map(values)

    def _unique(self, rng: random.Random, make) -> str:
        """A text not yet used by this persona (a few redraws; then a numbered variant is still unique)."""
        for _ in range(8):
            text = make()
            if text not in self.used:
                break
        else:
            base, n = text, 2
            while text in self.used:
                text, n = f"{base} ({n})", n + 1
        self.used.add(text)
        return text

    def _user(self, rng: random.Random, frame: str, item: str, detail_share: float,
              opening: str | None) -> tuple[str, str | None]:
        """(turn, acknowledgement its reply opens with, or None); the turn opens with `opening`, the
        acknowledgement of the previous reply's aside."""
        said: list = []

        def make() -> str:
            text = self.fill(rng, frame, item)
            if rng.random() < detail_share:
                detail = self.fill(rng, rng.choice(_DETAILS), item)
                text = f"{detail} {text}" if rng.random() < 0.4 else f"{text} {detail}"
            said[:] = self._in_passing(rng, Said("user", text, opening))
            return said[0].text()
        text = self._unique(rng, make)
        return self._registered(text, *said)

    def _answer(self, rng: random.Random, reply: str, opening: str | None) -> tuple[str, str | None]:
        """(the reply opening with `opening`, maybe with an aside closing it; the acknowledgement the next user
        turn opens with, or None)."""
        text, ack = self._registered(None, *self._in_passing(rng, Said("assistant", reply, opening)))
        self.used.add(text)
        return text, ack

    def _in_passing(self, rng: random.Random, said: Said) -> tuple[Said, str | None]:
        """`said` with, at its speaker's share, a decoy aside (the user's before or after the turn, the assistant's
        closing the reply), and the acknowledgement of it the next turn opens with, or None."""
        pick = self.asides.get(said.speaker)
        if pick is None or self.length != "real" or rng.random() >= _SHARES[said.speaker]:
            return said, None
        sentence, ack, fact = pick(rng)
        first = said.speaker == "user" and rng.random() < 0.5
        return replace(said, aside=sentence, first=first, fact=fact), ack if ack and rng.random() < ACK_SHARE else None

    def _registered(self, text: str | None, said: Said, ack: str | None) -> tuple[str, str | None]:
        """Remember how a dressed turn was put together (a numbered variant of it is a plain turn)."""
        if text is not None and text != said.text():
            return text, None
        if said.aside or said.opening:
            self.said[said.text()] = said
        return said.text(), ack if said.aside else None

    def _tips(self, rng: random.Random, domain: str, item: str, count: int, elaborate: float) -> list[str]:
        tips = rng.sample(_domains()[domain]["tips"], min(count, len(_domains()[domain]["tips"])))
        out = []
        for tip in tips:
            text = self.fill(rng, tip, item)
            share = elaborate  # above 1: always one elaboration, and a second one with the share beyond 1
            for extra in rng.sample(_ELABORATIONS, 2 if share > 1 else 1):
                if rng.random() < share:
                    text += " " + self.fill(rng, extra, item)
                share -= 1
            out.append(text)
        return out

    def _reply(self, rng: random.Random, domain: str, kind: str, item: str, long: bool, to: str | None = None) -> str:
        def make() -> str:
            if not long:
                tips = self._tips(rng, domain, item, 1 if rng.random() < 0.8 else 2, 0.1)
                return " ".join(tips)
            opener = self.fill(rng, rng.choice(_OPENERS), item)
            tips = self._tips(rng, domain, item, rng.randint(6, 9), 1.5)
            closing = rng.choice(_CLOSINGS)
            return _within(lambda kept: "\n\n".join([opener, _body(rng, kind, item, kept, self.context, to), closing]),
                           tips)
        return self._unique(rng, make)

    def _followup_reply(self, rng: random.Random, domain: str, item: str, long: bool) -> str:
        def make() -> str:
            tips = self._tips(rng, domain, item, rng.randint(5, 8) if long else 1, 1.4 if long else 0.2)
            lead = rng.choice(_FOLLOWUP_OPENERS)
            if long:
                closing = rng.choice(_CLOSINGS)
                return _within(lambda kept: lead + "\n\n" + "\n".join(f"- {t}" for t in kept) + "\n\n" + closing, tips)
            return f"{lead} {tips[0]}"
        return self._unique(rng, make)

    # ---------------------------------------------------------------------------------------- segments

    def segment(self, rng: random.Random, family: tuple[str, str], rounds: int, long: bool) -> list[tuple[str, str, bool]]:
        domain, kind = family
        item = rng.choice(_domains()[domain]["items"])
        request = rng.choice(_REQUESTS[kind])
        to = None
        if "{person}" in request:  # a draft is addressed to the person the request names
            to = _DRAWS["person"](rng)
            request = request.replace("{person}", to)
        user, ack = self._user(rng, request, item, 0.45, None)
        reply, back = self._answer(rng, self._reply(rng, domain, kind, item, long, to), ack)
        turns = [("user", user, False), ("assistant", reply, False)]
        for _ in range(rounds - 1):
            if rng.random() < 0.2:
                frame = rng.choice(_ACKS) + " " + rng.choice(_FOLLOWUPS)
            else:
                frame = rng.choice(_FOLLOWUPS)
            user, ack = self._user(rng, frame, item, 0.35, back)
            reply, back = self._answer(rng, self._followup_reply(rng, domain, item, long), ack)
            turns += [("user", user, False), ("assistant", reply, False)]
        return turns

    def side(self, rng: random.Random, messages: int) -> list[tuple[str, str, bool]]:
        """The brief side exchange of a filler (in evidence conversations the planted exchange takes its place)."""
        turns = self.segment(rng, rng.choice(families()), messages // 2, long=False)
        if messages % 2:
            turns.append(("user", self._unique(rng, lambda: self.fill(rng, rng.choice(_ACKS) + " " +
                                                                       rng.choice(_LATER), "")), False))
        return turns

    def conversation(self, rng: random.Random) -> tuple[str, list[list[tuple[str, str, bool]]], int]:
        """(topic, segments, index of the side exchange among the segments)."""
        real = self.length == "real"
        count = 1 if not real else rng.choices((1, 2, 3), weights=(40, 42, 18))[0]
        picked = rng.sample(families(), count)
        segments = [self.segment(rng, fam, rng.randint(2, 5) if real else 1, long=real) for fam in picked]
        side_at = rng.randint(0, len(segments))
        segments.insert(side_at, self.side(rng, side_messages(rng)))
        topic = " + ".join(f"{d}/{k}" for d, k in picked)
        return topic, segments, side_at


_SHARES = {"user": ASIDE_SHARE, "assistant": ASSISTANT_ASIDE_SHARE}


@dataclass(frozen=True)
class Said:
    """How a composed turn was put together, so that an evidence conversation can swap its aside: the bare
    turn, the acknowledgement of the previous turn's aside it opens with, and a fact said in passing (a
    sentence before or after the bare turn; in a reply of several paragraphs, a paragraph of its own)."""

    speaker: str
    base: str
    opening: str | None = None
    aside: str | None = None
    first: bool = False
    fact: object = None  # the FactDraft of someone else the aside states, or None

    def text(self) -> str:
        parts = [self.opening] if self.opening else []
        parts += [self.aside, self.base] if self.first else [self.base, self.aside]
        return ("\n\n" if "\n" in self.base else " ").join(p for p in parts if p)


def _within(render, tips: list[str]) -> str:
    """The reply rendered from as many of `tips` as keep it within MAX_REPLY_TOKENS (at least two)."""
    while True:
        text = render(tips)
        if len(tips) <= 2 or cached_tokens(text) <= MAX_REPLY_TOKENS:
            return text
        tips = tips[:-1]


def side_messages(rng: random.Random) -> int:
    """Messages of a brief exchange, distributed like the planted exchanges of the built-in pack (4, 5 or 6)."""
    return rng.choices((4, 5, 6), weights=(60, 36, 4))[0]


def _body(rng: random.Random, kind: str, item: str, tips: list[str], context: dict, to: str | None = None) -> str:
    if kind in ("ideas", "steps", "troubleshoot", "review"):
        lead = {"ideas": "A few ideas:", "steps": "Step by step:", "troubleshoot": "The usual culprits, most likely first:",
                "review": "What I'd keep and what I'd change:"}[kind]
        return lead + "\n" + "\n".join(f"{i}. {t}" for i, t in enumerate(tips, 1))
    if kind == "plan":
        unit = rng.choice(("Week", "Day", "Phase"))
        return "\n".join(f"{unit} {i}: {t}" for i, t in enumerate(tips, 1))
    if kind == "checklist":
        return "\n".join(f"- [ ] {t}" for t in tips)
    if kind == "compare":
        half = max(1, len(tips) // 2)
        return ("Option one, the lighter-touch approach:\n" + " ".join(tips[:half]) +
                "\n\nOption two, more effort but more reliable:\n" + " ".join(tips[half:]) +
                "\n\nIf I had to pick, I'd start with option " + rng.choice(("one", "two")) + ".")
    if kind == "draft":
        name = to or _DRAWS["person"](rng)
        return (f"Here's a draft:\n\nHi {name},\n\nI wanted to share where I've got to with {item}. "
                + " ".join(tips[:2]) + f"\n\nLet me know what you think.\n\nBest,\n{context['first_name']}\n\n"
                "A few notes on the draft: " + " ".join(tips[2:]))
    return " ".join(tips[: len(tips) // 2]) + "\n\n" + " ".join(tips[len(tips) // 2:])


# Mean tokens of one composed conversation (generators.tokens), for estimates made before generating,
# e.g. how many conversations a history of 128k tokens needs; generation itself measures every history.
MEAN_CONVERSATION_TOKENS = {"real": 2000, "short": 150}
