"""Intervals for a mean score: Wilson, CLT and clustered standard errors, cluster bootstrap.

Follows Miller, "Adding Error Bars to Evals" (arXiv 2411.00640). Questions asked of the same history
(or persona) are correlated, so the naive CLT standard error is too small; the clustered standard
error sums deviations within a cluster before squaring:

    SE_clustered = (1/n) * sqrt( sum_c ( sum_{i in c} (s_i - mean) )^2 )

By default we multiply the variance by C/(C-1) (``small_sample=True``), exactly like Inspect's
``stderr(cluster=...)``, so our numbers match the ones shown in Inspect logs; the paper's Appendix A
omits that factor (``small_sample=False``). Clustered intervals use Student t with C-1 degrees of
freedom, again like Inspect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from memcurve.evals.analysis.stats.resample import (
    Resampling,
    StatsError,
    check_level,
    cluster_sums,
    encode_clusters,
    percentile_interval,
)


def as_scores(scores) -> np.ndarray:
    """1-D float array from a list, numpy array or polars Series."""
    if hasattr(scores, "to_numpy"):
        scores = scores.to_numpy()
    arr = np.asarray(scores, dtype=float).reshape(-1)
    return arr


def z_critical(level: float) -> float:
    return float(sps.norm.ppf(0.5 + check_level(level) / 2.0))


def t_critical(level: float, df) -> np.ndarray | float:
    """Two-sided Student t critical value; NaN where df < 1."""
    df = np.asarray(df, dtype=float)
    q = np.where(df >= 1, sps.t.ppf(0.5 + check_level(level) / 2.0, np.maximum(df, 1.0)), np.nan)
    return float(q) if q.ndim == 0 else q


def wilson_interval(successes, n, level: float = 0.95):
    """Wilson score interval for a binomial proportion (no continuity correction).

    Works on scalars or arrays. ``n == 0`` carries no information and gives (nan, nan), which is also
    what the accuracy of an empty cell is. Matches ``scipy.stats.binomtest(k, n).proportion_ci("wilson")``.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(n < 0) or np.any(k < 0) or np.any(k > n):
        raise StatsError(f"Wilson needs 0 <= successes <= n, got successes={successes!r}, n={n!r}")
    z = z_critical(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denom
        low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    low = np.where(n == 0, np.nan, low)
    high = np.where(n == 0, np.nan, high)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def clt_se(scores) -> float:
    """Standard error of the mean assuming independent samples: sd(ddof=1)/sqrt(n)."""
    s = as_scores(scores)
    if s.size < 2:
        return float("nan")
    return float(np.std(s, ddof=1) / np.sqrt(s.size))


def clustered_se(scores, clusters, small_sample: bool = True) -> float:
    """Clustered standard error of the mean (Miller 2024, Appendix A); NaN with fewer than 2 clusters.

    ``small_sample`` multiplies the variance by C/(C-1), as Inspect does.
    """
    s = as_scores(scores)
    codes, c = encode_clusters(clusters, s.size)
    if c < 2:
        return float("nan")
    dev = cluster_sums(codes, c, s - s.mean())
    var = float(np.sum(dev * dev))
    if small_sample:
        var *= c / (c - 1)
    return float(np.sqrt(var) / s.size)


@dataclass(frozen=True)
class MeanInterval:
    """A mean with its interval and the numbers needed to judge it."""

    mean: float
    low: float
    high: float
    se: float
    n: int
    n_clusters: int
    level: float
    method: str


def clustered_ci(scores, clusters=None, level: float = 0.95, small_sample: bool = True) -> MeanInterval:
    """mean +/- t_{C-1} * SE_clustered (or t_{n-1} * SE_CLT when ``clusters`` is None)."""
    s = as_scores(scores)
    if clusters is None:
        se, df, c, method = clt_se(s), s.size - 1, s.size, "clt-t"
    else:
        _, c = encode_clusters(clusters, s.size)
        se, df, method = clustered_se(s, clusters, small_sample), c - 1, "clustered-t"
    mean = float(s.mean()) if s.size else float("nan")
    half = t_critical(level, df) * se
    return MeanInterval(mean, mean - half, mean + half, se, int(s.size), int(c), level, method)


def cluster_bootstrap_ci(
    scores, clusters=None, level: float = 0.95, n_resamples: int = 2000, seed: int = 0
) -> MeanInterval:
    """Percentile interval for the mean from resampling whole clusters (vectorised).

    The mean of a resample is sum_c w_c S_c / sum_c w_c N_c with w the cluster draw counts.
    """
    return cluster_bootstrap_ratio_ci(scores, np.ones_like(as_scores(scores)), clusters, level, n_resamples, seed)


def cluster_bootstrap_ratio_ci(
    numerator, denominator, clusters=None, level: float = 0.95, n_resamples: int = 2000, seed: int = 0
) -> MeanInterval:
    """Percentile interval for sum(numerator)/sum(denominator) under a cluster bootstrap.

    With a denominator of ones this is the mean; with costs it is accuracy per dollar.
    """
    num, den = as_scores(numerator), as_scores(denominator)
    if num.shape != den.shape:
        raise StatsError(f"numerator has {num.size} values but denominator has {den.size}")
    if num.size == 0:
        raise StatsError("cannot bootstrap an empty sample")
    check_level(level)
    codes, c = encode_clusters(clusters, num.size)
    sums = cluster_sums(codes, c, np.column_stack([num, den]))

    def ratio(w: np.ndarray) -> np.ndarray:
        tot = w @ sums
        with np.errstate(invalid="ignore", divide="ignore"):
            return tot[:, 0] / tot[:, 1]

    draws = Resampling(c, n_resamples, seed).map(ratio)
    low, high = percentile_interval(draws, level)
    est = float(num.sum() / den.sum()) if den.sum() else float("nan")
    return MeanInterval(est, float(low), float(high), float(np.nanstd(draws, ddof=1)), int(num.size), c, level,
                        "cluster-bootstrap")


# --------------------------------------------------------------------------- design-effect intervals

FEW_CLUSTERS = 10  # below this the design effect cannot be estimated; its worst case is used instead


def max_design_effect(cluster_sizes) -> float:
    """Design effect when every question of a cluster agrees (ICC = 1): sum m_c^2 / n."""
    m = np.asarray(cluster_sizes, dtype=float)
    return float((m * m).sum() / m.sum()) if m.sum() else 1.0


def estimated_design_effect(clustered_var: float, independent_var: float, cluster_sizes) -> tuple[float, str]:
    """(design effect, how it was set): the clustered over the independent variance of the mean, clamped
    to [1, its worst case]; the worst case itself with fewer than FEW_CLUSTERS clusters or no variance."""
    worst = max_design_effect(cluster_sizes)
    c = np.asarray(cluster_sizes).size
    if c < FEW_CLUSTERS:
        return worst, f"worst-case design effect: {c} cluster(s) are too few to estimate it"
    if not independent_var > 0 or not np.isfinite(clustered_var):
        return worst, "worst-case design effect: no variance to estimate it from"
    return float(np.clip(clustered_var / independent_var, 1.0, worst)), "estimated design effect"


def clopper_pearson(successes, n, level: float = 0.95):
    """Exact (Clopper-Pearson) interval; accepts a fractional effective n and successes (beta quantiles)."""
    k, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    alpha = 1.0 - check_level(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k <= 0, 0.0, sps.beta.ppf(alpha / 2, np.maximum(k, 1e-12), n - k + 1))
        high = np.where(k >= n, 1.0, sps.beta.ppf(1 - alpha / 2, k + 1, np.maximum(n - k, 1e-12)))
    low = np.where(n > 0, low, np.nan)
    high = np.where(n > 0, high, np.nan)
    return (float(low), float(high)) if low.ndim == 0 else (low, high)


def effective_n_interval(scores, clusters=None, level: float = 0.95) -> MeanInterval:
    """Accuracy interval valid for clustered 0/1 scores at any number of clusters.

    Clopper-Pearson on the effective sample size n / design effect (Kish). The design effect is
    estimated from the clustered variance when there are at least FEW_CLUSTERS clusters, and set to its
    worst case (every question of a history agreeing) below that, so the interval stays valid, inside
    [0, 1], around the estimate and never of zero width: two histories answered perfectly give [0.16, 1],
    not [1, 1].
    """
    s = as_scores(scores)
    if s.size == 0:
        return MeanInterval(float("nan"), float("nan"), float("nan"), float("nan"), 0, 0, level, "none")
    codes, c = encode_clusters(clusters, s.size)
    sizes = np.bincount(codes, minlength=c)
    mean = float(s.mean())
    se = clustered_se(s, clusters) if c >= 2 else float("nan")
    deff, how = estimated_design_effect(se * se, mean * (1 - mean) / s.size, sizes)
    n_eff = s.size / deff
    low, high = clopper_pearson(mean * n_eff, n_eff, level)
    return MeanInterval(mean, low, high, se, int(s.size), int(c), level,
                        f"Clopper-Pearson, n_eff={n_eff:.1f} ({how})")
