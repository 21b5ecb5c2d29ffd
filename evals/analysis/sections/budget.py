"""Equal context budget: solvers run with the same -T context_budget, with ingestion cost (evals.analysis.budget_report)."""

from __future__ import annotations

from memcurve.evals.analysis.budget_report import budget_section
from memcurve.evals.analysis.sections.base import Context, section
from memcurve.evals.analysis.sections.markdown import md_table


@section("budget", order=72)
def budget(ctx: Context) -> list[str]:
    return budget_section(ctx.sized, md_table)
