"""Personas: who the user is, drawn from vocab pools with a per-persona random generator.

A persona fixes one value for every slot it can be asked about (its dog's name, its city, what the
assistant recommended, its preferences and circumstances), so every question about that persona agrees
with every other. It also fixes the people around it used as hard negatives (the neighbour's dog).
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
# slots of other people mentioned in fillers (hard negatives): slot -> pool
NEGATIVE_SLOTS: dict[str, str] = {
    "dog_name": "dog_names", "cat_name": "cat_names", "home_city": "home_cities", "car_model": "car_models",
    "employer": "employers", "instrument": "instruments", "book_recommendation": "title:rec",
    "sister_name": "sister_names", "partner_name": "partner_names", "gym_name": "gyms",
}
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
    return titles(name[6:]) if name.startswith("title:") else words(name)


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
            "people_around": {slot: {"who": s, "value": v} for slot, (s, v) in self.others.items()},
        }, sort_keys=True)

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
    others = {}
    for slot, p in NEGATIVE_SLOTS.items():
        choices = [v for v in pool(p) if v != own.get(slot)]
        others[slot] = (rng.choice(words("hn_subjects")), rng.choice(choices))
    present = sorted(facts)
    decoys = sorted(rng.sample(present, min(DECOYS, max(0, len(present) - 3))))
    decoys += sorted(rng.sample(sorted(ASSISTANT_SLOTS), ASSISTANT_DECOYS))
    for kinds in _ranking_kinds():
        decoys += sorted(rng.sample(kinds, RANKING_DECOYS))
    return Persona(
        persona_id=f"p{index:03d}", first_name=rng.choice(words("first_names")),
        last_name=rng.choice(words("last_names")), age=rng.randint(22, 68), job=rng.choice(words("jobs")),
        hobbies=rng.sample(words("hobbies"), 3), facts=facts, recommended=recommended, preferences=prefs,
        circumstances=circ, others=others, absent=tuple(absent), decoys=tuple(decoys),
    )
