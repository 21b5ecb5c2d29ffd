"""How many questions an experiment needs, and what it can detect.

Paired design (Miller 2024, section 5): two solvers answer the same n questions; with K_A, K_B
answer samples (epochs) per question,

    n = (z_{1-alpha/2} + z_{1-beta})^2 * (omega^2 + sigma_A^2/K_A + sigma_B^2/K_B) / delta^2

where omega^2 is the between-question variance of the per-question difference x_A - x_B and
sigma^2 the mean within-question (answer-sampling) variance. For a single 0/1 sample per question
omega^2 is simply Var(a - b) = p10 + p01 - (p10 - p01)^2 from the discordance rates.

Independent design (two solvers on different questions): the classic two-proportion formula with
the pooled variance under the null (Fleiss, Statistical Methods for Rates and Proportions, no
continuity correction): 0.5 vs 0.6 at alpha .05 and power .8 needs 388 per group.

Clustering multiplies every n by the design effect 1 + (m - 1) * ICC (m questions per cluster).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as sps

from memcurve.evals.analysis.stats.intervals import as_scores, clustered_se
from memcurve.evals.analysis.stats.resample import StatsError


def _z(alpha: float, power: float) -> tuple[float, float]:
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise StatsError(f"alpha and power must be in (0, 1), got alpha={alpha}, power={power}")
    return float(sps.norm.ppf(1 - alpha / 2)), float(sps.norm.ppf(power))


def design_effect(cluster_size: float, icc: float) -> float:
    """Variance inflation of a mean when questions come in clusters of ``cluster_size``: 1 + (m-1)*ICC."""
    if cluster_size < 1 or not -1 <= icc <= 1:
        raise StatsError(f"design effect needs cluster_size >= 1 and ICC in [-1, 1], got {cluster_size}, {icc}")
    return 1.0 + (cluster_size - 1.0) * icc


def observed_design_effect(scores, clusters) -> float:
    """The design effect this clustering actually had in pilot data: 1 means no clustering effect.

    Ratio of the clustered variance of the mean (Miller, no small-sample factor) to the variance the
    same formula gives when every question is its own cluster, p(1-p)/n for 0/1 scores.
    """
    s = as_scores(scores)
    independent_var = np.var(s) / s.size  # what the clustered formula gives with one sample per cluster
    return float(clustered_se(s, clusters, small_sample=False) ** 2 / independent_var)


def paired_difference_variance(a, b) -> float:
    """omega^2: variance of per-question differences a_i - b_i (population form, as in the formula)."""
    d = as_scores(a) - as_scores(b)
    return float(np.var(d))


def _paired_variance(difference_variance: float, within_var_a: float, epochs_a: int, within_var_b: float,
                     epochs_b: int) -> float:
    """omega^2 + sigma_A^2/K_A + sigma_B^2/K_B: between-question plus answer-sampling variance (Miller 2024)."""
    return difference_variance + within_var_a / epochs_a + within_var_b / epochs_b


def questions_needed_paired(
    delta: float,
    difference_variance: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    within_var_a: float = 0.0,
    epochs_a: int = 1,
    within_var_b: float = 0.0,
    epochs_b: int = 1,
    design_effect: float = 1.0,
) -> int:
    """Questions (each answered by both solvers) needed to detect a mean difference ``delta``."""
    if delta == 0:
        raise StatsError("cannot size an experiment to detect a difference of 0")
    za, zb = _z(alpha, power)
    var = _paired_variance(difference_variance, within_var_a, epochs_a, within_var_b, epochs_b)
    return math.ceil((za + zb) ** 2 * var * design_effect / delta**2)


def minimum_detectable_effect_paired(
    n: int,
    difference_variance: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    within_var_a: float = 0.0,
    epochs_a: int = 1,
    within_var_b: float = 0.0,
    epochs_b: int = 1,
    design_effect: float = 1.0,
) -> float:
    """Smallest true mean difference that ``n`` paired questions detect with the given power."""
    za, zb = _z(alpha, power)
    var = _paired_variance(difference_variance, within_var_a, epochs_a, within_var_b, epochs_b)
    return float((za + zb) * math.sqrt(var * design_effect / n))


def questions_needed_two_proportions(
    p1: float, p2: float, *, alpha: float = 0.05, power: float = 0.8, design_effect: float = 1.0,
    pooled: bool = True,
) -> int:
    """Questions per group to tell accuracy ``p1`` from ``p2`` with independent samples.

    ``pooled=True`` uses the null variance 2*pbar*(1-pbar) for the alpha term (Fleiss, 388 for 0.5 vs
    0.6); ``pooled=False`` the simpler (z_a + z_b)^2 (p1 q1 + p2 q2) / delta^2 (385).
    """
    if p1 == p2 or not (0 <= p1 <= 1 and 0 <= p2 <= 1):
        raise StatsError(f"need two different proportions in [0, 1], got {p1}, {p2}")
    za, zb = _z(alpha, power)
    alt = p1 * (1 - p1) + p2 * (1 - p2)
    if pooled:
        pbar = (p1 + p2) / 2
        root = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(alt)
    else:
        root = (za + zb) * math.sqrt(alt)
    return math.ceil(root**2 * design_effect / (p1 - p2) ** 2)


def minimum_detectable_effect_two_proportions(
    n: int, p: float, *, alpha: float = 0.05, power: float = 0.8, design_effect: float = 1.0
) -> float:
    """Smallest increase over baseline accuracy ``p`` detectable with ``n`` questions per group.

    Solves the pooled two-proportion formula for p2 > p (continuous in n, so the answer is the
    delta whose required n equals ``n`` before rounding up).
    """
    za, zb = _z(alpha, power)
    if not 0 < p < 1 or n < 1:
        raise StatsError(f"need a baseline in (0, 1) and n >= 1, got p={p}, n={n}")

    def excess(p2: float) -> float:
        pbar = (p + p2) / 2
        root = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p * (1 - p) + p2 * (1 - p2))
        return root**2 * design_effect / (p2 - p) ** 2 - n

    top = 1.0 - 1e-12
    if excess(top) > 0:
        return float("nan")  # even a jump to 100% accuracy is not detectable with this n
    from scipy.optimize import brentq

    return float(brentq(excess, p + 1e-9, top) - p)
