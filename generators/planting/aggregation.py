"""Multi-session aggregation: counts, sums and comparisons across 2..6 conversations
(how many books did I finish, how much did the birthday presents cost, which purchase cost the most).

Answers must not be guessable without the history: a count of one thing per conversation would make the
answer the evidence count (2 in 40% of the questions), so a conversation names one to five books
(ITEMS_PER_MESSAGE; with four, two conversations hold only 7 totals and the commonest total over all
questions was 10-13% of them). The total is drawn first, uniformly from every count the conversations can hold, and then
split over them: summing independent per-conversation counts peaks the total (books_finished answered "6" in 5
of 23 questions at seed 11, so guessing each slot's commonest answer scored). The other kinds are sums or picks
over amounts drawn from wide ranges.

Each amount or item is said in passing (an `## aside`) on an ordinary composed turn. A persona reserves
kinds it is never asked about (`reserved`); fillers say made-up amounts and items of those kinds with the
same sentences (`decoys`), so a stated amount is no sign of a question, and a sum or pick only ever meets
amounts of its own kind that were planted for it.
"""

from __future__ import annotations

from memcurve.generators.personas import Persona
from memcurve.generators.planting.common import FactDraft, QuestionDraft, render_conversations, render_question
from memcurve.generators.planting.reserve import reserve_rng
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
ITEMS_PER_MESSAGE = 5  # count kinds: the most items one conversation names (at least one)
# the kinds one persona may reserve (RESERVED_GROUPS groups, drawn per persona): a birthday present is a purchase, so
# gift spending is reserved only together with the biggest purchase (a decoy gift could be the priciest buy)
DECOY_GROUPS = (("books_finished",), ("miles_run",), ("museum_tickets",), ("biggest_purchase",),
                ("biggest_purchase", "gift_spending"))
RESERVED_GROUPS = 2  # groups reserved per persona
DECOY_MENTIONS = 12  # made-up conversations' worth of asides per reserved kind


def topics(n: int) -> list[str]:
    return sorted(KINDS)


def exclusive(topic: str) -> bool:
    return True


def reserved(persona: Persona) -> tuple[str, ...]:
    """The kinds this persona mentions in passing but is never asked about."""
    groups = reserve_rng(persona, CATEGORY).sample(DECOY_GROUPS, RESERVED_GROUPS)
    return tuple(sorted({kind for group in groups for kind in group}))


def available(persona: Persona, topic: str) -> bool:
    return topic not in reserved(persona)


def decoys(persona: Persona) -> list[tuple[str, dict, None]]:
    """Asides of the reserved kinds, drawn like planted ones (never asked, so never summed)."""
    rng = reserve_rng(persona, f"{CATEGORY}:amounts")
    return [(f"{CATEGORY}/{kind}", ctx, None) for kind in reserved(persona)
            for ctx in _draw(persona, kind, DECOY_MENTIONS, rng)[0]]


def _draw(persona: Persona, topic: str, n: int, rng) -> tuple[list[dict], list[list], list]:
    """(contexts, item groups, amounts) of `n` conversations of kind `topic`."""
    how, items_pool, amounts, _ = KINDS[topic]
    per = _split(rng, rng.randint(n, ITEMS_PER_MESSAGE * n), n) if how == "count" else [1] * n
    drawn = rng.sample(items_pool(), sum(per)) if items_pool else [None] * n
    groups = [drawn[sum(per[:i]):sum(per[:i + 1])] for i in range(n)] if items_pool else [[None]] * n
    values = rng.sample(range(amounts[0], amounts[1] + 1), n) if amounts else [None] * n
    friends = rng.sample(words("filler_names"), n)
    base = persona.safe_context()
    contexts = [{**base, "item": _join(group), "amount": amount, "friend": friend}
                for group, amount, friend in zip(groups, values, friends)]
    return contexts, groups, values


def _split(rng, total: int, n: int) -> list[int]:
    """`total` items over `n` conversations, each naming 1..ITEMS_PER_MESSAGE of them."""
    per = [1] * n
    for _ in range(total - n):
        per[rng.choice([i for i in range(n) if per[i] < ITEMS_PER_MESSAGE])] += 1
    return per


def plant(pack, persona: Persona, rng, n: int, topic: str, chain) -> QuestionDraft:
    how, _, _, slot = KINDS[topic]
    key = f"{CATEGORY}/{topic}"
    base = persona.safe_context()
    contexts, groups, values = _draw(persona, topic, n, rng)
    facts = []
    for group, amount in zip(groups, values):
        if how == "count":
            stated = list(group)
        else:
            stated = [f"${amount}" if topic != "miles_run" else str(amount)]
        facts.append([FactDraft("user", slot, v) for v in stated])
    items = [g[0] for g in groups]
    convs = render_conversations(pack, key, contexts, rng, facts, asides=True)
    q = render_question(pack, key, base, rng)
    if how == "count":
        count = sum(len(g) for g in groups)
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
                 "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
                 *(f"twenty-{u}" for u in ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")),
                 "thirty"]


def _join(items: list) -> str | None:
    """'A', 'A and B', 'A, B and C'."""
    if items[0] is None:
        return None
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def samples(persona: Persona) -> dict:
    base = persona.safe_context()
    ctx = {**base, "item": "the sample item", "amount": 10, "friend": "Sam"}
    return {f"{CATEGORY}/{k}": ([ctx], [base], "user") for k in KINDS}
