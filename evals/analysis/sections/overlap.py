"""Accuracy split by the overlap ladder: how much of a solver's accuracy rests on the question sharing words
with its evidence (NoLiMa: accuracy falls as lexical overlap falls, and falls faster in long histories)."""

from __future__ import annotations

import polars as pl

from memcurve.evals.analysis import stats
from memcurve.evals.analysis.sections.accuracy import HEADERS
from memcurve.evals.analysis.sections.base import Context, section
from memcurve.evals.analysis.sections.markdown import md_table

ORDER = {"high": 0, "medium": 1, "low": 2, "none": 3}
NOTE = ("Overlap level of each question, as the store records it (generators.overlap): high, the question "
        "shares at least half its content words with its evidence messages; medium, less, but more than a "
        "third with the whole evidence conversations; low, below that; none, questions without evidence "
        "(abstention). Intervals as in the accuracy tables.")


@section("overlap", order=35)
def accuracy_by_overlap(ctx: Context) -> list[str]:
    scored = ctx.scored
    if scored.height == 0 or "overlap_level" not in scored.columns or scored["overlap_level"].is_null().all():
        return []
    scored = scored.filter(pl.col("overlap_level").is_not_null())
    out = ["### Accuracy by overlap level", "", NOTE, ""]
    for title, by in (("by solver and overlap level", ["solver", "overlap_level"]),
                      ("by solver, overlap level and history size", ["solver", "overlap_level", "size"])):
        table = stats.summarise(scored, by=by, cluster="history_id")
        table = table.with_columns(pl.col("overlap_level").replace_strict(ORDER, default=9).alias("_rank")) \
            .sort(["solver", "_rank", *by[2:]]).drop("_rank")
        out += [f"#### Accuracy {title}", "",
                md_table(table, by + ["n", "n_clusters", "accuracy", "ci", "ci_method", "wilson"],
                         {**HEADERS, "overlap_level": "overlap"}), ""]
    return out
