"""Multi-session aggregation: counts, sums and comparisons across 2..6 conversations
(how many books did I finish, how much did the birthday presents cost, which purchase cost the most).
"""

from __future__ import annotations

from memcurve.generators.personas import Persona
from memcurve.generators.planting.common import FactDraft, QuestionDraft, render_conversations, render_question
from memcurve.generators.planting.vocab import titles, words

CATEGORY = "aggregation"
# kind -> (how the answer is formed, item pool or None, amount range or None, facts slot)
KINDS = {
    "books_finished": ("count", lambda: titles("finished"), None, "book_finished"),
    "museums_visited": ("count", lambda: words("museums"), None, "museum_visited"),
    "gift_spending": ("sum", None, (15, 120), "gift_cost"),
    "miles_run": ("sum", None, (2, 13), "run_miles"),
    "biggest_purchase": ("max_item", lambda: words("purchases"), (40, 1400), "purchase_price"),
}


def topics(n: int) -> list[str]:
    return sorted(KINDS)


def exclusive(topic: str) -> bool:
    return True


def plant(pack, persona: Persona, rng, n: int, topic: str, chain) -> QuestionDraft:
    how, items_pool, amounts, slot = KINDS[topic]
    key = f"{CATEGORY}/{topic}"
    base = persona.safe_context()
    items = rng.sample(items_pool(), n) if items_pool else [None] * n
    values = rng.sample(range(amounts[0], amounts[1] + 1), n) if amounts else [None] * n
    friends = rng.sample(words("filler_names"), n)
    contexts, facts = [], []
    for item, amount, friend in zip(items, values, friends):
        stated = item if how == "count" else (f"${amount}" if topic != "miles_run" else str(amount))
        contexts.append({**base, "item": item, "amount": amount, "friend": friend})
        facts.append([FactDraft("user", slot, stated)])
    convs = render_conversations(pack, key, contexts, rng, facts)
    q = render_question(pack, key, base, rng)
    if how == "count":
        answer, aliases, kind = str(n), [_NUMBER_WORDS[n]], "number"
    elif how == "sum":
        total = sum(values)
        answer, kind = str(total), "number"
        aliases = [f"${total}"] if topic == "gift_spending" else [f"{total} miles"]
    else:
        answer, aliases, kind = items[max(range(n), key=lambda i: values[i])], [], "text"
    return QuestionDraft(CATEGORY, key, q["question"], q["answer"] or answer, convs,
                         aliases=q["aliases"] or aliases, answer_kind=kind)


_NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven"]


def samples(persona: Persona) -> dict:
    base = persona.safe_context()
    ctx = {**base, "item": "the sample item", "amount": 10, "friend": "Sam"}
    return {f"{CATEGORY}/{k}": ([ctx], [base], "user") for k in KINDS}
