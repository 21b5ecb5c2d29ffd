"""Power analysis against textbook values, exact power and simulation."""

import math

import numpy as np
import pytest
from scipy import stats as sps

from memcurve.evals.analysis.stats import (
    StatsError,
    design_effect,
    minimum_detectable_effect_paired,
    minimum_detectable_effect_two_proportions,
    observed_design_effect,
    paired_difference_variance,
    questions_needed_paired,
    questions_needed_two_proportions,
)


def test_two_proportions_textbook_values():
    # 0.5 vs 0.6, alpha .05 two-sided, power .8: Fleiss (pooled null variance) 388, simple formula 385.
    assert questions_needed_two_proportions(0.5, 0.6) == 388
    assert questions_needed_two_proportions(0.6, 0.5) == 388
    assert questions_needed_two_proportions(0.5, 0.6, pooled=False) == 385
    assert questions_needed_two_proportions(0.5, 0.6, design_effect=2.0) == math.ceil(
        (1.959963984540054 * math.sqrt(0.495) + 0.8416212335729143 * 0.7) ** 2 * 2 / 0.01)
    with pytest.raises(StatsError):
        questions_needed_two_proportions(0.5, 0.5)


def test_two_proportions_exact_power_at_formula_n():
    # Exact power of the pooled two-sample z test at n = 388 per group, summing over all outcomes.
    n = questions_needed_two_proportions(0.5, 0.6)
    k = np.arange(n + 1)
    k1, k2 = np.meshgrid(k, k, indexing="ij")
    pooled = (k1 + k2) / (2 * n)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (k2 - k1) / n / np.sqrt(pooled * (1 - pooled) * 2 / n)
    reject = np.abs(np.nan_to_num(z)) > sps.norm.ppf(0.975)
    prob = np.outer(sps.binom.pmf(k, n, 0.5), sps.binom.pmf(k, n, 0.6))
    assert prob[reject].sum() == pytest.approx(0.80, abs=0.01)


def test_paired_formula_matches_simulated_power():
    p10, p01 = 0.15, 0.08  # A right and B wrong; B right and A wrong
    delta = p10 - p01
    omega2 = p10 + p01 - delta**2
    n = questions_needed_paired(delta, omega2)
    assert n == math.ceil((1.959963984540054 + 0.8416212335729143) ** 2 * omega2 / delta**2) == 361
    # Simulate 20,000 paired experiments of n questions and run the paired z test on each.
    rng = np.random.default_rng(0)
    counts = rng.multinomial(n, [p10, p01, 1 - p10 - p01], size=20_000)
    mean = (counts[:, 0] - counts[:, 1]) / n
    var = (counts[:, 0] + counts[:, 1]) / n - mean**2
    power = np.mean(np.abs(mean / np.sqrt(var * n / (n - 1) / n)) > 1.959963984540054)
    assert power == pytest.approx(0.80, abs=0.015)
    # The difference variance from pilot data is Var(a - b).
    a = np.r_[np.ones(15), np.zeros(8), np.ones(40), np.zeros(37)]
    b = np.r_[np.zeros(15), np.ones(8), np.ones(40), np.zeros(37)]
    assert paired_difference_variance(a, b) == pytest.approx(0.23 - 0.07**2)


def test_within_question_noise_and_epochs():
    base = questions_needed_paired(0.05, 0.1)
    noisy = questions_needed_paired(0.05, 0.1, within_var_a=0.2, within_var_b=0.2)
    resampled = questions_needed_paired(0.05, 0.1, within_var_a=0.2, within_var_b=0.2, epochs_a=4, epochs_b=4)
    assert base < resampled < noisy
    assert noisy == math.ceil(7.848879734349166 * 0.5 / 0.0025)


def test_minimum_detectable_effect_inverts_sample_size():
    mde = minimum_detectable_effect_paired(361, 0.2251)
    assert mde == pytest.approx(0.07, abs=0.0005) and mde <= 0.07
    assert minimum_detectable_effect_paired(400, 0.25, design_effect=4) == pytest.approx(
        2 * minimum_detectable_effect_paired(400, 0.25))
    d = minimum_detectable_effect_two_proportions(388, 0.5)
    assert 0.099 < d <= 0.1
    assert math.isnan(minimum_detectable_effect_two_proportions(2, 0.5))


def test_design_effect_formula_and_observed():
    assert design_effect(20, 0.16) == pytest.approx(4.04)
    assert design_effect(1, 0.9) == 1.0
    rng = np.random.default_rng(1)
    clusters = np.repeat(np.arange(600), 20)
    p = np.where(rng.random(600) < 0.5, 0.3, 0.7)[clusters]  # ICC = 0.04 / 0.25 = 0.16
    scores = (rng.random(clusters.size) < p).astype(float)
    assert observed_design_effect(scores, clusters) == pytest.approx(4.04, rel=0.15)
    assert observed_design_effect(scores, np.arange(scores.size)) == pytest.approx(1.0)
