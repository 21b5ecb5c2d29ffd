"""recall_any@k, recall_all@k and ndcg@k (LongMemEval's ndcg_any) on hand-checked rankings."""

import math

import pytest

from memcurve.evals.scorers.retrieval import dcg, metric_keys, relevant_unit_count, retrieval_scores

RANKING = [["a"], ["e1", "x"], ["b"], ["c"], ["d"]]  # the evidence message sits in the unit at rank 2 of 5


def test_evidence_at_rank_two_of_five():
    s = retrieval_scores(RANKING, ["e1"], ks=(1, 3, 5, 10))
    assert (s["recall_any@1"], s["recall_any@3"], s["recall_any@5"], s["recall_any@10"]) == (0.0, 1.0, 1.0, 1.0)
    assert (s["recall_all@1"], s["recall_all@3"]) == (0.0, 1.0)
    # LongMemEval's discount: ranks 1 and 2 both weigh 1, so rank 2 of a single relevant unit is ideal
    assert s["ndcg@1"] == 0.0 and s["ndcg@3"] == 1.0


def test_two_evidence_messages_at_ranks_three_and_five():
    ranking = [["a"], ["b"], ["e1"], ["c"], ["e2", "y"]]
    s = retrieval_scores(ranking, ["e1", "e2"], ks=(1, 3, 5))
    assert (s["recall_any@1"], s["recall_any@3"], s["recall_all@3"], s["recall_all@5"]) == (0.0, 1.0, 0.0, 1.0)
    # DCG@3 = 1/log2(3); IDCG@3 = 1 + 1 (two relevant units, ranks 1 and 2)
    assert s["ndcg@3"] == pytest.approx((1 / math.log2(3)) / 2)
    assert s["ndcg@5"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / 2) == pytest.approx(0.530803, abs=1e-6)


def test_recall_all_needs_every_evidence_message_even_inside_one_unit():
    ranking = [["e1", "e2"], ["z"]]
    assert retrieval_scores(ranking, ["e1", "e2"], ks=(1,))["recall_all@1"] == 1.0
    assert retrieval_scores(ranking, ["e1", "e3"], ks=(2,))["recall_all@2"] == 0.0


def test_unranked_evidence_counts_toward_the_ideal():
    # evidence e2 was never ranked: R = 2 (e1's unit + e2), so finding only e1 at rank 1 is not ideal
    s = retrieval_scores([["e1"], ["b"]], ["e1", "e2"], ks=(2,))
    assert s["ndcg@2"] == pytest.approx(1 / 2)
    # the solver may state R exactly
    assert retrieval_scores([["e1"], ["b"]], ["e1", "e2"], ks=(2,), relevant_units=1)["ndcg@2"] == 1.0


def test_unranked_evidence_in_one_conversation_is_one_unit():
    ranking = [["p000-c0001-m00", "p000-c0001-m01"]]
    evidence = {"p000-c0001-m00", "p000-c0007-m02", "p000-c0007-m05"}
    conversation_of = {m: m.rsplit("-", 1)[0] for m in evidence | set(ranking[0])}  # from the sample contract
    assert relevant_unit_count(ranking, evidence, "conversation", conversation_of) == 2
    assert relevant_unit_count(ranking, evidence, "conversation") == 3  # unknown conversations: the upper bound
    assert relevant_unit_count(ranking, evidence, "message") == 3


def test_string_units_and_short_rankings():
    s = retrieval_scores(["m1", "e1"], ["e1"], ks=(1, 10))
    assert (s["recall_any@1"], s["recall_any@10"], s["ndcg@10"]) == (0.0, 1.0, 1.0)
    assert retrieval_scores([], ["e1"], ks=(5,)) == {"recall_any@5": 0.0, "recall_all@5": 0.0, "ndcg@5": 0.0}


def test_dcg_definition_and_keys():
    assert dcg([1, 1, 1, 1]) == pytest.approx(1 + 1 + 1 / math.log2(3) + 0.5)
    assert metric_keys((1, 3)) == ["recall_any@1", "recall_all@1", "ndcg@1", "recall_any@3", "recall_all@3", "ndcg@3"]


def test_cut_offs_beyond_the_measured_depth_are_nan():
    s = retrieval_scores(RANKING, ["e1"], ks=(3, 5, 10), depth=5)
    assert (s["recall_any@3"], s["recall_any@5"]) == (1.0, 1.0)
    assert all(math.isnan(s[f"{name}@10"]) for name in ("recall_any", "recall_all", "ndcg"))
