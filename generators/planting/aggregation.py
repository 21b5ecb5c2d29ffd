"""Multi-session aggregation: counts, sums and comparisons across 2..6 conversations
(how many books did I finish, how much did the birthday presents cost, which purchase cost the most).

Answers must not be guessable without the history: a count of one thing per conversation would make the
answer the evidence count (2 in 40% of the questions), so a conversation names one to four books
(ITEMS_PER_MESSAGE), and the other kinds are sums or picks over amounts drawn from wide ranges.
"""

from __future__ import annotations

from memcurve.generators.personas import Persona
from memcurve.generators.planting.common import FactDraft, QuestionDraft, render_conversations, render_question
from memcurve.generators.planting.vocab import titles, words

CATEGORY = "aggregation"
# kind -> (how the answer is formed, item pool or None, amount range or None, facts slot)
KINDS = {
    "books_finished": ("count", lambda: titles("finished"), None, "book_finished"),
    "museum_tickets": ("sum", lambda: words("museums"), (8, 38), "museum_ticket"),
    "gift_spending": ("sum", None, (15, 120), "gift_cost"),
    "miles_run": ("sum", None, (2, 13), "run_miles"),
    "biggest_purchase": ("max_item", lambda: words("purchases"), (40, 1400), "purchase_price"),
}
ITEMS_PER_MESSAGE = ((1, 2, 3, 4), (30, 30, 20, 20))  # count kinds: items one conversation names, and weights


def topics(n: int) -> list[str]:
    return sorted(KINDS)


def exclusive(topic: str) -> bool:
    return True


def plant(pack, persona: Persona, rng, n: int, topic: str, chain) -> QuestionDraft:
    how, items_pool, amounts, slot = KINDS[topic]
    key = f"{CATEGORY}/{topic}"
    base = persona.safe_context()
    per = rng.choices(*ITEMS_PER_MESSAGE, k=n) if how == "count" else [1] * n
    drawn = rng.sample(items_pool(), sum(per)) if items_pool else [None] * n
    groups = [drawn[sum(per[:i]):sum(per[:i + 1])] for i in range(n)] if items_pool else [[None]] * n
    values = rng.sample(range(amounts[0], amounts[1] + 1), n) if amounts else [None] * n
    friends = rng.sample(words("filler_names"), n)
    contexts, facts = [], []
    for group, amount, friend in zip(groups, values, friends):
        if how == "count":
            stated = list(group)
        else:
            stated = [f"${amount}" if topic != "miles_run" else str(amount)]
        contexts.append({**base, "item": _join(group), "amount": amount, "friend": friend})
        facts.append([FactDraft("user", slot, v) for v in stated])
    items = [g[0] for g in groups]
    convs = render_conversations(pack, key, contexts, rng, facts)
    q = render_question(pack, key, base, rng)
    if how == "count":
        count = sum(per)
        answer, aliases, kind = str(count), [_NUMBER_WORDS[count]] if count < len(_NUMBER_WORDS) else [], "number"
    elif how == "sum":
        total = sum(values)
        answer, kind = str(total), "number"
        aliases = [f"{total} miles"] if topic == "miles_run" else [f"${total}"]
    else:
        answer, aliases, kind = items[max(range(n), key=lambda i: values[i])], [], "text"
    return QuestionDraft(CATEGORY, key, q["question"], q["answer"] or answer, convs,
                         aliases=q["aliases"] or aliases, answer_kind=kind)


_NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                 "twelve"]


def _join(items: list) -> str | None:
    """'A', 'A and B', 'A, B and C'."""
    if items[0] is None:
        return None
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def samples(persona: Persona) -> dict:
    base = persona.safe_context()
    ctx = {**base, "item": "the sample item", "amount": 10, "friend": "Sam"}
    return {f"{CATEGORY}/{k}": ([ctx], [base], "user") for k in KINDS}
