"""Evidence location by text and the shared importer helpers (dates, overlap)."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from memcurve.errors import InputFormatError
from memcurve.generators.importers.common import Where, parse_locomo_date, parse_longmemeval_date, word_overlap
from memcurve.generators.importers.text_match import Candidate, bounded_levenshtein, locate, normalise


def levenshtein(a: str, b: str) -> int:
    """The textbook full-table edit distance, as the reference."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def test_bounded_levenshtein_matches_the_full_table():
    rng = random.Random(3)
    for _ in range(1500):
        a = "".join(rng.choice("abcd ") for _ in range(rng.randint(0, 30)))
        b = list(a)
        for _ in range(rng.randint(0, 8)):  # a few random edits keep many pairs within the bound
            op = rng.randint(0, 2)
            k = rng.randint(0, len(b))
            if op == 0:
                b.insert(k, rng.choice("abcd "))
            elif b and k < len(b):
                if op == 1:
                    del b[k]
                else:
                    b[k] = rng.choice("abcd ")
        b = "".join(b)
        limit = rng.randint(0, 8)
        true = levenshtein(a, b)
        assert bounded_levenshtein(a, b, limit) == (true if true <= limit else None), (a, b, limit)


def test_normalise():
    assert normalise("We’re adding TWO new-hires,  in March!") == "were adding two new hires in march"


def cands(*texts: str) -> list[Candidate]:
    return [Candidate(f"m{i}", "user", t) for i, t in enumerate(texts)]


@pytest.mark.parametrize(("evidence", "expected"), [
    ("my team has seven people", ("m1", "exact")),
    ("My team has SEVEN people.", ("m1", "normalised")),
    ("Yes, my dog Rex loves the beach a lot", ("m2", "partial")),
    ("I'm planning a trip to Lisbn with my sistr in June", ("m3", "levenshtein")),
    ("completely unrelated words here about quantum chromodynamics", None),
])
def test_locate_methods(evidence, expected):
    scope = cands("hello there", "As I said, my team has seven people now.", "my dog Rex loves the beach a lot",
                  "I'm planning a trip to Lisbon with my sister in June.")
    assert locate(evidence, [scope]) == expected


def test_locate_prefers_the_first_scope():
    first, second = cands("the budget is 40k"), [Candidate("x", "user", "the budget is 40k")]
    assert locate("the budget is 40k", [first, second]) == ("m0", "exact")
    assert locate("the budget is 40k", [[], second]) == ("x", "exact")


def test_levenshtein_picks_the_closest_message():
    scope = cands("the meeting moved to thursday at two", "the meeting moved to thursday at 2 pm")
    assert locate("The meeting moved to Thursday at 2pm.", [scope]) == ("m1", "levenshtein")


def test_dates():
    w = Where("f.json", "record 0")
    assert parse_longmemeval_date(w, "question_date", "2023/05/30 (Tue) 23:40") == datetime(2023, 5, 30, 23, 40)
    assert parse_locomo_date(w, "d", "1:56 pm on 8 May, 2023") == datetime(2023, 5, 8, 13, 56)
    assert parse_locomo_date(w, "d", "12:05 am on 1 Jan, 2024") == datetime(2024, 1, 1, 0, 5)
    assert parse_locomo_date(w, "d", "12:30 pm on 15 September, 2023") == datetime(2023, 9, 15, 12, 30)
    with pytest.raises(InputFormatError, match=r"^f.json: record 0: field 'd' has hour 13 on a 12-hour clock"):
        parse_locomo_date(w, "d", "13:05 pm on 1 Jan, 2024")


def test_word_overlap():
    assert word_overlap("What is my dog called?", ["My dog is called Biscuit"]) == 1.0
    assert word_overlap("Where do I keep my bike?", ["I keep it in the garage"]) == 0.5
    assert word_overlap("Where?", ["anything"]) == 0.0
    assert word_overlap("bike garage", []) == 0.0
