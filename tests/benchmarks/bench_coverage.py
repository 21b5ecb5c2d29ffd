"""Benchmark: coverage of every interval kind the report prints, by simulation with known truth.

Run:  python tests/benchmarks/bench_coverage.py [--reps 300] [--resamples 400] [--seed 0]

Designs follow the benchmark (personas, one history per persona and size, the same questions at every
size, shared persona and question effects) from 2 personas (the default run) to 30; see
memcurve.evals.analysis.stats.coverage for the truths. Prints one row per design and interval kind:
repetitions, how many printed an interval (bands, crossovers and effective lengths are printed only
with >= 10 personas, and crossovers only when >= 95% of resamples cross), intervals checked, coverage
of the nominal 95% intervals and mean width; the check is coverage >= 93%.
"""

from __future__ import annotations

import argparse
import os
import time

import polars as pl

from memcurve.evals.analysis.stats.coverage import run_coverage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--resamples", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    table = run_coverage(reps=args.reps, n_resamples=args.resamples, seed=args.seed)
    took = time.perf_counter() - started
    table = table.with_columns(pl.when(pl.col("checked") == 0).then(pl.lit("not printed"))
                               .when(pl.col("coverage") >= 0.93).then(pl.lit("ok")).otherwise(pl.lit("LOW"))
                               .alias("check >= 93%"))
    with pl.Config(tbl_rows=200, tbl_width_chars=200, fmt_str_lengths=40, tbl_hide_dataframe_shape=True,
                   tbl_hide_column_data_types=True, float_precision=3):
        print(table)
    print(f"{args.reps} repetitions per design, {args.resamples} bootstrap resamples, seed {args.seed}: "
          f"{took:.0f} s wall, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
