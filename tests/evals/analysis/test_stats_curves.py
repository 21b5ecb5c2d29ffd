"""Logistic and log-log curves: coefficient recovery, separation, bands and determinism."""

import math

import numpy as np
import polars as pl
import pytest
from scipy.optimize import minimize
from scipy.special import expit

from memcurve.evals.analysis.stats import StatsError, accuracy_curve, accuracy_curves, cost_curves, fit_logistic
from memcurve.evals.analysis.stats.simulate import simulate_results


def test_fit_logistic_recovers_known_coefficients():
    rng = np.random.default_rng(0)
    size = rng.choice([1, 3, 10, 30, 100, 300], 30_000)
    x = np.log(size)
    y = (rng.random(x.size) < expit(1.5 - 0.7 * x)).astype(float)
    a, b = fit_logistic(x, y)
    # Standard errors here are about 0.03 (intercept) and 0.01 (slope).
    assert a == pytest.approx(1.5, abs=0.1)
    assert b == pytest.approx(-0.7, abs=0.04)
    # Same optimum as a generic optimiser on the plain log-likelihood.
    nll = lambda beta: np.sum(np.logaddexp(0, beta[0] + beta[1] * x) - y * (beta[0] + beta[1] * x))
    ref = minimize(nll, [0.0, 0.0], method="BFGS", options={"gtol": 1e-8}).x
    assert (a, b) == pytest.approx(tuple(ref), abs=1e-4)


def test_fit_logistic_with_weights_equals_repeated_rows():
    x = np.array([0.0, 1.0, 2.0, 3.0, 0.0, 2.0])
    y = np.array([1, 1, 0, 0, 0, 1], float)
    w = np.array([3, 1, 2, 1, 1, 2], float)
    repeated = fit_logistic(np.repeat(x, w.astype(int)), np.repeat(y, w.astype(int)))
    assert fit_logistic(x, y, w) == pytest.approx(repeated, rel=1e-9)


def test_perfect_separation_stays_finite():
    size = np.repeat([1, 2, 3, 10, 20, 30], 50)
    correct = (size <= 3).astype(float)
    a, b = fit_logistic(np.log(size), correct)
    assert math.isfinite(a) and math.isfinite(b) and b < -3
    curve = accuracy_curve(size, correct, np.repeat(np.arange(30), 10), n_resamples=200, seed=0)
    assert np.isfinite(curve.boot).all()
    assert curve.value(1) > 0.99 and curve.value(30) < 0.01
    # All correct everywhere: a flat curve near 1, not an overflow.
    flat = accuracy_curve(size, np.ones(size.size), n_resamples=50)
    assert flat.value([1, 30]) == pytest.approx([1, 1], abs=1e-3)


def test_curves_share_resamples_are_deterministic_and_bands_cover_estimate():
    frame = simulate_results({"full": (2.0, -0.5), "rag": (0.0, 0.0)}, personas=12, questions_per_persona=10,
                             seed=5)
    one = accuracy_curves(frame, n_resamples=300, seed=11)
    two = accuracy_curves(frame, n_resamples=300, seed=11)
    other = accuracy_curves(frame, n_resamples=300, seed=12)
    for name in ("full", "rag"):
        assert np.array_equal(one[name].boot, two[name].boot)
        assert not np.array_equal(one[name].boot, other[name].boot)
        c = one[name]
        assert c.resampling == one["full"].resampling
        assert (c.low <= c.estimate + 1e-12).all() and (c.estimate <= c.high + 1e-12).all()
        assert c.grid[0] == pytest.approx(1) and c.grid[-1] == pytest.approx(300)
        assert (c.n, c.n_clusters) == (720, 12)
        if c.model == "logistic":
            direct = fit_logistic(np.log(frame.filter(pl.col("solver") == name)["size"].to_numpy()),
                                  frame.filter(pl.col("solver") == name)["correct"])
            assert (c.intercept, c.slope) == pytest.approx(direct, rel=1e-6)
    table = one["full"].to_frame()
    assert table.columns == ["solver", "size", "estimate", "low", "high"] and table.height == one["full"].grid.size


def test_unscored_rows_dropped_and_bad_columns_raise():
    frame = simulate_results({"a": (0.0, 0.0)}, personas=4, questions_per_persona=5, seed=1)
    with_nan = pl.concat([frame, frame.head(3).with_columns(pl.lit(float("nan")).alias("correct"))])
    assert accuracy_curves(with_nan, n_resamples=20)["a"].n == frame.height
    with pytest.raises(StatsError, match="no column 'tokens'"):
        accuracy_curves(frame, size="tokens")
    with pytest.raises(StatsError, match="positive"):
        accuracy_curves(frame.with_columns(pl.lit(0).alias("size")))


def test_cost_curve_recovers_log_log_line():
    frame = simulate_results({"full": (0, 0), "rag": (0, 0)}, personas=20, questions_per_persona=10,
                             cost={"full": (-9.0, 1.0), "rag": (-7.0, 0.1)}, cost_sd=0.2, seed=2)
    frame = frame.with_columns(  # a free answer (no logarithm) is dropped from the fit
        pl.when(pl.int_range(pl.len()) == 0).then(0.0).otherwise(pl.col("cost_usd")).alias("cost_usd"))
    curves = cost_curves(frame, n_resamples=300, seed=0)
    full = curves["full"]
    assert curves["full"].n == frame.height // 2 - 1
    # the curve passes through the mean cost at each measured size (lognormal noise: mean = exp(mu + sd^2/2))
    sizes = np.array([1, 5, 10, 30, 100, 300])
    assert full.value(sizes) == pytest.approx(np.exp(-9.0 + np.log(sizes) + 0.02), rel=0.05)
    assert curves["rag"].value(sizes) == pytest.approx(np.exp(-7.0 + 0.1 * np.log(sizes) + 0.02), rel=0.05)
    means = frame.filter((pl.col("solver") == "full") & (pl.col("size") == 30) & (pl.col("cost_usd") > 0))
    assert full.value(30) == pytest.approx(means["cost_usd"].mean(), rel=1e-9)
    assert (curves["rag"].low < curves["rag"].estimate).all() and (curves["rag"].estimate < curves["rag"].high).all()


def test_plateau_then_fall_is_fitted_monotone_and_passes_through_the_points():
    # every answer right up to 12 conversations, then a fall: a two-parameter logistic starts below 1.0
    rows = []
    for persona in range(12):
        for size, rate in ((1, 1.0), (4, 1.0), (12, 1.0), (36, 0.4), (100, 0.2)):
            for q in range(10):
                rows.append({"solver": "full", "size": size, "persona_id": f"p{persona}",
                             "correct": float(q < rate * 10)})
    curve = accuracy_curves(pl.DataFrame(rows), n_resamples=200)["full"]
    assert curve.model == "monotone" and curve.fit_check.p_value < 0.05
    assert curve.fit_check.logistic_max_gap > 0.05 and curve.fit_check.max_gap < 1e-9
    assert curve.value([1, 4, 12, 36, 100]) == pytest.approx([1, 1, 1, 0.4, 0.2])
    assert (curve.low <= curve.estimate).all() and (curve.estimate <= curve.high).all()
    assert curve.high.max() <= 1 and curve.low.min() >= 0


def test_too_few_personas_give_no_band():
    frame = simulate_results({"a": (1.0, -0.3)}, personas=2, questions_per_persona=10, seed=3)
    curve = accuracy_curves(frame, n_resamples=100)["a"]
    assert not curve.has_band and curve.boot is None and "2 cluster(s)" in curve.band_note
