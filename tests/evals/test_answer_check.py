"""Normalisation edge cases and the deterministic answer check (no model calls)."""

import pytest

from memcurve.evals.normalize import contains, dates_in, normalize, numbers_in
from memcurve.evals.scorers.answer_check import abstains, check_answer


@pytest.mark.parametrize("text, expected", [
    ("The Beagle!", "beagle"),
    ("  an   Apple,  a pear ", "apple pear"),
    ("Café DON’T", "cafe dont"),            # accents dropped, curly apostrophe unified then removed
    ("ﬁve ﬁsh", "5 fish"),                  # NFKD turns the ligature into "fi"
    ("Saint-Tropez", "saint tropez"),
    ("Biscuit's bowl", "biscuits bowl"),
    ("3", "3"), ("three", "3"), ("3.0", "3"), ("3.50 kg", "3.5 kg"),
    ("$1,200", "1200"), ("£1,200.00", "1200"), ("1200", "1200"), ("50%", "50"),
    ("Twenty-one", "21"), ("twenty one", "21"), ("ninety nine", "99"), ("seventeen", "17"),
    ("one hundred and five", "105"), ("a hundred", "100"), ("two thousand twenty four", "2024"),
    ("three four", "3 4"), ("ten five", "10 5"),  # adjacent numbers stay separate
    ("the 3rd of March", "3 of march"),
    ("p003-c0042", "p003 c0042"),           # ids are words, not numbers
])
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_normalize_without_numbers_keeps_number_words():
    assert normalize("No one told me", numbers=False) == "no one told me"
    assert normalize("No one told me") == "no 1 told me"


def test_contains_is_word_boundary_aware():
    assert contains("my cat is here", "cat")
    assert not contains("category theory", "cat")
    assert not contains("13 dogs", "3")
    assert contains("3 dogs", "3")
    assert not contains("anything", "")


def test_numbers_and_dates_are_read():
    assert numbers_in("I paid $1,200 for three chairs at 2.5 each") == [1200.0, 3.0, 2.5]
    assert dates_in("March 3rd, 2024; 5 of May; 2024-02-30 (invalid); 1st June") == [
        (2024, 3, 3), (None, 5, 5), (None, 6, 1)]


@pytest.mark.parametrize("reply, gold, aliases, kind, correct", [
    ("Your pup is called Biscuit.", "Biscuit", [], "text", True),
    ("Your dog is called Rex.", "Biscuit", [], "text", False),
    ("It was a Tue.", "Tuesday", ["Tue"], "text", True),           # alias
    ("It was on a tuesday!", "Tuesday", ["Tue"], "text", True),
    ("You have three dogs.", "3", [], "number", True),
    ("You have 3.0 dogs.", "three", [], "number", True),
    ("You spent $1,200.00 in total.", "1200", [], "number", True),
    ("You spent 1,200 dollars.", "$1,200", [], "number", True),
    ("You have 13 dogs.", "3", [], "number", False),               # 3 is not 13
    ("You have twenty-one plants.", "21", [], "number", True),
    ("It was the fifth of May.", "May 5", [], "date", False),      # ordinal words are not dates
    ("It was on 5 May 2024.", "May 5, 2024", [], "date", True),
    ("It was on 2024-05-05.", "May 5th", [], "date", True),        # year only on one side
    ("It was on May 5, 2023.", "2024-05-05", [], "date", False),   # years disagree
    ("Your cat is Mr. Whiskers", "Mr Whiskers", [], "text", True),
    ("You moved to São Paulo", "Sao Paulo", [], "text", True),
])
def test_check_answer(reply, gold, aliases, kind, correct):
    assert check_answer(reply, [gold, *aliases], answer_kind=kind).correct is correct


@pytest.mark.parametrize("reply", [
    "I don't know.", "I do not know what your cat is called.", "There is no information in prior conversations.",
    "You haven't mentioned a cat.", "That was not mentioned.", "I don't have that information.",
    "I have no record of that.", "You never told me.", "I can't find anything about a cat.",
    "I’m not sure, you didn’t say.", "The conversations don't contain any information about it.",
    "I'm unable to determine that from our chats.", "There's no mention of a cat.",
])
def test_abstentions_recognised(reply):
    assert abstains(reply)


@pytest.mark.parametrize("reply", [
    "Your pup is called Biscuit.", "No, you live in Leeds.", "It is a known issue.", "Nothing beats a beagle.",
    "The one you named Biscuit.",
])
def test_non_abstentions(reply):
    assert not abstains(reply)


def test_abstention_questions_need_an_abstention():
    right = check_answer("You haven't mentioned a cat, only your dog Biscuit.", ["no info"], is_abstention=True)
    wrong = check_answer("Your cat is called Whiskers.", ["no info"], is_abstention=True)
    assert (right.correct, right.abstained) == (True, True)
    assert (wrong.correct, wrong.abstained) == (False, False)


def test_abstaining_on_an_answerable_question_is_wrong_and_recorded():
    check = check_answer("Sorry, I don't have that information.", ["Biscuit"])
    assert (check.correct, check.abstained) == (False, True)
    hedged = check_answer("I'm not sure, but I think Biscuit?", ["Biscuit"])
    assert (hedged.correct, hedged.abstained) == (False, True)  # abstains and answers: wrong, hedge recorded


def test_rubric_answers_are_left_to_the_judge():
    assert check_answer("Try a vegetarian place.", ["recommend vegetarian"], answer_kind="rubric").correct is None


def test_rubric_is_decided_by_answer_kind_or_category():
    from memcurve.evals.scorers.answer_check import is_rubric

    assert is_rubric({"category": "user_facts", "answer_kind": "rubric"})
    assert is_rubric({"category": "implicit_connections", "answer_kind": "text"})  # category scored by rubric
    assert not is_rubric({"category": "user_facts", "answer_kind": "text"})
    assert not is_rubric({})
