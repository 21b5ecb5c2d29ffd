"""Overview: what this group holds (logs, solvers, sizes) and how many samples were scored or errored."""

from __future__ import annotations

import polars as pl

from memcurve.evals.analysis.sections.base import Context, section
from memcurve.evals.analysis.sections.markdown import listing


def _rate(frame: pl.DataFrame, col: str) -> str:
    values = frame[col].cast(pl.Float64).fill_nan(None).drop_nulls() if col in frame.columns else None
    return f"{values.mean():.1%}" if values is not None and values.len() else "-"


@section("overview", order=10)
def overview(ctx: Context) -> list[str]:
    frame, ok = ctx.frame, ctx.ok
    errored = frame.height - ok.height
    unscored = ok.filter(pl.col("correct").is_null() | pl.col("correct").is_nan()).height
    lines = [
        "### Overview", "",
        f"- samples: {frame.height} from {frame['log'].n_unique()} log(s); scored: {ok.height - unscored}; "
        f"unscored: {unscored}; errored (listed below, not counted): {errored}",
        f"- solvers: {listing(frame, 'solver')}",
    ]
    if "size" in frame.columns and frame["size"].drop_nulls().len():
        lines += [f"- history sizes (conversations): {listing(frame, 'size')}",
                  f"- personas: {frame['persona_id'].n_unique() if 'persona_id' in frame.columns else '-'}",
                  f"- categories: {listing(frame, 'category')}",
                  f"- context overflow rate: {_rate(ok, 'overflow')}; truncation rate: {_rate(ok, 'truncated')}"]
    return lines + [""]
