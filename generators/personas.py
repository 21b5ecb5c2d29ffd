"""Personas: who the user is, drawn from vocab pools with a per-persona random generator.

A persona fixes one value for every slot it can be asked about (its dog's name, its city, what the
assistant recommended, its preferences and circumstances), so every question about that persona agrees
with every other. It also fixes the people around it, used as hard negatives and topical distractors: for every slot in
NEGATIVE_SLOTS, DISTRACTORS_PER_SLOT other people (the neighbour's dog, the cousin's phone, the
coworker's podcast tip, a friend's gift spending), each with one value of that slot that differs from
every value the user can hold for it, so "my cousin's Pixel 8" is always the same phone and never
the user's.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from memcurve.generators.planting.vocab import structured, titles, words

# slot -> vocab pool, for facts the user states about themself
USER_SLOTS: dict[str, str] = {
    "dog_name": "dog_names", "sister_name": "sister_names", "employer": "employers", "home_city": "home_cities",
    "gym_name": "gyms", "instrument": "instruments", "doctor_name": "doctor_names", "partner_name": "partner_names",
}
# slot -> pool, for what the assistant recommended
ASSISTANT_SLOTS: dict[str, str] = {
    "book_recommendation": "title:rec", "podcast_recommendation": "podcasts",
    "houseplant_recommendation": "houseplants", "stretch_recommendation": "stretches",
    "board_game_recommendation": "board_games",
}
# slot -> pool, for values that change over time (changing facts)
CHANGING_SLOTS: dict[str, str] = {
    "car_model": "car_models", "manager_name": "manager_names", "neighbourhood": "neighbourhoods",
    "reading_now": "title:reading", "phone_model": "phone_models", "coffee_spot": "coffee_spots",
}
# slots of other people mentioned in fillers (hard negatives and topical distractors): slot -> pool. A
# question's topic has distractors when its slot (or its evidence's facts slot) is listed here. Money and
# miles pools give amounts no whole amount or total the user states can equal: "money:LO:HI:CC" is $LO.CC to
# $HI.CC (the cents keep each slot's pool apart from the others'), "miles:LO:HI" is LO.5 to (HI-1).5 miles.
NEGATIVE_SLOTS: dict[str, str] = {
    "dog_name": "dog_names", "cat_name": "cat_names", "home_city": "home_cities", "car_model": "car_models",
    "employer": "employers", "instrument": "instruments", "book_recommendation": "title:rec",
    "sister_name": "sister_names", "partner_name": "partner_names", "gym_name": "gyms",
    "doctor_name": "doctor_names",
    # changing facts
    "phone_model": "phone_models", "coffee_spot": "coffee_spots", "manager_name": "manager_names",
    "neighbourhood": "neighbourhoods", "reading_now": "title:reading",
    # assistant facts: a recommendation someone else got
    "podcast_recommendation": "podcasts", "houseplant_recommendation": "houseplants",
    "stretch_recommendation": "stretches", "board_game_recommendation": "board_games",
    # aggregation: other people's amounts, which must not be added to the user's
    "gift_cost": "money:15:120:49", "museum_ticket": "money:8:38:50", "purchase_price": "money:40:1400:99",
    "run_miles": "miles:2:13", "book_finished": "others_books",
    # temporal: someone else's event
    "event": "events",
}
DISTRACTORS_PER_SLOT = 3  # other people per slot, each with its own value (distinct subjects)
# user slots a persona may not have (no dog, no sister, ...): each is missing for about half the personas,
# and then it is asked as an abstention question worded exactly like the answerable one
ABSENTABLE: tuple[str, ...] = ("dog_name", "gym_name", "instrument", "partner_name", "sister_name")
ABSENT_SHARE = 0.5
# user slots a persona mentions in passing all the time but is never asked about: the same asides as
# planted evidence, so a statement of a fact is no sign that a question asks for it
DECOYS = 2
ASSISTANT_DECOYS = 2  # likewise, recommendations the assistant mentions in passing (of ASSISTANT_SLOTS)
RANKING_DECOYS = 1  # likewise, per category with rankings: kinds whose items are mentioned in passing


def pool(name: str) -> tuple[str, ...]:
    if name.startswith("title:"):
        return titles(name[6:])
    if name.startswith("money:"):
        low, high, cents = map(int, name[6:].split(":"))
        return tuple(f"${n}.{cents:02d}" for n in range(low, high + 1))
    if name.startswith("miles:"):
        low, high = map(int, name[6:].split(":"))
        return tuple(f"{n}.5" for n in range(low, high))
    return words(name)


def distractor_values(name: str) -> tuple[str, ...]:
    """The values other people may hold in pool `name`: event labels that read as someone else's ("the pottery
    class", not "my cousin's wedding")."""
    return tuple(v for v in pool(name) if not v.startswith("my "))


@dataclass
class Persona:
    persona_id: str
    first_name: str
    last_name: str
    age: int
    job: str
    hobbies: list[str]
    facts: dict[str, str]  # user slot -> value
    recommended: dict[str, str]  # assistant slot -> value
    preferences: dict[str, dict[str, str]]  # domain -> aspect -> value key (vocab/preferences.yaml)
    circumstances: dict[str, dict[str, str]]  # domain -> aspect -> value key (vocab/implicit.yaml)
    others: dict[str, tuple[str, str]] = field(default_factory=dict)  # slot -> (subject, value): hard negatives
    # slot -> ((subject, value), ...): every distractor of the slot; others[slot] is the first
    distractors: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    absent: tuple[str, ...] = ()  # user slots this persona does not have (asked as abstention questions)
    # slots and ranking kinds it (or, for recommendations, the assistant) mentions in passing but is never asked
    # about: DECOYS user slots, ASSISTANT_DECOYS assistant slots, RANKING_DECOYS kinds of each ranking category
    decoys: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def attributes_json(self) -> str:
        prefs = structured("preferences")
        return json.dumps({
            "age": self.age, "job": self.job, "home_city": self.facts["home_city"], "employer": self.facts["employer"],
            "family": {"sister": self.facts.get("sister_name"), "partner": self.facts.get("partner_name")},
            "pets": {"dog": self.facts.get("dog_name")}, "hobbies": self.hobbies,
            "diet": self.preferences["dinner"]["diet"], "gym": self.facts.get("gym_name"),
            "instrument": self.facts.get("instrument"), "doctor": self.facts["doctor_name"],
            "does_not_have": list(self.absent), "mentions_in_passing": list(self.decoys),
            "recommended_by_assistant": self.recommended,
            "preferences": {d: {a: prefs[d][a][v]["rubric"] for a, v in asp.items()}
                            for d, asp in self.preferences.items()},
            "circumstances": self.circumstances,
            "people_around": {slot: [{"who": s, "value": v} for s, v in people]
                              for slot, people in self.distractors.items()},
        }, sort_keys=True)

    def distractor_values(self, slot: str) -> set[str]:
        """The values other people hold for `slot` (the user's own values of it must avoid them)."""
        return {value for _, value in self.distractors.get(slot, ())}

    def safe_context(self) -> dict[str, str]:
        """Persona details any template may use: none of them is a slot value."""
        return {"first_name": self.first_name, "job": self.job, "hobby": self.hobbies[0]}


def _ranking_kinds() -> list[list[str]]:
    """Each ranking category's kinds (imported late: the planters import this module)."""
    from memcurve.generators.planting import assistant_facts, user_facts

    return [sorted(user_facts.RANKINGS), sorted(assistant_facts.RANKINGS)]


def make_persona(index: int, rng: random.Random) -> Persona:
    facts = {slot: rng.choice(pool(p)) for slot, p in USER_SLOTS.items()}
    recommended = {slot: rng.choice(pool(p)) for slot, p in ASSISTANT_SLOTS.items()}
    prefs = {d: {a: rng.choice(sorted(vals)) for a, vals in asp.items()}
             for d, asp in structured("preferences").items()}
    circ = {d: {a: rng.choice(sorted(vals)) for a, vals in asp.items()} for d, asp in structured("implicit").items()}
    absent = [slot for slot in ABSENTABLE if rng.random() < ABSENT_SHARE] or [rng.choice(ABSENTABLE)]
    own = {**facts, **recommended}
    for slot in absent:
        del facts[slot]
    distractors = {}
    for slot, p in NEGATIVE_SLOTS.items():
        choices = [v for v in distractor_values(p) if v != own.get(slot)]
        subjects = rng.sample(words("hn_subjects"), DISTRACTORS_PER_SLOT)
        distractors[slot] = tuple(zip(subjects, rng.sample(choices, DISTRACTORS_PER_SLOT)))
    others = {slot: people[0] for slot, people in distractors.items()}
    present = sorted(facts)
    decoys = sorted(rng.sample(present, min(DECOYS, max(0, len(present) - 3))))
    decoys += sorted(rng.sample(sorted(ASSISTANT_SLOTS), ASSISTANT_DECOYS))
    for kinds in _ranking_kinds():
        decoys += sorted(rng.sample(kinds, RANKING_DECOYS))
    return Persona(
        persona_id=f"p{index:03d}", first_name=rng.choice(words("first_names")),
        last_name=rng.choice(words("last_names")), age=rng.randint(22, 68), job=rng.choice(words("jobs")),
        hobbies=rng.sample(words("hobbies"), 3), facts=facts, recommended=recommended, preferences=prefs,
        circumstances=circ, others=others, distractors=distractors, absent=tuple(absent), decoys=tuple(decoys),
    )
