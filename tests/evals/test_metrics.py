"""Metric lists on synthetic SampleScores: clustered stderr by hand, grouped names, solver x size."""

import math

import pytest
from inspect_ai.scorer import CORRECT, INCORRECT, SampleScore, Score

from memcurve.evals.metrics import accuracy_metrics, breakdown, mean_metrics


def sample(i, value, history, solver="rag", size=1, category="user_facts"):
    return SampleScore(score=Score(value=value), sample_id=i,
                       sample_metadata={"history_id": history, "solver": solver, "size": size, "category": category})


# clusters A: 1,1,0  B: 0,0  C: 1 -> mean 0.5; deviation sums 0.5, -1, 0.5
SCORES = [sample(1, CORRECT, "A"), sample(2, CORRECT, "A"), sample(3, INCORRECT, "A"),
          sample(4, INCORRECT, "B", solver="full_context", size=3), sample(5, 0.0, "B", solver="full_context", size=3),
          sample(6, 1.0, "C", size=3, category="abstention")]


def test_clustered_stderr_by_hand():
    accuracy, stderr = accuracy_metrics()[:2]
    assert accuracy(SCORES) == 0.5
    # sqrt(C/(C-1) * sum_c (sum_i (x_i - mean))^2) / n = sqrt(3/2 * (0.25 + 1 + 0.25)) / 6 = 1.5 / 6
    assert stderr(SCORES) == pytest.approx(0.25)


def test_group_names_and_values():
    out = accuracy_metrics()[2](SCORES)
    assert out["category/user_facts"] == pytest.approx(0.4)
    assert out["category/abstention"] == 1.0
    assert out["size/1"] == pytest.approx(2 / 3) and out["size/3"] == pytest.approx(1 / 3)
    assert out["solver/rag"] == pytest.approx(0.75) and out["solver/full_context"] == 0.0
    assert out["solver/rag/size/1"] == pytest.approx(2 / 3)
    assert out["solver/rag/size/3"] == 1.0
    assert out["solver/full_context/size/3"] == 0.0
    # size 3: clusters B (0, 0) and C (1), mean 1/3 -> deviations -2/3, 2/3 -> sqrt(2 * 8/9) / 3
    assert out["size/3/stderr"] == pytest.approx(math.sqrt(2 * 8 / 9) / 3)
    assert out["solver/rag/size/1/stderr"] == 0.0  # one cluster only
    assert "all" not in out


def test_crossing_of_any_keys():
    m = breakdown("mean", groups=[], crossings=[["category", "solver"]])
    out = m(SCORES)
    assert out["category/user_facts/solver/rag"] == pytest.approx(2 / 3)
    assert set(out) == {"category/user_facts/solver/rag", "category/user_facts/solver/full_context",
                        "category/abstention/solver/rag", "category/user_facts/solver/rag/stderr",
                        "category/user_facts/solver/full_context/stderr", "category/abstention/solver/rag/stderr"}


def test_missing_cluster_key_raises():
    bad = [SampleScore(score=Score(value=1.0), sample_id=1, sample_metadata={"solver": "x"})] * 2
    with pytest.raises(ValueError, match="history_id"):
        mean_metrics(groups=())[1](bad)
