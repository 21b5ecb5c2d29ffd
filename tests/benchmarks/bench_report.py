"""Benchmark: the full `memcurve report` on 20,000 sample rows with 2,000 bootstrap resamples.

Prints elapsed time per stage and peak memory. Target on a 2-core machine: under 10 s in all.
The rows are synthetic (evals.analysis.stats.simulate: three solvers with known curves and clustered
persona/question effects) but have every column the report reads from real logs.

    python tests/benchmarks/bench_report.py
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import polars as pl

from memcurve.evals.analysis.report import build_report
from memcurve.evals.analysis.stats.simulate import simulate_results


def synthetic_frame() -> pl.DataFrame:
    frame = simulate_results(
        {"full_context": (2.5, -0.6), "rag": (0.9, -0.1), "memory:hybrid": (1.6, -0.3)},
        sizes=(1, 3, 10, 30, 100, 300), personas=40, questions_per_persona=28,
        categories=("user_facts", "changing_facts", "abstention", "temporal", "preferences"),
        cost={"full_context": (-8.5, 1.0), "rag": (-7.2, 0.05), "memory:hybrid": (-7.0, 0.3)}, seed=1,
    )
    n = frame.height
    return frame.with_columns(
        pl.lit("anthropic/claude-sonnet-4-5").alias("model"), pl.lit("bench.eval").alias("log"),
        pl.lit("convomem").alias("task"), pl.lit(None, dtype=pl.Utf8).alias("error"),
        (pl.col("size") * 1700).alias("input_tokens"), (pl.col("size") * 1700).alias("prompt_tokens"),
        pl.lit(12).alias("output_tokens"),
        (pl.col("size").cast(pl.Float64).log() * 0.4 + 0.8).alias("latency_s"), pl.lit(0).alias("memory_tokens"),
        pl.lit(0.0).alias("overflow"), pl.lit(0.0).alias("truncated"), pl.col("correct").alias("answer_check"),
        pl.when(pl.col("solver") == "rag").then(pl.col("correct")).otherwise(None).alias("recall_any@5"),
    ).head(n)


def main() -> None:
    frame = synthetic_frame()
    print(f"rows: {frame.height:,}  solvers: {frame['solver'].n_unique()}  sizes: {frame['size'].n_unique()}  "
          f"personas: {frame['persona_id'].n_unique()}")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        path = build_report(frame, Path(tmp) / "report", n_resamples=2000, seed=0)
        elapsed = time.perf_counter() - start
        figures = sorted(p.name for p in path.parent.glob("*.png"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"full report (2,000 resamples): {elapsed:.2f} s   target < 10 s")
    print(f"peak memory (max RSS, whole process): {peak:,.0f} MiB")
    print(f"figures: {', '.join(figures)}")


if __name__ == "__main__":
    main()
