"""Accuracy tables per solver, size and category, each cell with an interval valid for its clusters."""

from __future__ import annotations

from memcurve.evals.analysis import stats
from memcurve.evals.analysis.sections.base import Context, section
from memcurve.evals.analysis.sections.markdown import md_table

HEADERS = {"n_clusters": "histories", "ci": "95% CI", "ci_method": "CI method", "wilson": "Wilson (independent)"}
NOTE = ("Each cell: n questions over its histories, accuracy and a 95% interval valid for questions clustered "
        "in histories: Clopper-Pearson on the effective sample size n / design effect, the design effect "
        f"estimated from the clustered variance with at least {stats.FEW_CLUSTERS} histories and at its worst "
        "case (all questions of a history agreeing) below that or when the cell is all right or all wrong. "
        "The Wilson interval treats questions as independent and is shown for comparison only.")


@section("accuracy", order=20)
def accuracy_tables(ctx: Context) -> list[str]:
    scored = ctx.scored
    if scored.height == 0:
        return ["### Accuracy", "", "No scored samples with a history size.", ""] if ctx.sized.height else []
    out = ["### Accuracy", "", NOTE, ""]
    for title, by in (("by solver", ["solver"]), ("by solver and history size", ["solver", "size"]),
                      ("by solver and category", ["solver", "category"]),
                      ("by solver, category and history size", ["solver", "category", "size"])):
        table = stats.summarise(scored, by=by, cluster="history_id")
        out += [f"#### Accuracy {title}", "",
                md_table(table, by + ["n", "n_clusters", "accuracy", "ci", "ci_method", "wilson"], HEADERS), ""]
    return out
