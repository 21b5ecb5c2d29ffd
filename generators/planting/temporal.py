"""Temporal reasoning: events mentioned on the day they happen; the question needs date arithmetic or
ordering. The answer is computed by generators.temporal.compute from the planting messages' timestamps,
once the generator has placed the conversations on the timeline.

Questions refer to an event by a description (vocab/event_hints.txt, line by line beside vocab/events.txt:
"the evening I spent at the wheel throwing clay" for "the pottery class"), never by the label the evidence
says, so keyword search cannot find the evidence by the event's name; the description is an accepted
answer beside the label.

An event is said in passing (an `## aside`: "I just got back from the pottery class today") on an ordinary
composed turn, so the message's timestamp is the event's day. Each persona reserves DECOY_EVENTS events
that no question of it uses (`reserved_events`); fillers say those with the same sentences (`decoys`), so a
mentioned event is no sign of a question, and no decoy can be an asked event.
"""

from __future__ import annotations

from functools import cache

from memcurve.generators.personas import Persona
from memcurve.generators.planting.common import FactDraft, QuestionDraft, render_conversations, render_question
from memcurve.generators.planting.reserve import reserve_rng
from memcurve.generators.planting.vocab import words
from memcurve.generators.temporal import KINDS

CATEGORY = "temporal"
EVENT_SLOT = "event"
DECOY_EVENTS = 16  # events per persona said only in passing, never asked
# A weekday has seven values, so naming the commonest one answers 1 in 7 weekday questions without the history.
# Drawn as often as the other one-event kinds, weekdays were an eighth of the temporal questions and 16 of the
# slot-majority baseline's 24 temporal hits over seeds 11-18 (7 of 80 questions at seed 14, past the audit's
# 0.05); at a quarter weight they are about 4% of the temporal questions.
TOPIC_WEIGHTS = {"weekday": 0.25}


def topics(n: int) -> list[str]:
    return sorted(k for k, need in KINDS.items() if need == n or (need is None and n >= 2))


def exclusive(topic: str) -> bool:
    return False


def topic_weight(topic: str) -> float:
    return TOPIC_WEIGHTS.get(topic, 1.0)


def hint(label: str) -> str:
    """How a question refers to the event `label` without naming it."""
    return _hints()[label]


@cache
def _hints() -> dict[str, str]:
    labels, hints = words("events"), words("event_hints")
    if len(labels) != len(hints):
        raise ValueError(f"vocab/event_hints.txt has {len(hints)} lines for {len(labels)} events")
    return dict(zip(labels, hints))


def reserved_events(persona: Persona) -> list[str]:
    """The events this persona mentions in passing in fillers; no question of it uses them (never another
    person's event: that one is said as theirs, without "today")."""
    others = persona.distractor_values(EVENT_SLOT)
    return reserve_rng(persona, CATEGORY).sample([e for e in words("events") if e not in others], DECOY_EVENTS)


def free_events(persona: Persona) -> list[str]:
    """The events questions of this persona may use (a chain uses each at most once): not its reserved ones
    and not other people's (those read as someone else's event); the chain planner caps on this count."""
    taken = set(reserved_events(persona)) | persona.distractor_values(EVENT_SLOT)
    return [e for e in words("events") if e not in taken]


def decoys(persona: Persona) -> list[tuple[str, dict, None]]:
    base = persona.safe_context()
    return [(f"{CATEGORY}/plant", {**base, "event": e}, None) for e in reserved_events(persona)]


def plant(pack, persona: Persona, rng, n: int, topic: str, chain) -> QuestionDraft:
    free = [e for e in free_events(persona) if e not in chain.used_events]
    events = rng.sample(free, n)  # in time order: the generator places evidence in list order
    chain.used_events.update(events)
    base = persona.safe_context()
    convs = render_conversations(pack, f"{CATEGORY}/plant", [{**base, "event": e} for e in events], rng,
                                 [[FactDraft("user", EVENT_SLOT, e)] for e in events], asides=True)
    q = render_question(pack, f"{CATEGORY}/{topic}", _question_context(base, events, rng), rng)
    return QuestionDraft(CATEGORY, f"{CATEGORY}/{topic}", q["question"], q["answer"] or "", convs,
                         aliases=q["aliases"], answer_kind="number" if topic != "weekday" and "which" not in topic
                         else "text", temporal_kind=topic, event_labels=events)


def _question_context(base: dict, events: list[str], rng) -> dict:
    events = [hint(e) for e in events]
    shuffled = list(events)
    rng.shuffle(shuffled)
    listed = ", ".join(shuffled[:-1]) + " or " + shuffled[-1] if len(shuffled) > 1 else shuffled[0]
    return {**base, "event": events[0], "event_a": events[0], "event_b": events[-1], "events": shuffled,
            "event_list": listed}


def samples(persona: Persona) -> dict:
    import random

    base = persona.safe_context()
    evs = list(words("events")[:3])
    out = {f"{CATEGORY}/plant": ([{**base, "event": evs[0]}], [], "user")}
    for kind in KINDS:
        out[f"{CATEGORY}/{kind}"] = ([], [_question_context(base, evs, random.Random(0))], None)
    return out


def answer_aliases(kind: str, answer: str, events: list[str]) -> list[str]:
    """Accepted variants of a computed answer: '12 days', 'Tuesday' as 'Tue', 'pottery class' without 'the'."""
    if kind in ("days_between", "days_ago"):
        return [f"{answer} days"]
    if kind == "weeks_ago":
        return [f"{answer} weeks"]
    if kind == "weekday":
        return [answer[:3]]
    out = [hint(answer)] if answer in words("events") else []
    for prefix in ("the ", "my "):
        if answer.startswith(prefix):
            out.append(answer[len(prefix):])
    return out
