"""The single-answer check: a table of replies (right, hedged, shotgun, abstaining) for every category and
answer kind, and the no-history baselines scoring 0 on every answerable question of a generated benchmark."""

import pytest

from memcurve.evals.scorers.answer_key import AnswerKey, accepted_numbers, answer_keys, shifted_weekdays
from memcurve.evals.scorers.single_answer import reply_numbers, score_reply

DOG = AnswerKey(question="What is my dog's name?", category="user_facts", golds=("Biscuit",), slot="dog_name",
                candidates=("Rex", "Max", "Pepper", "Hope", "Max Power"))
BOOK = AnswerKey(question="Which novel did you recommend?", category="assistant_facts",
                 golds=("The Salt Lighthouse",), candidates=("The Salt Orchard", "The Velvet Ferryman"))
CAR = AnswerKey(question="What car do I drive now?", category="changing_facts", golds=("Chevy Bolt",),
                slot="car_model", candidates=("Honda Civic", "Tesla Model 3", "Mazda 3"),
                stale=("Honda Civic",))
CAT = AnswerKey(question="What's my cat's name?", category="abstention", answer_kind="abstention",
                golds=("There is no information in prior conversations to answer this question.",),
                is_abstention=True, slot="cat_name", candidates=("Luna", "Whiskers"), related=("Biscuit",))
FIRST = AnswerKey(question="Which happened first: the hackathon, the pottery class or the jazz concert?",
                  category="temporal", question_type="temporal/which_first",
                  golds=("the pottery class", "pottery class"),
                  options=("the pottery class", "the hackathon", "the jazz concert"),
                  candidates=("the hackathon", "the jazz concert", "the yoga retreat"))
LAST = AnswerKey(question="Which of the hackathon or the jazz concert was most recent?", category="temporal",
                 question_type="temporal/which_last", golds=("the jazz concert", "jazz concert"),
                 options=("the hackathon", "the jazz concert"), candidates=("the hackathon", "the yoga retreat"))
DAYS = AnswerKey(question="How many days ago was the hackathon?", category="temporal", answer_kind="number",
                 question_type="temporal/days_ago", golds=("12", "12 days"), numbers=(12.0,))
DAYS_AMBIGUOUS = AnswerKey(question="How many days ago was the hackathon?", category="temporal",
                           answer_kind="number", question_type="temporal/days_ago", golds=("12", "12 days"),
                           numbers=accepted_numbers("days_ago", 12, 1), day_tolerance=1)
WEEKS = AnswerKey(question="Roughly how many whole weeks has it been since the hackathon?", category="temporal",
                  answer_kind="number", question_type="temporal/weeks_ago", golds=("2", "2 weeks"),
                  numbers=accepted_numbers("weeks_ago", 20, 0))  # 20 days: 2 whole weeks, 2.86 rounds to 3
WEEKDAY = AnswerKey(question="Which day of the week was the hackathon?", category="temporal",
                    question_type="temporal/weekday", golds=("Tuesday", "Tue"),
                    candidates=("Monday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
WEEKDAY_AMBIGUOUS = AnswerKey(question=WEEKDAY.question, category="temporal", question_type="temporal/weekday",
                              golds=("Tuesday", "Tue"), candidates=WEEKDAY.candidates, day_tolerance=1)
BOOKS = AnswerKey(question="How many books did I finish this year?", category="aggregation", answer_kind="number",
                  golds=("3", "three"))
GIFTS = AnswerKey(question="How much did I spend on birthday presents?", category="aggregation",
                  answer_kind="number", golds=("120", "$120"))
BIGGEST = AnswerKey(question="Which purchase cost the most?", category="aggregation", golds=("standing desk",),
                    candidates=("road bike", "espresso machine"))
RANKED = AnswerKey(question="Of all the restaurants I rated, which one did I like best?", category="user_facts",
                   golds=("Osteria Lupa",), options=("Osteria Lupa", "Blue Fig", "Tandoor House"),
                   candidates=("Blue Fig", "Tandoor House", "Casa Verde"))
IMPORTED = AnswerKey(question="Where did Caroline move from?", category="single_hop", golds=("Sweden",))
DATE = AnswerKey(question="When did I adopt the cat?", category="single_hop", answer_kind="date",
                 golds=("7 May 2023",))
RUBRIC = AnswerKey(question="Any dinner ideas?", category="preferences", answer_kind="rubric",
                   golds=("vegetarian",))

SHOTGUN = "I don't know. {q} Maybe 1, 2, 3, 4, 5 or 6."

TABLE = [
    # user facts
    (DOG, "Your dog is called Biscuit.", True),
    (DOG, "biscuit", True),
    (DOG, "Your dog is called Rex.", False),
    (DOG, "Biscuit, Rex or Max.", False),                        # shotgun of candidates
    (DOG, "It's either Biscuit or Pepper.", False),
    (DOG, "I'm not sure, but I think Biscuit?", False),          # abstains and answers
    (DOG, "I don't know.", False),
    (DOG, SHOTGUN.format(q=DOG.question), False),
    (DOG, "Biscuit. I hope he's well!", True),                   # "hope" in running text is not the name Hope
    (DOG, "Biscuit or maybe something else", False),            # the gold as one side of an "or"
    # assistant facts
    (BOOK, "I recommended The Salt Lighthouse.", True),
    (BOOK, "The Salt Lighthouse or The Salt Orchard.", False),
    (BOOK, "Maybe The Velvet Ferryman.", False),
    # changing facts: latest value; stale only as history
    (CAR, "You drive a Chevy Bolt now.", True),
    (CAR, "You used to drive a Honda Civic but switched to a Chevy Bolt.", True),
    (CAR, "Either the Honda Civic or the Chevy Bolt.", False),
    (CAR, "A Honda Civic.", False),                              # the stale value
    (CAR, "Chevy Bolt, Honda Civic, Tesla Model 3", False),
    # abstention
    (CAT, "I don't know.", True),
    (CAT, "You never mentioned a cat, only your dog Biscuit.", True),  # the related value is fine
    (CAT, "I don't know, maybe Luna?", False),                   # abstains and answers
    (CAT, "I don't know. Maybe 1, 2 or 3.", False),
    (CAT, SHOTGUN.format(q=CAT.question), False),
    (CAT, "Your cat is called Whiskers.", False),
    (CAT, "I don't know. Luna, Whiskers?", False),
    # which first / last: exactly one option
    (FIRST, "The pottery class came first.", True),
    (FIRST, "pottery class", True),
    (FIRST, "The hackathon.", False),
    (FIRST, FIRST.question, False),                              # echoing the question names every option
    (FIRST, "The pottery class, then the hackathon, then the jazz concert.", False),
    (FIRST, SHOTGUN.format(q=FIRST.question), False),
    (LAST, "The jazz concert.", True),
    (LAST, "The hackathon or the jazz concert.", False),
    # day counts, with and without an ambiguous day
    (DAYS, "12 days ago.", True),
    (DAYS, "twelve days", True),
    (DAYS, "13 days ago.", False),
    (DAYS, "11 or 12 days.", False),
    (DAYS, "12 days ago, on March 3, 2024.", True),              # a date's numbers are not answers
    (DAYS, "It was 12 days ago, at 14:30.", True),               # nor a clock time's
    (DAYS, SHOTGUN.format(q=DAYS.question), False),
    (DAYS_AMBIGUOUS, "13 days ago.", True),                      # a day either way: ambiguous day only
    (DAYS_AMBIGUOUS, "11 days.", True),
    (DAYS_AMBIGUOUS, "14 days.", False),
    (DAYS_AMBIGUOUS, "11, 12 or 13 days.", False),               # tolerance is not a licence to hedge
    # weeks: whole weeks or the nearest whole number of weeks
    (WEEKS, "2 weeks.", True),
    (WEEKS, "About 3 weeks.", True),                             # round(20 / 7) = 3
    (WEEKS, "4 weeks.", False),
    (WEEKS, "2 or 3 weeks.", False),
    # weekday
    (WEEKDAY, "It was a Tuesday.", True),
    (WEEKDAY, "Tue", True),
    (WEEKDAY, "Monday or Tuesday.", False),
    (WEEKDAY, "Wednesday.", False),
    (WEEKDAY_AMBIGUOUS, "Wednesday.", True),
    (WEEKDAY_AMBIGUOUS, "Thursday.", False),
    # aggregation
    (BOOKS, "You finished 3 books.", True),
    (BOOKS, "Three.", True),
    (BOOKS, "Maybe 1, 2, 3, 4, 5 or 6.", False),
    (BOOKS, "3 or 4 books.", False),
    (BOOKS, "You finished 4 books.", False),
    (BOOKS, "I don't know, maybe 3.", False),
    (BOOKS, SHOTGUN.format(q=BOOKS.question), False),
    (GIFTS, "You spent $120 in total.", True),
    (GIFTS, "$40 + $50 + $30 = $120.", True),                    # the operands of a shown sum
    (GIFTS, "$40 + $50 = $120.", False),                         # a wrong sum's operands are numbers too
    (GIFTS, "Somewhere between $100 and $120.", False),
    (BIGGEST, "The standing desk.", True),
    (BIGGEST, "The standing desk or the road bike.", False),
    # ranked items: exactly one of the options
    (RANKED, "Osteria Lupa was your favourite.", True),
    (RANKED, "Osteria Lupa, Blue Fig and Tandoor House.", False),
    (RANKED, "Blue Fig.", False),
    # imported free text (no pools): still no hedging, no abstaining
    (IMPORTED, "She moved from Sweden.", True),
    (IMPORTED, "Sweden or Norway.", False),
    (IMPORTED, "I don't know. Sweden?", False),
    (IMPORTED, "Norway.", False),
    # dates
    (DATE, "On 7 May 2023.", True),
    (DATE, "Either 7 May 2023 or 8 May 2023.", False),
    (DATE, "On 9 May 2023.", False),
    # rubric: not scored here
    (RUBRIC, "Try a vegetarian place.", None),
]


@pytest.mark.parametrize("key, reply, expected", TABLE,
                         ids=[f"{k.category}:{k.question_type or k.answer_kind}:{r[:40]}" for k, r, _ in TABLE])
def test_reply_table(key, reply, expected):
    verdict = score_reply(reply, key)
    assert verdict.correct is expected, verdict.reason
    assert verdict.reason


def test_every_category_and_answer_kind_is_in_the_table():
    from memcurve.generators.categories import GENERATED

    categories = {k.category for k, _, _ in TABLE}
    assert set(GENERATED) - {"implicit_connections"} <= categories  # implicit connections: rubric, like preferences
    assert {"text", "number", "date", "rubric", "abstention"} <= {k.answer_kind for k, _, _ in TABLE}


def test_tolerances_are_the_documented_ones():
    assert accepted_numbers("days_ago", 12, 0) == (12.0,)
    assert accepted_numbers("days_between", 12, 1) == (11.0, 12.0, 13.0)
    assert accepted_numbers("weeks_ago", 20, 0) == (2.0, 3.0)   # floor and nearest
    assert accepted_numbers("weeks_ago", 15, 0) == (2.0,)       # 2.14 weeks: both give 2
    assert accepted_numbers("weeks_ago", 13, 1) == (1.0, 2.0)
    assert shifted_weekdays("Monday", 1) == ("Sunday", "Monday", "Tuesday")
    assert shifted_weekdays("Monday", 0) == ("Monday",)


def test_reply_numbers_leave_out_dates_times_sums_and_pronouns():
    assert reply_numbers("The one you liked: 3 books, on May 5, 2024 at 9:30") == [3.0]
    assert reply_numbers("twenty-one") == [21.0]
    assert reply_numbers("How many of the 5 museums? 2.", question="of the 5 museums") == [2.0]


@pytest.fixture(scope="module")
def generated_keys(tmp_path_factory):
    from memcurve.generators.config import build_config
    from memcurve.generators.generate import generate

    db = tmp_path_factory.mktemp("keys") / "all.duckdb"
    generate(build_config({"seed": 5, "personas": 2, "sizes": "1,8", "questions_per_category": 3}), db,
             force=False, progress=False)
    return answer_keys(db)


def test_no_history_baselines_score_zero_on_every_answerable_question(generated_keys):
    answerable = [k for k in generated_keys.values() if k.answer_kind != "rubric" and not k.is_abstention]
    assert len({k.category for k in answerable}) == 5 and len(answerable) >= 30
    for key in answerable:
        shotgun = "I don't know. " + key.question + " Maybe 1, 2, 3, 4, 5 or 6."
        assert score_reply(shotgun, key).correct is False, (key.question_id, score_reply(shotgun, key))
        assert score_reply("I don't know.", key).correct is False
        assert score_reply(f"{key.golds[0]}.", key).correct is True, (key.question_id, key.golds)
        if key.answer_kind == "number":  # the gold among other numbers
            gold = float(key.golds[0])
            assert score_reply(f"{gold + 1:g}, {gold:g} or {gold + 2:g}", key).correct is False, key.question_id
        elif key.candidates:  # the gold among other values of its kind
            listed = ", ".join([key.candidates[0], key.golds[0], key.candidates[-1]])
            assert score_reply(listed, key).correct is False, (key.question_id, listed)


def test_abstention_questions_need_a_plain_abstention(generated_keys):
    abstention = [k for k in generated_keys.values() if k.is_abstention]
    assert abstention
    for key in abstention:
        assert score_reply("I don't know.", key).correct is True
        assert score_reply("I don't know. " + key.question + " Maybe 1, 2, 3, 4, 5 or 6.", key).correct is False
        assert key.candidates, key.question_id  # the asked slot's pool: naming one of them is answering
        assert score_reply(f"I don't know, {key.candidates[0]}?", key).correct is False


def test_store_keys_know_options_stale_values_and_pools(generated_keys):
    which = [k for k in generated_keys.values() if k.which]
    assert which and all(k.golds[0] in k.options and len(k.options) >= 2 for k in which)
    changing = [k for k in generated_keys.values() if k.category == "changing_facts"]
    assert changing and all(k.stale and k.golds[0] not in k.stale for k in changing)
    assert all(k.candidates for k in generated_keys.values() if k.category in ("user_facts", "assistant_facts"))
