"""Abstention questions cannot be told from the answerable questions of their slot by their text: the
same wordings, quoted as often, with quotes that never name whose value the history holds; and the audit's
same-slot detector, scored within a slot against shuffled labels."""

from __future__ import annotations

import random
from collections import Counter

import duckdb
import numpy as np
import pytest

from memcurve.generators.audit_detect import within_group_auc, within_group_permutation
from memcurve.generators.build import _next_level, _unquotable
from memcurve.generators.config import build_config
from memcurve.generators.generate import generate
from memcurve.generators.ladder import unframed, worded
from memcurve.generators.overlap import STOPWORDS
from memcurve.generators.personas import make_persona
from memcurve.generators.planting.common import ABSTAIN, ConversationDraft, FactDraft, QuestionDraft

SEED = 41


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("abst") / "s.duckdb"
    generate(build_config({"seed": SEED, "personas": 40, "sizes": "1,5", "categories": "user_facts,abstention",
                           "length": "short"}), path, force=False, progress=False)
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("SELECT persona_id, text, slot, is_abstention, overlap_level FROM questions "
                           "WHERE slot IN (SELECT slot FROM questions WHERE is_abstention)").fetchall()
    return [dict(zip(("persona", "text", "slot", "abstention", "level"), r)) for r in rows]


def test_within_group_auc_counts_only_pairs_of_one_group():
    labels = np.array([True, False, True, False])
    # across groups the scores rank perfectly (a group prior); within each group they rank backwards
    scores = np.array([0.1, 0.2, 0.8, 0.9])
    groups = ["a", "a", "b", "b"]
    assert within_group_auc(labels, scores, groups) == 0.0
    assert within_group_auc(labels, np.array([0.5, 0.5, 0.5, 0.5]), groups) == 0.5
    assert np.isnan(within_group_auc(np.array([True, True]), np.array([0.1, 0.2]), ["a", "b"]))


def test_permutation_tells_a_real_tell_from_a_lucky_one():
    rng = random.Random(0)

    def texts(tell: bool, n: int):
        out = []
        for i in range(n):
            y = i % 2 == 0
            words = rng.sample(["walk", "plan", "draft", "list", "recipe", "budget", "trip", "note"], 3)
            if tell and y:
                words.append("zebra")
            out.append((" ".join(words), y, "slot" + str(i % 3)))
        return [t for t, _, _ in out], np.array([y for _, y, _ in out]), [g for _, _, g in out]

    real = within_group_permutation(texts(True, 120), texts(True, 120), rounds=50)
    assert real.auc > 0.9 and real.p < 0.05 and real.null_95 < 0.7
    none = within_group_permutation(texts(False, 120), texts(False, 120), rounds=50)
    assert none.p > 0.05 or none.auc < real.null_95


def test_an_abstention_quote_may_hold_everyday_words_but_never_whose_value_it_is():
    draft = QuestionDraft("abstention", "abstention/dog_name", "What's my pup called again?", ABSTAIN,
                          [ConversationDraft("negatives/dog_name", [], [FactDraft("coworker", "dog_name", "Rex")])],
                          aliases=["No information", "not mentioned", "I don't know"], slot="dog_name",
                          is_abstention=True)
    forbidden = _unquotable(draft)
    assert {"rex", "coworker"} <= forbidden
    assert not forbidden & {"i", "is", "to", "this", "know", "not", "no", "information"}
    evidence = ["Walk me through fixing a squeaky hinge this weekend? My coworker's dog Rex was howling half the night."]
    quotes = {worded(draft.text, "high", evidence, [], evidence, forbidden, random.Random(i)) for i in range(40)}
    assert any(q != draft.text for q in quotes)
    for q in quotes:
        assert "coworker" not in q.lower() and "rex" not in q.lower()


def test_levels_cycle_within_each_category_from_a_random_start():
    used: dict = {}
    rng = random.Random(3)
    drawn = [(c, _next_level(("high", "medium", "low"), c, used, rng)) for _ in range(30) for c in ("a", "b")]
    for category in ("a", "b"):
        assert Counter(level for c, level in drawn if c == category) == {"high": 10, "medium": 10, "low": 10}
    starts = {_next_level(("high", "medium", "low"), "x", {}, random.Random(s)) for s in range(20)}
    assert starts == {"high", "medium", "low"}


def test_abstention_is_quoted_as_often_as_the_answerable_questions_of_its_slots(store):
    by_class = {flag: [q for q in store if q["abstention"] == flag] for flag in (True, False)}
    assert len(by_class[False]) >= 30 and len(by_class[True]) >= 120
    share = {flag: sum(unframed(q["text"]) != q["text"] for q in qs) / len(qs) for flag, qs in by_class.items()}
    assert abs(share[True] - share[False]) < 0.12, share


def test_abstention_quotes_never_name_the_hard_negatives_owner(store):
    personas = {f"p{i:03d}": make_persona(i, random.Random(f"memcurve:{SEED}:{i}")) for i in range(40)}
    checked = 0
    for q in store:
        if not q["abstention"] or unframed(q["text"]) == q["text"]:
            continue
        subject, _ = personas[q["persona"]].others[q["slot"]]
        quote = q["text"][: len(q["text"]) - len(unframed(q["text"]))].lower()
        owner = {w for w in subject.lower().replace("-", " ").split() if w not in STOPWORDS}
        assert not any(w in quote for w in owner), (q["text"], subject)
        checked += 1
    assert checked >= 60
