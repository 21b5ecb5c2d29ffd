"""Paired comparisons and McNemar's exact test against direct computations."""

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps

from memcurve.evals.analysis.stats import StatsError, clustered_se, compare_solvers, mcnemar_exact, paired_comparison


def binomial_two_sided(k: int, n: int) -> float:
    """Exact two-sided sign test: sum of Bin(n, 1/2) pmf terms as extreme as k, by math.comb."""
    m = min(k, n - k)
    tail = sum(math.comb(n, i) for i in range(m + 1)) / 2**n
    return min(1.0, 2 * tail)


@pytest.mark.parametrize("a_only,b_only", [(0, 0), (0, 1), (1, 0), (3, 3), (2, 9), (9, 2), (0, 12), (15, 25),
                                           (40, 70), (100, 101)])
def test_mcnemar_matches_direct_binomial_sum(a_only, b_only):
    expected = 1.0 if a_only + b_only == 0 else binomial_two_sided(a_only, a_only + b_only)
    assert mcnemar_exact(a_only, b_only) == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_paired_comparison_small_example():
    a = [1, 1, 1, 0, 1, 0, 1, 1]
    b = [1, 0, 0, 0, 1, 1, 0, 0]
    clusters = ["h1", "h1", "h2", "h2", "h3", "h3", "h4", "h4"]
    res = paired_comparison(a, b, clusters)
    d = np.array(a, float) - np.array(b, float)  # [0, 1, 1, 0, 0, -1, 1, 1], mean 3/8
    assert res.difference == pytest.approx(3 / 8)
    assert (res.mean_a, res.mean_b) == pytest.approx((6 / 8, 3 / 8))
    assert (res.a_only, res.b_only) == (4, 1)
    assert res.mcnemar_p == pytest.approx(binomial_two_sided(1, 5))  # 2 * 6/32 = 0.375
    assert res.mcnemar_p == pytest.approx(0.375)
    # Cluster deviation sums of d: h1 1-2m, h2 1-2m, h3 -1-2m, h4 2-2m with m = 3/8.
    m = 3 / 8
    var = ((1 - 2 * m) ** 2 * 2 + (-1 - 2 * m) ** 2 + (2 - 2 * m) ** 2) * 4 / 3
    assert res.se == pytest.approx(math.sqrt(var) / 8)
    assert res.se == pytest.approx(clustered_se(d, clusters))
    # 4 histories: worst-case design effect sum m^2 / n = 2, so Newcombe's interval on n_eff = 4
    assert res.n_eff == pytest.approx(4.0) and "Newcombe" in res.method
    assert -1 <= res.ci_low < m < res.ci_high <= 1
    # Newcombe (1998) method 10 by hand: Clopper-Pearson margins at n_eff = 4, phi from the 2x2 table
    # (both right 2, a only 4, b only 1, neither 1; AD - BC = 2 - 4 < 0, so no continuity correction)
    beta = sps.beta.ppf
    l1, u1 = beta(0.025, 3.0, 2.0), beta(0.975, 4.0, 1.0)  # p_a = 0.75: k = 3 of 4
    l2, u2 = beta(0.025, 1.5, 3.5), beta(0.975, 2.5, 2.5)  # p_b = 0.375: k = 1.5 of 4
    phi = (2 * 1 - 4 * 1) / math.sqrt(6 * 2 * 3 * 5)
    low = m - math.sqrt((0.75 - l1) ** 2 - 2 * phi * (0.75 - l1) * (u2 - 0.375) + (u2 - 0.375) ** 2)
    high = m + math.sqrt((u1 - 0.75) ** 2 - 2 * phi * (u1 - 0.75) * (0.375 - l2) + (0.375 - l2) ** 2)
    assert (res.ci_low, res.ci_high) == pytest.approx((low, high), rel=1e-9)
    assert res.correlation == pytest.approx(np.corrcoef(a, b)[0, 1])
    assert "McNemar exact p=0.375" in res.sentence


def test_pairing_beats_independent_se_when_correlated():
    rng = np.random.default_rng(0)
    easy = rng.random(2000) < 0.5  # half the questions are easy for both solvers
    a = (rng.random(2000) < np.where(easy, 0.95, 0.25)).astype(float)
    b = (rng.random(2000) < np.where(easy, 0.85, 0.15)).astype(float)
    res = paired_comparison(a, b)
    # Miller: Var(d) = Var A + Var B - 2 Cov, so the paired SE shrinks with the correlation.
    cov = np.cov(a, b)[0, 1]
    assert res.se == pytest.approx(math.sqrt((a.var(ddof=1) + b.var(ddof=1) - 2 * cov) / 2000))
    unpaired = math.sqrt(a.var(ddof=1) / 2000 + b.var(ddof=1) / 2000)
    assert res.correlation > 0.4
    assert res.se < 0.8 * unpaired
    assert res.ci_low < 0.1 < res.ci_high


def test_non_binary_scores_skip_mcnemar_and_bad_input_raises():
    res = paired_comparison([0.5, 1, 0], [0, 1, 0.25])
    assert res.mcnemar_p is None and res.a_only is None
    with pytest.raises(StatsError, match="equal lengths"):
        paired_comparison([1, 0], [1])


def test_compare_solvers_joins_drops_unscored_and_averages_epochs():
    rows = []
    for h in range(6):
        for q in range(5):
            a = float((h + q) % 3 != 0)
            b = float(q % 2 == 0)
            rows.append(("full", f"h{h}", f"q{q}", 10 if h < 3 else 50, 1, a))
            rows.append(("rag", f"h{h}", f"q{q}", 10 if h < 3 else 50, 1, b))
    rows.append(("full", "h0", "q0", 10, 2, 1.0))  # second epoch: h0/q0 averages to 0.5
    rows.append(("rag", "h5", "q4", 50, 1, float("nan")))  # unscored replicate: ignored in the mean
    rows.append(("rag", "h9", "q9", 50, 1, 1.0))  # no partner: dropped
    frame = pl.DataFrame(rows, schema=["solver", "history_id", "question_id", "size", "epoch", "correct"],
                         orient="row")
    out = compare_solvers(frame, "full", "rag", by=["size"])
    assert out["size"].to_list() == [10, 50]
    assert out["n"].to_list() == [15, 15]
    assert out["n_clusters"].to_list() == [3, 3]
    # Recompute size 10 directly.
    part = frame.filter((pl.col("size") == 10) & pl.col("correct").is_not_nan())
    a = part.filter(pl.col("solver") == "full").group_by("history_id", "question_id").agg(pl.col("correct").mean())
    b = part.filter(pl.col("solver") == "rag").group_by("history_id", "question_id").agg(pl.col("correct").mean())
    j = a.join(b, on=["history_id", "question_id"]).sort("history_id", "question_id")
    ref = paired_comparison(j["correct"], j["correct_right"], j["history_id"].to_numpy())
    assert out.row(0, named=True)["difference"] == pytest.approx(ref.difference)
    assert out.row(0, named=True)["se"] == pytest.approx(ref.se)
    assert out.row(0, named=True)["mcnemar_p"] is None  # the averaged epoch (0.5) makes it non-binary
    assert out.row(1, named=True)["mcnemar_p"] is not None
    with pytest.raises(StatsError, match="no column 'persona_id'"):
        compare_solvers(frame, "full", "rag", cluster="persona_id")
