"""The single-answer check: a reply is right only if it commits to the one right value.

`score_reply(reply, key)` is pure (no model, no store): the deterministic scorer, the judge's second
opinion and the no-history audit baselines all call it. Rules, in order:
- rubric answers are not scored here (the judge scores them);
- abstention questions: right iff the reply abstains and does not also answer: naming a candidate value
  of the asked slot's kind, or a guess ("maybe Luna", "perhaps 3"), makes it wrong; mentioning what the
  user did say (the dog, when the cat is asked for) is fine;
- answerable questions: a reply that abstains is wrong, even if it also names the gold ("I'm not sure,
  maybe Biscuit" both abstains and answers);
- numbers: the reply must state an accepted number and no other number (dates, clock times, numbers the
  question itself contains and the operands of a shown sum "40 + 50 = 90" are not counted);
- dates: exactly one date, the right one;
- text: the gold (or an alias) must be named, and no other candidate value of its kind; which-first/last
  and ranked questions need exactly one of their options; the gold offered as one side of an "or" is a
  hedge; a changing fact's superseded value may appear beside the latest one only as history ("used to",
  "switched from"), never in a hedge.
Tolerances are only those the AnswerKey documents: a day either way where the event's day is genuinely
ambiguous, and floor-or-nearest whole weeks for "how many weeks" questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from memcurve.evals.normalize import dates_in, fold, normalize, numbers_in, same_date, strip_dates
from memcurve.evals.scorers.abstention import abstains
from memcurve.evals.scorers.answer_key import WEEKDAYS, AnswerKey, shifted_weekdays


@dataclass(frozen=True)
class Verdict:
    """correct is None when the check does not apply (rubric answers)."""

    correct: bool | None
    reason: str
    abstained: bool = False
    matched: str | None = None  # the gold spelling that matched
    named: tuple[str, ...] = ()  # other candidate values (or numbers) the reply named


_GUESS = re.compile(
    r"\b(?:maybe|perhaps|probably|possibly|likely|my (?:best )?guess(?: is| would be)?|i(?: would|'d)? guess|"
    r"i think(?: it'?s| it is| that)?|could be|might be|may be)\b[\s:,]*(?:[\"'\u201c]|\d|[A-Z])")
_CHANGE_CUE = re.compile(r"\b(?:used to|previously|before|earlier|formerly|switched|changed|moved|replaced|"
                         r"no longer|anymore|old|former|upgraded|traded|sold|from|then|now|currently)\b")
_HEDGE_CUE = re.compile(r"\b(?:or|maybe|perhaps|either|not sure|possibly|might|unsure)\b")
# "one" alone is usually a pronoun ("the one you liked"); inside a number ("twenty-one", "one hundred") it is not
_ONE_PRONOUN = re.compile(r"(?<!-)(?<!ty )\bone\b(?!\s*-?\s*(?:hundred|thousand|million))")
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?|\b\d{1,2}\s*[ap]\.?m\b\.?", re.IGNORECASE)
_SUM = re.compile(r"((?:\$?\d[\d,]*(?:\.\d+)?\s*(?:\+|plus)\s*)+\$?\d[\d,]*(?:\.\d+)?)\s*"
                  r"(?:=|equals|is|makes|comes to|gives)\s*\$?(\d[\d,]*(?:\.\d+)?)", re.IGNORECASE)


def score_reply(reply: str, key: AnswerKey) -> Verdict:
    """The verdict for one reply against one question's AnswerKey (see module docstring)."""
    reply = reply or ""
    abstained = abstains(reply)
    if key.answer_kind == "rubric":
        return Verdict(None, "rubric answer: scored by the judge", abstained)
    if key.is_abstention or key.answer_kind == "abstention":
        return _score_abstention(reply, key, abstained)
    if abstained:
        return Verdict(False, "abstained although the answer is known", True)
    if key.answer_kind == "number" or key.numbers:
        return _score_number(reply, key)
    if key.answer_kind == "date":
        return _score_date(reply, key)
    return _score_text(reply, key)


def _score_abstention(reply: str, key: AnswerKey, abstained: bool) -> Verdict:
    if not abstained:
        return Verdict(False, "answered a question it cannot know", False)
    named = _named(reply, key.candidates)
    if named:
        return Verdict(False, f"abstained but also answered: {', '.join(named)}", True, named=tuple(named))
    guess = _GUESS.search(fold(reply).replace("\u2019", "'")) or _GUESS.search(reply)
    if guess:
        return Verdict(False, f"abstained but also guessed ({guess.group(0).strip()!r})", True)
    return Verdict(True, "abstained as required", True)


# ---- numbers -----------------------------------------------------------------------------------------

def _accepted(key: AnswerKey) -> set[float]:
    if key.numbers:
        return set(key.numbers)
    return {n for g in key.golds for n in numbers_in(g)}


def reply_numbers(reply: str, question: str = "", keep_one: bool = False) -> list[float]:
    """The numbers a reply states as answers: dates, clock times, the question's own numbers and the
    operands of a shown sum are left out; "one" counts only when keep_one (it is usually a pronoun)."""
    text = _SUM.sub(lambda m: m.group(2) if _sums_to(m) else m.group(0), reply)
    text = _TIME.sub(" ", strip_dates(text))
    if not keep_one:
        text = _ONE_PRONOUN.sub("unit", fold(text))
    asked = numbers_in(question)
    out = []
    for n in numbers_in(text):
        if n in asked:
            asked.remove(n)
            continue
        out.append(n)
    return out


def _sums_to(m: re.Match) -> bool:
    operands = [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*(?:\.\d+)?", m.group(1))]
    return abs(sum(operands) - float(m.group(2).replace(",", ""))) < 1e-9


def _score_number(reply: str, key: AnswerKey) -> Verdict:
    accepted = _accepted(key)
    if not accepted:  # a number kind without a numeric gold: fall back to the text rules
        return _score_text(reply, key)
    said = reply_numbers(reply, key.question, keep_one=1.0 in accepted)
    distinct = list(dict.fromkeys(said))
    right = [n for n in distinct if n in accepted]
    wrong = [n for n in distinct if n not in accepted]
    shown = tuple(_fmt(n) for n in distinct)
    if not right:
        return Verdict(False, "no accepted number in the reply" + (f" (said {', '.join(shown)})" if shown else ""),
                       named=shown)
    if wrong or len(right) > 1:
        return Verdict(False, f"names several numbers: {', '.join(shown)}", named=shown)
    note = f" ({key.tolerance_note})" if key.tolerance_note else ""
    return Verdict(True, f"states {_fmt(right[0])}{note}", matched=_fmt(right[0]))


def _fmt(n: float) -> str:
    return str(int(n)) if n == int(n) else str(n)


# ---- dates -------------------------------------------------------------------------------------------

def _score_date(reply: str, key: AnswerKey) -> Verdict:
    golds = [d for g in key.golds for d in dates_in(g)]
    said = list(dict.fromkeys(dates_in(reply)))
    if not golds:
        return _score_text(reply, key)
    right = [d for d in said if any(_near(g, d, key.day_tolerance) for g in golds)]
    if not right:
        return _score_text(reply, key) if not said else Verdict(False, "states another date")
    if len(said) > 1:
        return Verdict(False, f"names {len(said)} dates", named=tuple(map(str, said)))
    return Verdict(True, "states the date", matched=str(right[0]))


def _near(gold, said, tolerance: int) -> bool:
    if same_date(gold, said):
        return True
    if not tolerance:
        return False
    from datetime import date, timedelta

    gy, gm, gd = gold
    sy, sm, sd = said
    year = gy or sy or 2000
    g = date(year, gm, gd)
    return any((g + timedelta(days=k)).timetuple()[1:3] == (sm, sd) for k in range(-tolerance, tolerance + 1))


# ---- text --------------------------------------------------------------------------------------------

def _score_text(reply: str, key: AnswerKey) -> Verdict:
    golds = list(key.golds)
    if key.temporal_kind == "weekday" and golds:
        golds = [*shifted_weekdays(golds[0], key.day_tolerance), *golds[1:]]
    tokens = normalize(reply).split()
    gold_spans = {s: g for g in golds for s in _spans(tokens, g)}
    if not gold_spans:
        return Verdict(False, "no gold answer or alias in the reply")
    matched = next(iter(gold_spans.values()))
    accepted_norm = {normalize(g) for g in golds}
    other_options = tuple(o for o in key.options if normalize(o) not in accepted_norm and _spans(tokens, o)
                          and not _inside_gold(tokens, o, gold_spans))
    if other_options:  # which-first/last, ranked items: exactly one option
        return Verdict(False, f"names {len(other_options) + 1} of the options", matched=matched, named=other_options)
    others = tuple(c for c in _named(reply, key.candidates, tokens)
                   if normalize(c) not in accepted_norm and not _inside_gold(tokens, c, gold_spans))
    if key.temporal_kind == "weekday" and key.day_tolerance:
        others = tuple(o for o in others if o not in golds)
    if others:
        stale = {normalize(s) for s in key.stale}
        if all(normalize(o) in stale for o in others) and _as_history(reply):
            return Verdict(True, f"names {matched!r} as current, earlier values as history", matched=matched,
                           named=others)
        return Verdict(False, f"names other candidates too: {', '.join(others)}", matched=matched, named=others)
    for (start, end) in gold_spans:
        if (start > 0 and tokens[start - 1] == "or") or (end < len(tokens) and tokens[end] == "or"):
            return Verdict(False, "offers the answer as one side of an 'or'", matched=matched)
    return Verdict(True, f"reply names {matched!r}", matched=matched)


def _as_history(reply: str) -> bool:
    text = fold(reply)
    return bool(_CHANGE_CUE.search(text)) and not _HEDGE_CUE.search(text)


def _spans(tokens: list[str], value: str) -> list[tuple[int, int]]:
    """Token spans where the normalised value occurs in the normalised reply."""
    needle = normalize(value).split()
    if not needle:
        return []
    n = len(needle)
    first = needle[0]
    return [(i, i + n) for i, t in enumerate(tokens) if t == first and tokens[i:i + n] == needle]


def _inside_gold(tokens: list[str], value: str, gold_spans: dict) -> bool:
    """Every occurrence of `value` lies inside a gold occurrence ("Max" inside "Max Power")."""
    spans = _spans(tokens, value)
    return bool(spans) and all(any(gs <= s and e <= ge for (gs, ge) in gold_spans) for s, e in spans)


def _named(reply: str, values, tokens: list[str] | None = None) -> list[str]:
    """The values the reply names. A one-word capitalised value (a name) counts only when the reply writes
    it capitalised, so "hope" or "lucky" in running text is not taken for the names Hope or Lucky."""
    tokens = tokens if tokens is not None else normalize(reply).split()
    present = set(tokens)
    folded = fold(reply)
    out = []
    for value in values:
        words = normalize(value).split()
        if not words or words[0] not in present or not _spans(tokens, value):
            continue
        if len(words) == 1 and value[:1].isupper() and value not in WEEKDAYS:
            if not re.search(rf"(?<!\w){re.escape(_unaccent(value))}(?!\w)", _unaccent(reply)):
                continue
        elif len(words) == 1 and value in WEEKDAYS and not re.search(rf"\b{value.lower()}\b", folded):
            continue
        out.append(value)
    return out


def _unaccent(text: str) -> str:
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
