"""Wilson, CLT and clustered standard errors, cluster bootstrap: checked against independent references."""

import ast
import importlib.util
import math
import typing
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from memcurve.evals.analysis.stats import (
    StatsError,
    clt_se,
    cluster_bootstrap_ci,
    cluster_bootstrap_ratio_ci,
    clustered_ci,
    clustered_se,
    wilson_interval,
)
from memcurve.errors import MemcurveError

CASES = [(0, 1), (1, 1), (0, 7), (7, 7), (1, 2), (3, 10), (5, 10), (1, 100), (99, 100), (37, 61), (0, 1000),
         (1000, 1000), (412, 1000), (123, 4567)]


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_wilson_matches_scipy_binomtest(level):
    for k, n in CASES:
        ref = sps.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
        low, high = wilson_interval(k, n, level)
        assert low == pytest.approx(ref.low, abs=1e-12), (k, n)
        assert high == pytest.approx(ref.high, abs=1e-12), (k, n)


def test_wilson_vectorised_and_edges():
    rng = np.random.default_rng(0)
    n = rng.integers(1, 300, 60)
    k = rng.integers(0, n + 1)
    low, high = wilson_interval(k, n)
    for i in range(n.size):
        ref = sps.binomtest(int(k[i]), int(n[i])).proportion_ci(method="wilson")
        assert (low[i], high[i]) == pytest.approx((ref.low, ref.high), abs=1e-12)
    assert wilson_interval(0, 5)[0] == 0.0 and wilson_interval(5, 5)[1] == 1.0
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    with pytest.raises(MemcurveError):
        wilson_interval(6, 5)
    with pytest.raises(StatsError, match="level"):
        wilson_interval(1, 5, level=1.5)


def test_clustered_se_hand_computation():
    # Three clusters: A = [1, 1, 0], B = [0, 0], C = [1, 1, 1, 0]; n = 9, mean = 5/9.
    scores = [1, 1, 0, 0, 0, 1, 1, 1, 0]
    clusters = ["A", "A", "A", "B", "B", "C", "C", "C", "C"]
    mean = 5 / 9
    # Deviation sums per cluster: A: 2 - 3*mean = 1/3; B: 0 - 2*mean = -10/9; C: 3 - 4*mean = 7/9.
    dev = [2 - 3 * mean, 0 - 2 * mean, 3 - 4 * mean]
    assert dev == pytest.approx([1 / 3, -10 / 9, 7 / 9])
    # Sum of squares: 1/9 + 100/81 + 49/81 = 158/81.  Miller: SE = sqrt(158/81) / 9.
    miller = math.sqrt(158 / 81) / 9
    assert clustered_se(scores, clusters, small_sample=False) == pytest.approx(miller, rel=1e-12)
    # Inspect's version multiplies the variance by C/(C-1) = 3/2.
    assert clustered_se(scores, clusters) == pytest.approx(math.sqrt(158 / 81 * 3 / 2) / 9, rel=1e-12)
    # 95% t interval with C - 1 = 2 degrees of freedom (t = 4.302653).
    ci = clustered_ci(scores, clusters)
    half = 4.302652729911275 * math.sqrt(158 / 81 * 3 / 2) / 9
    assert (ci.low, ci.high) == pytest.approx((mean - half, mean + half), rel=1e-9)
    assert (ci.n, ci.n_clusters, ci.method) == (9, 3, "clustered-t")


def inspect_clustered_stderr():
    """Inspect's own `_clustered_stderr`, lifted from its source without importing inspect_ai (slow)."""
    origin = Path(importlib.util.find_spec("inspect_ai").origin).parent / "scorer" / "_metrics" / "std.py"
    tree = ast.parse(origin.read_text())
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "_clustered_stderr")
    namespace = {"cast": typing.cast}
    exec(compile(ast.Module([func], type_ignores=[]), str(origin), "exec"), namespace)
    return namespace["_clustered_stderr"]


def test_clustered_se_matches_inspect_implementation():
    _clustered_stderr = inspect_clustered_stderr()
    rng = np.random.default_rng(1)
    clusters = rng.integers(0, 12, 150)
    scores = (rng.random(150) < 0.6).astype(float)
    partition = [list(scores[clusters == c]) for c in np.unique(clusters)]
    assert clustered_se(scores, clusters) == pytest.approx(_clustered_stderr(partition), rel=1e-12)


def test_singleton_clusters_reduce_to_clt():
    rng = np.random.default_rng(2)
    s = rng.random(50)
    # One sample per cluster with the C/(C-1) factor is exactly sd(ddof=1)/sqrt(n).
    assert clustered_se(s, np.arange(50)) == pytest.approx(clt_se(s), rel=1e-12)
    assert clt_se(s) == pytest.approx(np.std(s, ddof=1) / math.sqrt(50))
    assert math.isnan(clustered_se(s, np.zeros(50)))  # one cluster: not estimable
    ci = clustered_ci(s)
    assert ci.method == "clt-t" and ci.high - ci.mean == pytest.approx(sps.t.ppf(0.975, 49) * clt_se(s))


def test_cluster_bootstrap_is_deterministic_and_agrees_with_clustered_se():
    rng = np.random.default_rng(3)
    clusters = np.repeat(np.arange(40), 25)
    p = np.clip(0.6 + rng.normal(0, 0.2, 40), 0.01, 0.99)[clusters]  # strong cluster effect
    scores = (rng.random(clusters.size) < p).astype(float)
    a = cluster_bootstrap_ci(scores, clusters, n_resamples=1500, seed=7)
    b = cluster_bootstrap_ci(scores, clusters, n_resamples=1500, seed=7)
    c = cluster_bootstrap_ci(scores, clusters, n_resamples=1500, seed=8)
    assert (a.low, a.high) == (b.low, b.high)
    assert (a.low, a.high) != (c.low, c.high)
    assert a.low < scores.mean() < a.high
    # The bootstrap SE estimates the Miller clustered SE (no small-sample factor) within ~10%.
    assert a.se == pytest.approx(clustered_se(scores, clusters, small_sample=False), rel=0.12)
    # And it is far wider than the naive interval that ignores clustering.
    assert a.se > 1.8 * clt_se(scores)


def test_cluster_bootstrap_ratio_and_chunking(monkeypatch):
    from memcurve.evals.analysis.stats import resample

    rng = np.random.default_rng(4)
    clusters = rng.integers(0, 30, 300)
    num, den = rng.random(300), rng.random(300) + 0.5
    whole = cluster_bootstrap_ratio_ci(num, den, clusters, n_resamples=400, seed=1)
    assert whole.mean == pytest.approx(num.sum() / den.sum())
    # Chunking that depends only on the design must not change results when chunks are smaller.
    monkeypatch.setattr(resample, "MAX_CHUNK_ENTRIES", 30 * 400)
    same = cluster_bootstrap_ratio_ci(num, den, clusters, n_resamples=400, seed=1)
    assert (same.low, same.high) == (whole.low, whole.high)
    with pytest.raises(StatsError, match="numerator has 300"):
        cluster_bootstrap_ratio_ci(num, den[:10], clusters)
