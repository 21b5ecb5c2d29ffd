"""Text normalisation for answer matching: one canonical form for the gold answer and the reply.

Both sides go through the same steps, so "The Beagle!" matches "beagle", "three" matches "3",
"$1,200.00" matches "1200" and "café" matches "cafe". Matching is containment on word boundaries
(" gold " inside " reply "), the lenient rule SQuAD-style checks and ConvoMem-style judges share:
extra accurate words around the answer are fine, a different word is not.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

ARTICLES = {"a", "an", "the"}

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_NUMBER_WORDS = set(_UNITS) | set(_TENS) | set(_SCALES)

# 1,200 | 1,200.50 | 3.0 | 42 ; ordinals 3rd -> 3. Not preceded by a letter/digit (ids like c0042 stay words).
_NUMERAL = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:st|nd|rd|th)?(?![\w])")
_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc\u0060\u00b4']")
_NON_WORD = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Unicode-normalise, drop accents, casefold and unify apostrophes ("Don’t Café" -> "don't cafe")."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("'", text).casefold()


def canonical_number(value: float) -> str:
    """3.0 -> "3", 3.50 -> "3.5": one spelling per number."""
    if value == int(value):
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _numerals_to_canonical(text: str) -> str:
    def repl(m: re.Match) -> str:
        value = float(m.group(1).replace(",", "") + (m.group(2) or ""))
        return f" {canonical_number(value)} "

    return _NUMERAL.sub(repl, text)


def _words_to_numbers(words: list[str]) -> list[str]:
    """["twenty", "one", "dogs"] -> ["21", "dogs"]; "and" inside a number ("one hundred and five") is absorbed."""
    out: list[str] = []
    i = 0
    while i < len(words):
        starts_number = words[i] in _UNITS or words[i] in _TENS or (
            words[i] == "a" and i + 1 < len(words) and words[i + 1] in _SCALES)  # "a hundred"
        if not starts_number:
            out.append(words[i])
            i += 1
            continue
        total, current, j = 0, 0, i + (words[i] == "a")
        while j < len(words):
            w, rest = words[j], current % 100
            if w in _UNITS:
                if not (rest == 0 or (rest >= 20 and rest % 10 == 0 and _UNITS[w] < 10)):
                    break  # "three four" and "ten five" are two numbers
                current += _UNITS[w]
            elif w in _TENS:
                if rest:
                    break
                current += _TENS[w]
            elif w in _SCALES:
                current = max(current, 1) * _SCALES[w]
                if _SCALES[w] >= 1000:
                    total, current = total + current, 0
            elif not (w == "and" and total + current >= 100 and j + 1 < len(words) and words[j + 1] in _NUMBER_WORDS):
                break
            j += 1
        out.append(str(total + current))
        i = j
    return out


def normalize(text: str, *, numbers: bool = True) -> str:
    """Canonical form: folded, numbers as canonical numerals, no punctuation or articles, single spaces.

    numbers=False keeps number words as words (used for abstention phrases, where "no one" must not
    become "no 1").
    """
    text = fold(text)
    if numbers:
        text = _numerals_to_canonical(text)
    text = text.replace("'", "")  # don't -> dont, biscuit's -> biscuits
    # keep decimal points of canonical numbers, drop every other punctuation mark
    text = re.sub(r"(?<=\d)\.(?=\d)", "DECIMALPOINT", text)  # upper case: cannot occur after casefold
    text = _NON_WORD.sub(" ", text).replace("DECIMALPOINT", ".")
    words = [w for w in _SPACES.split(text) if w]
    if numbers:
        words = _words_to_numbers(words)
    return " ".join(w for w in words if w not in ARTICLES)


def contains(haystack: str, needle: str) -> bool:
    """Whole-word containment of already-normalised strings ("cat" is not in "category")."""
    if not needle:
        return False
    return f" {needle} " in f" {haystack} "


def numbers_in(text: str) -> list[float]:
    """Every number a text states, as floats (numerals and written-out numbers)."""
    return [float(w) for w in normalize(text).split() if re.fullmatch(r"\d+(?:\.\d+)?", w)]


# ---- dates -------------------------------------------------------------------------------------------

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\b\.?(?:,?\s+(\d{{4}}))?")

DateParts = tuple[int | None, int, int]  # (year or None, month, day)


def dates_in(text: str) -> list[DateParts]:
    """Calendar dates a text states: ISO (2024-03-05), "March 5(th)[, 2024]", "5(th) (of) March [2024]".

    Purely numeric forms like 03/05/2024 are ambiguous (month or day first) and are not read.
    """
    folded = fold(text)
    found: list[DateParts] = []
    for y, m, d in _ISO.findall(folded):
        found.append((int(y), int(m), int(d)))
    for mon, d, y in _MONTH_DAY.findall(folded):
        found.append((int(y) if y else None, _MONTHS[mon], int(d)))
    for d, mon, y in _DAY_MONTH.findall(folded):
        found.append((int(y) if y else None, _MONTHS[mon], int(d)))
    return [(y, m, d) for y, m, d in found if _valid(y, m, d)]


def _valid(y: int | None, m: int, d: int) -> bool:
    try:
        date(y or 2000, m, d)  # 2000 is a leap year, so Feb 29 without a year is accepted
    except ValueError:
        return False
    return True


def same_date(gold: DateParts, said: DateParts) -> bool:
    """Month and day must agree; the year too when both sides state one."""
    (gy, gm, gd), (sy, sm, sd) = gold, said
    return gm == sm and gd == sd and (gy is None or sy is None or gy == sy)


def strip_dates(text: str) -> str:
    """The text with every date expression `dates_in` reads blanked out (so its day and year are not read
    as the numbers a reply states)."""
    folded = fold(text)
    for pattern in (_ISO, _MONTH_DAY, _DAY_MONTH):
        folded = pattern.sub(" ", folded)
    return folded
