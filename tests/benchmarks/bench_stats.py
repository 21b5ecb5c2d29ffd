"""Benchmark: the statistical part of the report on 20,000 sample rows with 2,000 bootstrap resamples.

Run:  python tests/benchmarks/bench_stats.py [--rows-per-solver-size-question ...]

Builds a synthetic results frame (3 solvers x 6 sizes x 5 categories, 40 personas x 28 questions,
clustered by history and persona), then times every statistic the report needs: the summary table,
per-solver accuracy and cost curves with bands, all pairwise crossovers, paired tests per size and
accuracy per dollar. Prints wall time per step, the total, peak traced memory and max RSS, and, as a
baseline measured in the same run, a naive per-resample refit loop for one curve.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import polars as pl

from memcurve.evals.analysis.stats import (
    accuracy_curves,
    accuracy_per_dollar,
    compare_solvers,
    cost_curves,
    fit_logistic,
    pairwise_crossovers,
    summarise,
)
from memcurve.evals.analysis.stats.simulate import simulate_results

SOLVERS = {"full_context": (2.2, -0.55), "rag": (0.3, -0.05), "memory": (0.0, 0.02)}
COSTS = {"full_context": (-9.0, 1.0), "rag": (-7.5, 0.05), "memory": (-7.0, 0.0)}
CATEGORIES = ("user_fact", "assistant_fact", "preference", "changing_fact", "implicit")


def build(personas: int, questions: int, seed: int) -> pl.DataFrame:
    return simulate_results(SOLVERS, personas=personas, questions_per_persona=questions, categories=CATEGORIES,
                            cost=COSTS, sizes=(1, 5, 10, 30, 100, 300), seed=seed)


def analyse(frame: pl.DataFrame, resamples: int, seed: int, show: bool = False) -> dict[str, float]:
    """Everything statistical the report computes; returns seconds per step."""
    times = {}

    def timed(name, fn):
        start = time.perf_counter()
        out = fn()
        times[name] = time.perf_counter() - start
        return out

    timed("summarise solver x size x category", lambda: summarise(frame, by=["solver", "size", "category"]))
    timed("summarise solver x size", lambda: summarise(frame, by=["solver", "size"]))
    acc = timed("accuracy curves + bands (3 solvers)",
                lambda: accuracy_curves(frame, n_resamples=resamples, seed=seed))
    cost = timed("cost curves + bands (3 solvers)", lambda: cost_curves(frame, n_resamples=resamples, seed=seed))
    crossings = timed("pairwise crossovers (accuracy + cost)",
                      lambda: pairwise_crossovers(acc) + pairwise_crossovers(cost))
    names = sorted(SOLVERS)
    timed("paired tests per size (3 pairs)", lambda: [
        compare_solvers(frame, a, b, by=["size"]) for i, a in enumerate(names) for b in names[i + 1:]])
    timed("accuracy per dollar per solver x size",
          lambda: accuracy_per_dollar(frame, by=["solver", "size"], n_resamples=resamples, seed=seed))
    for c in crossings if show else []:
        print("   ", c.sentence)
    return times


def naive_curve_seconds_per_resample(frame: pl.DataFrame, resamples: int, seed: int) -> float:
    """Baseline: resample personas with a Python loop, gather rows, refit one solver's curve each time."""
    part = frame.filter(pl.col("solver") == "full_context")
    personas = part["persona_id"].to_numpy()
    ids = np.unique(personas)
    rows_of = {p: np.flatnonzero(personas == p) for p in ids}
    x, y = np.log(part["size"].to_numpy().astype(float)), part["correct"].to_numpy()
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for _ in range(resamples):
        idx = np.concatenate([rows_of[p] for p in rng.choice(ids, ids.size)])
        fit_logistic(x[idx], y[idx])
    return (time.perf_counter() - start) / resamples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personas", type=int, default=40)
    parser.add_argument("--questions", type=int, default=28)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    frame = build(args.personas, args.questions, args.seed)
    print(f"rows={frame.height:,} solvers={len(SOLVERS)} sizes=6 categories={len(CATEGORIES)} "
          f"histories={frame['history_id'].n_unique()} personas={frame['persona_id'].n_unique()} "
          f"resamples={args.resamples}")
    analyse(frame.sample(1000, seed=1), 50, args.seed)  # warm-up: imports, polars and scipy first calls
    print("timed run:")
    start = time.perf_counter()
    times = analyse(frame, args.resamples, args.seed, show=True)
    total = time.perf_counter() - start
    for name, sec in times.items():
        print(f"  {name:<42} {sec * 1000:8.1f} ms")
    print(f"  {'TOTAL':<42} {total * 1000:8.1f} ms")

    tracemalloc.start()
    analyse(frame, args.resamples, args.seed)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak traced memory during analysis: {peak / 2**20:.1f} MiB; process max RSS {rss:.0f} MiB")

    per = naive_curve_seconds_per_resample(frame, 50, args.seed)
    vectorised = times["accuracy curves + bands (3 solvers)"] / 3
    print(f"baseline naive refit loop: {per * 1000:.2f} ms/resample -> {per * args.resamples:.2f} s for one "
          f"solver's {args.resamples} resamples vs {vectorised:.3f} s vectorised "
          f"({per * args.resamples / vectorised:.0f}x)")


if __name__ == "__main__":
    main()
