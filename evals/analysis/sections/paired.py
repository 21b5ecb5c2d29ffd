"""Paired comparisons: every pair of solvers on the questions both answered, pooled and per size."""

from __future__ import annotations

from itertools import combinations

import polars as pl

from memcurve.evals.analysis import stats
from memcurve.evals.analysis.sections.base import Context, section
from memcurve.evals.analysis.sections.markdown import md_table

HEADERS = {"diff_ci": "95% CI", "n_clusters": "clusters", "ci_method": "CI method"}
NOTE = ("Same questions over the same histories; difference = A - B. The 95% interval is Newcombe's paired "
        "score interval (method 10) on the effective sample size n / design effect of the differences "
        "(estimated with at least {few} clusters, worst case below); McNemar's exact test on the discordant "
        "pairs treats questions as independent. Pooled rows cluster by persona (nested histories repeat the "
        "same questions at every size); per-size rows cluster by history.")


@section("paired", order=50)
def paired_comparisons(ctx: Context) -> list[str]:
    scored = ctx.scored
    if scored.height == 0:
        return []
    solvers = sorted(scored["solver"].unique().to_list())
    out = ["### Paired comparisons", ""]
    if len(solvers) < 2:
        return out + ["Only one solver: nothing to compare.", ""]
    out += [NOTE.format(few=stats.FEW_CLUSTERS), ""]
    for a, b in combinations(solvers, 2):
        overall = stats.compare_solvers(scored, a, b, cluster="persona_id")
        if overall.height == 0:
            out += [f"#### {a} vs {b}", "", "No questions answered by both.", ""]
            continue
        by_size = stats.compare_solvers(scored, a, b, by=["size"], cluster="history_id")
        table = pl.concat([overall.with_columns(pl.lit("all").alias("size")),
                           by_size.with_columns(pl.col("size").cast(pl.Utf8))], how="diagonal_relaxed")
        out += [f"#### {a} vs {b}", "",
                md_table(table, ["size", "n", "n_clusters", "mean_a", "mean_b", "difference", "diff_ci", "a_only",
                                 "b_only", "mcnemar_p", "ci_method"], HEADERS), ""]
    return out
