"""Where the misses come from: stage_attribution shares per solver, category and size (evals.analysis.stages_report)."""

from __future__ import annotations

from memcurve.evals.analysis.sections.base import Context, section
from memcurve.evals.analysis.sections.markdown import md_table
from memcurve.evals.analysis.stages_report import stage_section


@section("stages", order=74)
def stages(ctx: Context) -> list[str]:
    return stage_section(ctx.sized, md_table)
