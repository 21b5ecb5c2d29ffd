"""Errored samples, listed by id: they are not scored, so they never count as wrong answers."""

from __future__ import annotations

import polars as pl

from memcurve.evals.analysis.sections.base import Context, section
from memcurve.evals.analysis.sections.markdown import md_table

MAX_LISTED = 50


@section("errors", order=90)
def errored_samples(ctx: Context) -> list[str]:
    if "error" not in ctx.frame.columns:
        return []
    errored = ctx.frame.filter(pl.col("error").is_not_null())
    if errored.height == 0:
        return []
    columns = [c for c in ("log", "sample_id", "epoch", "solver", "size", "error") if c in errored.columns]
    shown = errored.sort(columns[:3]).head(MAX_LISTED)
    more = f" (first {MAX_LISTED} shown)" if errored.height > MAX_LISTED else ""
    counts = errored.group_by("error").len().sort("len", descending=True).head(5)
    common = "; ".join(f"{n}x {e[:80]}" for e, n in counts.iter_rows())
    return ["### Errored samples", "",
            f"{errored.height} sample(s) ended in an error and are left out of every statistic{more}. "
            f"Most common: {common}.", "", md_table(shown, columns), ""]
