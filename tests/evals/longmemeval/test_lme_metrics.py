"""LongMemEval metrics: task-averaged vs overall accuracy, and session vs turn retrieval on a hand-built case."""

import math
from datetime import datetime

import pytest
from lme_helpers import build_history

from memcurve.evals.longmemeval import qa_summary, sample_retrieval
from memcurve.evals.longmemeval.metrics import session_ranking, turn_ranking

DAY = datetime(2024, 1, 10, 9, 0)
HISTORY = build_history({
    "A": (DAY, [("user", "Where do I keep a bike in a small flat?"), ("assistant", "A wall hook.")]),
    "B": (DAY.replace(day=12), [("user", "Any tips for chain lube?"), ("assistant", "Wipe it first."),
                                ("user", "I moved my bike into the garage today."), ("assistant", "Nice.")]),
    "C": (DAY.replace(day=14), [("user", "The garage door sticks, what oil helps?"), ("assistant", "Silicone spray.")]),
})
# rounds ranked: B round 0, A round 0, B round 1, C round 0; gold turns: B-m02 and C-m00
RANKING = [["B-m00", "B-m01"], ["A-m00", "A-m01"], ["B-m02", "B-m03"], ["C-m00", "C-m01"]]
GOLD = ["B-m02", "C-m00", "C-m01"]  # an assistant message in the evidence is not a gold turn


def test_task_averaged_differs_from_overall():
    rows = [("single-session-user", False, 1.0)] * 6 + [("single-session-user", False, 0.0)] * 2 \
        + [("temporal-reasoning", False, 0.0)] * 2 + [("knowledge-update", False, 1.0)] \
        + [("single-session-user", True, 1.0), ("multi-session", True, 0.0), ("multi-session", False, math.nan)]
    out = qa_summary(rows)
    assert out["overall"] == pytest.approx(8 / 13)  # every scored item; the NaN one is skipped
    # per type: ssu 7/9, temporal 0/2, ku 1/1, multi-session 0/1 -> unweighted mean
    assert out["task_averaged"] == pytest.approx((7 / 9 + 0 + 1 + 0) / 4)
    assert out["abstention"] == 0.5
    assert out["type/single-session-user"] == pytest.approx(7 / 9)
    assert qa_summary([("temporal-reasoning", False, math.nan)]) == {}


def test_session_and_turn_rankings():
    assert session_ranking(RANKING, HISTORY) == ["B", "A", "C"]  # grow k until k distinct sessions
    assert turn_ranking(RANKING, HISTORY) == ["B-m00", "A-m00", "B-m02", "C-m00"]


def test_session_vs_turn_values():
    values, why = sample_retrieval(RANKING, HISTORY, GOLD, ks=(1, 3), complete=True, unit="round")
    assert why == "session level and turn level"
    # session: B is gold at rank 1; C (gold) at rank 3
    assert values["session_recall_any@1"] == 1.0 and values["session_recall_all@1"] == 0.0
    assert values["session_recall_all@3"] == 1.0
    assert values["session_ndcg_any@3"] == pytest.approx((1 + 1 / math.log2(3)) / 2)
    # turn: the first gold user turn is at rank 3, the second at rank 4
    assert values["turn_recall_any@1"] == 0.0 and values["turn_recall_any@3"] == 1.0
    assert values["turn_recall_all@3"] == 0.0
    assert values["turn_ndcg_any@3"] == pytest.approx((1 / math.log2(3)) / 2)


def test_partial_rankings_are_nan_beyond_their_depth():
    values, _ = sample_retrieval(RANKING, HISTORY, GOLD, ks=(3, 5), complete=False, unit="round")
    assert values["session_recall_any@3"] == 1.0 and math.isnan(values["session_recall_any@5"])  # 3 sessions
    assert values["turn_recall_all@3"] == 0.0 and math.isnan(values["turn_recall_all@5"])  # 4 user turns


def test_skips_like_longmemeval():
    values, why = sample_retrieval(RANKING, HISTORY, ["A-m01"], ks=(1,), complete=True, unit="round")
    assert why.startswith("no evidence user turn") and all(math.isnan(v) for v in values.values())
    sessions = [["B-m00", "B-m01", "B-m02", "B-m03"], ["A-m00", "A-m01"]]
    values, why = sample_retrieval(sessions, HISTORY, GOLD, ks=(1,), complete=True, unit="conversation")
    assert values["session_recall_any@1"] == 1.0 and math.isnan(values["turn_recall_any@1"])
    values, _ = sample_retrieval(RANKING, HISTORY, GOLD, ks=(1,), complete=True, unit="round",
                                 session_level_only=True)
    assert values["session_recall_any@1"] == 1.0 and math.isnan(values["turn_recall_any@1"])
