"""Crossovers recovered on synthetic data with a known answer, and "none" when curves do not cross."""

import math

import numpy as np
import polars as pl
import pytest

from memcurve.evals.analysis.stats import (
    StatsError,
    accuracy_curves,
    cost_curves,
    crossover,
    crossovers_to_frame,
    curves_to_frame,
    pairwise_crossovers,
)
from memcurve.evals.analysis.stats.simulate import simulate_results

# Full context decays with log size; RAG is flat. Equal linear predictors at size 40, and since both
# share the same persona/question effects, the population accuracies are equal there too.
TRUE_SIZE = 40.0
FULL = (2.0, -0.6)
RAG = (2.0 - 0.6 * math.log(TRUE_SIZE), 0.0)


def test_accuracy_crossover_recovered_with_true_value_in_interval():
    frame = simulate_results({"full": FULL, "rag": RAG}, personas=30, questions_per_persona=20, seed=3)
    curves = accuracy_curves(frame, cluster="persona_id", n_resamples=500, seed=1)
    x = crossover(curves["full"], curves["rag"])
    assert x.found and x.kind == "accuracy"
    assert x.low <= TRUE_SIZE <= x.high
    assert x.low < x.size < x.high
    assert 20 < x.size < 80
    assert x.share_crossing > 0.95
    assert x.a_leads_below  # full context is better on short histories
    assert (x.range_low, x.range_high) == pytest.approx((1, 300))
    assert "full is more accurate below it, rag above" in x.sentence
    assert x.sentence.startswith("full and rag accuracy curves cross at ")
    # Same seed, same answer; swapping the pair gives the same crossing.
    again = crossover(*[accuracy_curves(frame, n_resamples=500, seed=1)[k] for k in ("rag", "full")])
    assert (again.size, again.low, again.high) == pytest.approx((x.size, x.low, x.high))
    assert not again.a_leads_below


def test_accuracy_crossover_interval_coverage_over_datasets():
    covered = 0
    for seed in range(10):
        frame = simulate_results({"full": FULL, "rag": RAG}, personas=20, questions_per_persona=15, seed=100 + seed)
        curves = accuracy_curves(frame, n_resamples=200, seed=seed)
        x = crossover(curves["full"], curves["rag"])
        covered += x.found and x.low <= TRUE_SIZE <= x.high
    assert covered >= 8  # nominal 95%; over 100 larger data sets we measured 92%


@pytest.mark.parametrize("rag", [(0.0, -0.6), (-3.0, -0.1)], ids=["parallel", "meets-beyond-range"])
def test_no_crossover_within_measured_range(rag):
    # (-3.0, -0.1) meets full context at log s = 10, i.e. about 22,000 conversations: outside 1-300.
    frame = simulate_results({"full": FULL, "rag": rag}, personas=20, questions_per_persona=15, seed=4)
    curves = accuracy_curves(frame, n_resamples=300, seed=2)
    x = crossover(curves["full"], curves["rag"])
    assert not x.found
    assert x.size is None and x.low is None and x.high is None
    assert x.share_crossing < 0.2
    assert x.sentence.startswith("No accuracy crossover within the measured range 1-300 conversations: "
                                 "full stays more accurate than rag")


def test_cost_crossover_and_pairwise():
    truth = math.exp(2.0 / 0.95)  # -9 + log s = -7 + 0.05 log s
    frame = simulate_results({"full": FULL, "rag": RAG, "oracle": (3.0, 0.0)}, personas=15,
                             questions_per_persona=10, cost={"full": (-9.0, 1.0), "rag": (-7.0, 0.05),
                                                             "oracle": (-10.0, 0.0)}, cost_sd=0.3, seed=6)
    curves = cost_curves(frame, n_resamples=300, seed=0)
    x = crossover(curves["full"], curves["rag"], unit="conv.")
    assert x.found and x.kind == "cost" and x.low < x.size < x.high and 7 < x.size < 9.5
    covered = 0
    for seed in range(20):  # nominal 95%: 18 of these 20 data sets cover the truth
        data = simulate_results({"full": FULL, "rag": RAG}, personas=15, questions_per_persona=10,
                                cost={"full": (-9.0, 1.0), "rag": (-7.0, 0.05)}, cost_sd=0.3, seed=seed)
        y = crossover(*cost_curves(data, n_resamples=300, seed=0).values())
        covered += y.found and y.low <= truth <= y.high
    assert covered >= 17
    assert not x.a_leads_below  # RAG costs more at tiny sizes (retrieval overhead), full context later
    assert "rag is more expensive per question below it, full above" in x.sentence and "conv." in x.sentence
    pairs = pairwise_crossovers(curves)
    assert [(p.a, p.b) for p in pairs] == [("full", "oracle"), ("full", "rag"), ("oracle", "rag")]
    assert [p.found for p in pairs] == [False, True, False]
    table = crossovers_to_frame(pairs)
    assert table["found"].to_list() == [False, True, False]
    assert table["size"].null_count() == 2 and table["size"][1] == pytest.approx(x.size)
    assert curves_to_frame(curves)["solver"].unique(maintain_order=True).to_list() == ["full", "oracle", "rag"]


def test_curves_without_a_common_size_range_report_no_crossover():
    frame = simulate_results({"a": (0, 0), "b": (1, -0.2)}, personas=6, questions_per_persona=5, seed=0)
    frame = frame.filter(((pl.col("solver") == "a") & (pl.col("size") <= 10))
                         | ((pl.col("solver") == "b") & (pl.col("size") >= 30)))
    x = crossover(*accuracy_curves(frame, n_resamples=30).values())
    assert not x.found and math.isnan(x.share_crossing)
    assert "not measured over a common range of sizes" in x.sentence


def test_crossover_refuses_curves_from_different_resamples_or_kinds():
    frame = simulate_results({"a": (0, 0), "b": (1, -0.2)}, personas=10, questions_per_persona=5,
                             cost={"a": (-5, 1), "b": (-4, 0)}, seed=0)
    first, second = accuracy_curves(frame, n_resamples=20, seed=1), accuracy_curves(frame, n_resamples=20, seed=2)
    with pytest.raises(StatsError, match="same bootstrap resamples"):
        crossover(first["a"], second["b"])
    with pytest.raises(StatsError, match="different kinds: accuracy and cost"):
        crossover(first["a"], cost_curves(frame, n_resamples=20, seed=1)["b"])
    assert np.isfinite(first["a"].boot).all()


def test_equal_costs_do_not_make_a_cost_crossover():
    # both read the same prompt at size 1 (within 5%), then full context grows: no crossover at all
    frame = simulate_results({"full": FULL, "rag": RAG}, personas=12, questions_per_persona=5, sizes=(1, 4, 16, 64),
                             cost={"full": (-9.0, 1.0), "rag": (-9.0, 0.0)}, cost_sd=0.01, seed=2)
    x = crossover(*cost_curves(frame, n_resamples=200, seed=0).values())
    assert not x.found and x.size is None and not x.point_crosses
    assert x.sentence.startswith("No cost crossover within the measured range")


def test_unreliable_crossover_is_named_with_its_share():
    frame = simulate_results({"full": (1.0, -0.1), "rag": (0.85, 0.0)}, personas=10, questions_per_persona=6,
                             seed=8)
    x = crossover(*accuracy_curves(frame, n_resamples=300, seed=0).values())
    if x.point_crosses and not x.found:
        assert x.sentence.startswith("No reliable accuracy crossover") and "% of resamples cross" in x.sentence
        assert x.low is None and x.high is None
    assert not (x.found and x.share_crossing < 0.95)
