"""No-history shortcuts closed in the data: ranked answers not biased to a pool's extreme item, aggregation
counts spread widely, temporal questions that describe their events instead of naming them."""

from __future__ import annotations

import random
from collections import Counter

from memcurve.evals.scorers.answer_key import AnswerKey
from memcurve.evals.scorers.single_answer import score_reply
from memcurve.generators.personas import make_persona
from memcurve.generators.planting import aggregation, temporal, user_facts
from memcurve.generators.planting.common import ChainState
from memcurve.generators.planting.vocab import words
from memcurve.generators.templating import load_pack

PACK = load_pack()


def test_ranked_winner_is_uniform_over_the_items_that_can_win():
    pool, (lo, hi), pick, _ = user_facts.RANKINGS["rank_hike"]
    rng = random.Random(3)
    winners = Counter()
    for _ in range(600):
        items = user_facts._distinct_specs(rng, pool(), 4, "rank_hike", lo, hi, pick)
        specs = [user_facts.spec("rank_hike", i, lo, hi) for i in items]
        assert len(set(specs)) == 4
        winners[items[specs.index(max(specs))]] += 1
    # 28 trails, 25 of which can beat three others: the most frequent answer stays near 1/25 of draws
    assert len(winners) >= 22
    assert winners.most_common(1)[0][1] / 600 < 0.09


def test_book_counts_spread_and_equal_the_planted_titles():
    persona = make_persona(0, random.Random(1))
    rng = random.Random(5)
    answers = Counter()
    for n in (2, 2, 3, 4, 5, 6) * 20:
        draft = aggregation.plant(PACK, persona, rng, n, "books_finished", ChainState())
        planted = [f.value for c in draft.conversations for f in c.facts]
        assert draft.answer == str(len(planted)) and len(set(planted)) == len(planted)
        for conv, fact_group in zip(draft.conversations, (c.facts for c in draft.conversations)):
            evidence = conv.turns[conv.evidence_turn][1]
            assert all(f.value in evidence for f in fact_group)
        answers[draft.answer] += 1
    assert len(answers) >= 10
    assert answers.most_common(1)[0][1] / sum(answers.values()) < 0.2


def test_temporal_questions_describe_events_and_accept_the_description():
    persona = make_persona(0, random.Random(2))
    rng = random.Random(7)
    labels = set(words("events"))
    for kind, n in (("which_first", 3), ("which_last", 2), ("days_ago", 1), ("weekday", 1), ("days_between", 2)):
        draft = temporal.plant(PACK, persona, rng, n, kind, ChainState())
        assert not any(label in draft.text for label in labels), draft.text
        assert all(temporal.hint(e) in draft.text for e in draft.event_labels[:1]) or kind == "days_between"
    draft = temporal.plant(PACK, persona, rng, 3, "which_first", ChainState())
    gold = draft.event_labels[0]
    aliases = temporal.answer_aliases("which_first", gold, draft.event_labels)
    assert temporal.hint(gold) in aliases
    hints = tuple(temporal.hint(e) for e in draft.event_labels)
    key = AnswerKey(question=draft.text, category="temporal", question_type="temporal/which_first",
                    golds=(gold, *aliases), options=tuple(draft.event_labels),
                    candidates=tuple(h for h in hints if h != temporal.hint(gold)))
    assert score_reply(f"That was {temporal.hint(gold)}.", key).correct
    assert not score_reply(draft.text, key).correct  # echoing the listed descriptions names them all


def test_every_event_has_one_description_sharing_few_words_with_it():
    stop = {"the", "a", "an", "my", "of", "on", "at", "for", "with", "to", "in", "and", "i", "me", "s"}
    for label in words("events"):
        hint = temporal.hint(label)
        a = set(label.lower().replace("'", " ").split()) - stop
        b = set(hint.lower().replace("'", " ").split()) - stop
        assert len(a & b) <= 1, (label, hint)


def test_descriptor_wordings_only_point_at_rendered_text():
    from memcurve.generators.planting import assistant_facts, changing_facts
    from memcurve.generators.planting.common import conversation_text, render_question

    keys = [k for k in PACK.keys("user_facts") + PACK.keys("assistant_facts") + PACK.keys("changing_facts")
            if any(s.question({"value": "X", "first_name": "A", "job": "nurse", "hobby": "chess", "items": ["X"]})
                   ["describes"] for s in PACK.sections(k, "question"))]
    assert len(keys) >= 8
    persona = make_persona(0, random.Random(4))
    rng = random.Random(9)
    seen = 0
    for key in keys:
        category, topic = key.split("/")
        planter = {"user_facts": user_facts, "assistant_facts": assistant_facts,
                   "changing_facts": changing_facts}[category]
        if category == "user_facts" and topic not in persona.facts:
            continue
        for _ in range(30):
            draft = planter.plant(PACK, persona, rng, 1 if category != "changing_facts" else 3, topic, ChainState())
            rendered = conversation_text(draft.conversations[-1]).lower()
            for section in PACK.sections(key, "question"):
                q = section.question({**persona.safe_context(), "value": draft.answer})
                if q["question"] == draft.text and q["describes"]:
                    seen += 1
                    assert all(d.lower() in rendered for d in q["describes"]), (key, draft.text)
    assert seen >= 10
    # nothing rendered (abstention): only plain wordings
    for _ in range(20):
        q = render_question(PACK, "changing_facts/car_model", {"value": "X", **persona.safe_context()}, rng)
        assert not q["describes"]


def test_weekday_questions_are_a_small_share_of_the_temporal_ones(tmp_path):
    """Seven weekdays: naming the commonest answers 1 in 7 weekday questions with no history, so the kind is rare
    (a quarter of the weight of days_ago and weeks_ago among one-event questions)."""
    import duckdb

    from memcurve.generators.config import build_config
    from memcurve.generators.generate import generate

    assert temporal.topic_weight("weekday") == 0.25 and temporal.topic_weight("days_ago") == 1.0
    out = tmp_path / "t.duckdb"
    generate(build_config({"seed": 4, "personas": 6, "sizes": "1,5,20", "categories": "temporal",
                           "questions_per_category": 12, "length": "short"}), out, force=False, progress=False)
    with duckdb.connect(str(out), read_only=True) as con:
        kinds = Counter(dict(con.execute(
            "SELECT question_type, count(*) FROM questions WHERE evidence_count = 1 GROUP BY 1").fetchall()))
    single = sum(kinds.values())
    assert single >= 20
    assert kinds["temporal/weekday"] / single < 0.25 < kinds["temporal/days_ago"] / single


def test_value_pools_are_large_enough_that_the_commonest_value_is_a_poor_guess():
    """The slot-majority baseline answers about 1 in |pool| questions of a slot; 80 questions a category and a
    0.05 ceiling need pools of 50 or more (pools of 24-32 put single categories at 5 of 80)."""
    for name in ("laptops", "tents", "recipes", "stretches", "houseplants", "instruments", "dog_names",
                 "purchases"):
        assert len(words(name)) >= 48, name
