"""Coverage of the report's intervals on simulated benchmarks with known truth (fast version of the benchmark)."""

import polars as pl
import pytest

from memcurve.evals.analysis.stats.coverage import DEFAULT_DESIGNS, Design, run_coverage, true_accuracy, true_crossover


def test_cell_and_paired_intervals_cover_from_two_personas_up():
    designs = [DEFAULT_DESIGNS[0], DEFAULT_DESIGNS[3], DEFAULT_DESIGNS[5]]  # 2, 10, 30 (near ceiling) personas
    table = run_coverage(designs, reps=60, curves=False, seed=1)
    assert table.height == 9
    assert table["checked"].min() >= 60
    many = table.filter(pl.col("interval") != "paired (pooled)")  # hundreds of intervals each
    assert many["coverage"].min() >= 0.93, many
    pooled = table.filter(pl.col("interval") == "paired (pooled)")  # one per repetition: Monte Carlo error ~3%
    assert pooled["coverage"].min() >= 0.85, pooled


def test_curve_band_crossover_and_effective_length_cover_at_ten_personas():
    table = run_coverage([DEFAULT_DESIGNS[3]], reps=25, n_resamples=200, seed=2)
    kinds = dict(zip(table["interval"], table["coverage"]))
    printed = dict(zip(table["interval"], table["printed"]))
    assert printed["crossover"] >= 20 and printed["curve band"] == 50
    assert kinds["curve band"] >= 0.93
    assert kinds["crossover"] >= 0.84 and kinds["effective length"] >= 0.84  # 25 reps: Monte Carlo error ~4.5%


def test_few_personas_print_no_band_or_crossover_interval():
    table = run_coverage([DEFAULT_DESIGNS[0]], reps=3, n_resamples=50)
    rows = table.filter(pl.col("interval").is_in(["curve band", "crossover", "effective length"]))
    assert rows["printed"].to_list() == [0, 0, 0]


def test_truths_are_the_integrated_population_values():
    design = Design("t", {"a": (0.0, 0.0), "b": (1.0, -0.5)}, 2, 2, persona_sd=0.0, question_sd=0.0)
    assert true_accuracy(design, "a", [1, 10]) == pytest.approx([0.5, 0.5])
    assert abs(true_crossover(design, "a", "b") - 7.389) < 0.01  # 1 - 0.5 log s = 0 at s = e^2
