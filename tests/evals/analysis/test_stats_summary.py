"""summarise and accuracy_per_dollar on polars frames, checked cell by cell against the array functions."""

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps

from memcurve.evals.analysis.stats import StatsError, accuracy_per_dollar, clt_se, clustered_se, summarise, wilson_interval
from memcurve.evals.analysis.stats.simulate import simulate_results
from memcurve.errors import MemcurveError


def small_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "solver": ["full"] * 9 + ["rag"] * 5,
        "history_id": ["A", "A", "A", "B", "B", "C", "C", "C", "C", "A", "A", "B", "B", "B"],
        "correct": [1, 1, 0, 0, 0, 1, 1, 1, 0, 1, None, 0, 1, float("nan")],
    }, strict=False)


def test_summarise_matches_hand_numbers():
    out = summarise(small_frame(), by=["solver"], cluster="history_id")
    assert out.columns == ["solver", "n", "n_clusters", "accuracy", "wilson_low", "wilson_high", "se_clt", "se",
                           "ci_low", "ci_high", "ci_method", "n_eff", "design_effect"]
    full, rag = out.rows(named=True)
    # full is the hand example of test_stats_intervals: mean 5/9, SE = sqrt(158/81 * 3/2) / 9 with 3 clusters.
    assert (full["n"], full["n_clusters"], full["accuracy"]) == (9, 3, pytest.approx(5 / 9))
    assert full["se"] == pytest.approx(math.sqrt(158 / 81 * 1.5) / 9)
    assert (full["wilson_low"], full["wilson_high"]) == pytest.approx(wilson_interval(5, 9))
    # 3 histories are too few to estimate the design effect: its worst case, sum m^2 / n = (9+4+16)/9, is used
    # and the interval is Clopper-Pearson on n_eff = 81/29 = 2.79 "questions" (beta quantiles)
    n_eff = 9 / (29 / 9)
    assert full["n_eff"] == pytest.approx(n_eff)
    k = 5 / 9 * n_eff
    assert (full["ci_low"], full["ci_high"]) == pytest.approx((sps.beta.ppf(0.025, k, n_eff - k + 1),
                                                               sps.beta.ppf(0.975, k + 1, n_eff - k)))
    assert full["ci_low"] < 5 / 9 < full["ci_high"] and "worst case: 3 clusters" in full["ci_method"]
    assert full["se_clt"] == pytest.approx(clt_se([1, 1, 0, 0, 0, 1, 1, 1, 0]))
    assert full["design_effect"] == pytest.approx((full["se"] / full["se_clt"]) ** 2)
    # rag: null and NaN are unscored, leaving A=[1], B=[0, 1].
    assert (rag["n"], rag["n_clusters"], rag["accuracy"]) == (3, 2, pytest.approx(2 / 3))
    assert rag["se"] == pytest.approx(clustered_se([1, 0, 1], ["A", "B", "B"]))


def test_summarise_agrees_with_array_functions_on_many_cells():
    frame = simulate_results({"full": (2.0, -0.5), "rag": (0.5, 0.0)}, personas=8, questions_per_persona=12,
                             seed=9)
    out = summarise(frame, by=["solver", "size", "category"], cluster="history_id")
    assert out.height == 2 * 6 * 3
    assert out["n"].sum() == frame.height
    assert out.select(["solver", "size", "category"]).equals(out.select(["solver", "size", "category"]).sort(
        ["solver", "size", "category"]))
    for row in out.sample(8, seed=1).rows(named=True):
        cell = frame.filter((pl.col("solver") == row["solver"]) & (pl.col("size") == row["size"])
                            & (pl.col("category") == row["category"]))
        s = cell["correct"].to_numpy()
        assert row["accuracy"] == pytest.approx(s.mean())
        assert row["se"] == pytest.approx(clustered_se(s, cell["history_id"].to_numpy()), nan_ok=True)
        assert (row["wilson_low"], row["wilson_high"]) == pytest.approx(wilson_interval(s.sum(), s.size))


def test_summarise_overall_unclustered_and_degenerate():
    frame = small_frame()
    overall = summarise(frame, by=[], cluster=None)
    assert overall.columns[0] == "n" and overall["n"].item() == 12
    assert overall["se"].item() == pytest.approx(overall["se_clt"].item())  # singletons reduce to CLT
    one_cluster = summarise(frame.filter(pl.col("history_id") == "A"), by=["solver"])
    assert math.isnan(one_cluster.filter(pl.col("solver") == "full")["se"].item())
    partial = summarise(frame.with_columns(pl.col("correct") * 0.5))
    assert partial["wilson_low"].is_nan().all()  # Wilson is for 0/1 scores only
    with pytest.raises(MemcurveError, match="no column 'category'; columns are solver, history_id, correct"):
        summarise(frame, by=["category"])
    with pytest.raises(StatsError, match="missing cluster ids"):
        summarise(frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("history_id")))


def test_accuracy_per_dollar():
    frame = simulate_results({"full": (1.0, -0.3), "rag": (0.0, 0.0)}, personas=10, questions_per_persona=8,
                             cost={"full": (-9.0, 1.0), "rag": (-7.0, 0.0)}, seed=3)
    out = accuracy_per_dollar(frame, by=["solver"], cluster="persona_id", n_resamples=300)
    for row in out.rows(named=True):
        part = frame.filter(pl.col("solver") == row["solver"])
        assert row["accuracy_per_dollar"] == pytest.approx(part["correct"].sum() / part["cost_usd"].sum())
        assert row["low"] < row["accuracy_per_dollar"] < row["high"]
        assert row["mean_cost"] == pytest.approx(part["cost_usd"].mean())
    free = accuracy_per_dollar(frame.with_columns(pl.lit(0.0).alias("cost_usd")), n_resamples=10)
    assert free["accuracy_per_dollar"].is_nan().all()
    assert np.isfinite(out["low"].to_numpy()).all()
