"""User facts: something the user said in passing. One message: a slot of the persona (its dog's name).
N > 1 messages: N rated items (restaurants, hikes, ...), and the question needs all of them to pick the best.
"""

from __future__ import annotations

import zlib

from memcurve.generators.personas import ABSENTABLE, USER_SLOTS, Persona
from memcurve.generators.personas import pool as slot_pool
from memcurve.generators.planting.common import (FactDraft, QuestionDraft, conversation_text, render_conversation,
                                                 render_conversations, render_question)
from memcurve.generators.planting.vocab import titles, words

CATEGORY = "user_facts"
SPEAKER = "user"
# kind -> (item pool, score range, pick "max" or "min", facts slot)
RANKINGS = {
    "rank_restaurant": (lambda: words("restaurants"), (3, 10), "max", "restaurant_rating"),
    "rank_hike": (lambda: words("trails"), (3, 19), "max", "hike_miles"),
    "rank_apartment": (lambda: words("apartments"), (900, 2600), "min", "apartment_rent"),
    "rank_movie": (lambda: titles("movie"), (1, 5), "max", "movie_stars"),
}


# Abstention asks only about the slots a persona may lack (ABSENTABLE), four questions a persona, while the
# single-fact questions here spread over every slot the persona has: at even weights a dog, gym, instrument,
# partner or sister question was an abstention three times in four (80 against 25 at 20 personas), so the
# slot alone said "abstain", and the audit's same-slot wording detector had 25 answerable questions to
# test on. Those slots are drawn four times as often.
ABSENTABLE_WEIGHT = 4.0


def topic_weight(topic: str) -> float:
    return ABSENTABLE_WEIGHT if topic in ABSENTABLE else 1.0


def topics(n: int) -> list[str]:
    return sorted(USER_SLOTS) if n == 1 else sorted(k for k, v in RANKINGS.items() if v[1][1] - v[1][0] + 1 >= n)


def available(persona: Persona, topic: str) -> bool:
    """A persona is asked only about slots it has (no dog, no dog-name question) and never about its decoys
    (slots and ranking kinds it mentions in passing everywhere)."""
    return topic not in persona.decoys and (topic in RANKINGS or topic in persona.facts)


def spec(topic: str, item: str, lo: int, hi: int) -> int:
    """The item's number (price, weight, rating) for this kind of ranking: fixed per item across the whole
    benchmark, so one product never has two prices."""
    return lo + zlib.crc32(f"{topic}:{item}".encode()) % (hi - lo + 1)


def _distinct_specs(rng, pool, n: int, topic: str, lo: int, hi: int, pick: str = "max") -> list[str]:
    """n items of the pool whose numbers differ (so "the cheapest" has one answer), in random order.

    The winner is drawn first, uniformly among the items that can win (those with n - 1 distinct numbers on
    the losing side), then the others from the losing side: drawing n items at random would make the
    pool's extreme item the answer whenever it is drawn, so a no-history guess of "the cheapest laptop in
    the catalogue" would score."""
    by_value: dict[int, list[str]] = {}
    for item in pool:
        by_value.setdefault(spec(topic, item, lo, hi), []).append(item)
    values = sorted(by_value, reverse=pick == "max")  # best first
    if len(values) < n:
        raise ValueError(f"{topic}: the pool has fewer than {n} items with distinct numbers")
    rank = {v: i for i, v in enumerate(values)}
    eligible = [item for item in pool if rank[spec(topic, item, lo, hi)] <= len(values) - n]
    winner = rng.choice(eligible)
    losers = rng.sample(values[rank[spec(topic, winner, lo, hi)] + 1:], n - 1)
    items = [winner, *(rng.choice(by_value[v]) for v in losers)]
    rng.shuffle(items)
    return items


def decoys(persona: Persona) -> list[tuple[str, dict, FactDraft | None]]:
    """The persona's decoy slots and ranking kinds, said in passing anywhere (never asked: `available`)."""
    base = persona.safe_context()
    return ([(f"{CATEGORY}/{slot}", {**base, "value": persona.facts[slot]}, None)
             for slot in persona.decoys if slot in persona.facts]
            + ranking_decoys(persona, CATEGORY, RANKINGS, SPEAKER))


def ranking_decoys(persona: Persona, category: str, rankings: dict, subject: str) -> list[tuple[str, dict, FactDraft]]:
    """Every item of the persona's decoy ranking kinds with its number (the one `spec` fixes), said in passing:
    the same sentences as the evidence of a ranking question, for a kind this persona is never asked to rank.
    Each is registered like ranking evidence (an item inside a longer value, a name inside a street address,
    is then no mention of another slot's value)."""
    base = persona.safe_context()
    out = []
    for kind in sorted(set(persona.decoys) & set(rankings)):
        pool, (lo, hi), _, slot = rankings[kind]
        out += [(f"{category}/{kind}", {**base, "item": item, "score": spec(kind, item, lo, hi)},
                 FactDraft(subject, slot, item)) for item in pool()]
    return out


def exclusive(topic: str) -> bool:
    return topic in RANKINGS


def aliases_for(value: str) -> list[str]:
    return [value[4:]] if value.startswith("Dr. ") else []


def plant(pack, persona: Persona, rng, n: int, topic: str, chain, *, category=CATEGORY, speaker=SPEAKER,
          values=None, subject="user", rankings=RANKINGS) -> QuestionDraft:
    key = f"{category}/{topic}"
    base = persona.safe_context()
    if n == 1 and topic not in rankings:
        value = (values or persona.facts)[topic]
        conv = render_conversation(pack, key, {**base, "value": value}, rng, [FactDraft(subject, topic, value)], speaker,
                                   asides=True)
        q = render_question(pack, key, {**base, "value": value}, rng, conversation_text(conv))
        return QuestionDraft(category, key, q["question"], q["answer"] or value, [conv],
                             aliases=q["aliases"] or aliases_for(value), slot=topic)
    pool, (lo, hi), pick, slot = rankings[topic]
    items = _distinct_specs(rng, pool(), n, topic, lo, hi, pick)
    scores = [spec(topic, item, lo, hi) for item in items]
    convs = render_conversations(pack, key, [{**base, "item": item, "score": score} for item, score in zip(items, scores)],
                                 rng, [[FactDraft(subject, slot, item)] for item in items], speaker, asides=True)
    best = (max if pick == "max" else min)(range(n), key=lambda i: scores[i])
    q = render_question(pack, key, {**base, "items": items}, rng)
    return QuestionDraft(category, key, q["question"], q["answer"] or items[best], convs, aliases=q["aliases"])


def samples(persona: Persona, *, category=CATEGORY, speaker=SPEAKER, values=None, rankings=RANKINGS) -> dict:
    base = persona.safe_context()
    if values is None:  # every user slot, also those this persona lacks
        values = {slot: persona.facts.get(slot) or slot_pool(USER_SLOTS[slot])[0] for slot in USER_SLOTS}
    out = {f"{category}/{slot}": ([{**base, "value": v}], [{**base, "value": v}], speaker)
           for slot, v in values.items()}
    for kind, (pool, (lo, _), _, _) in rankings.items():
        item = pool()[0]
        out[f"{category}/{kind}"] = ([{**base, "item": item, "score": lo}], [{**base, "items": [item]}], speaker)
    return out
