"""Report section "Where the misses come from": the stage_attribution shares per solver, category and size.

Reads the stage_* indicator columns the stage_attribution scorer wrote (1 on the stage that lost a
wrong answer, 0 on the other stages, NaN on answers without a stage), so each cell is the share of a
solver's misses lost at that stage, with n the misses counted.
"""

from __future__ import annotations

import polars as pl

from memcurve.evals.attribution import STAGES

STAGE_COLUMNS: tuple[str, ...] = tuple(f"stage_{s}" for s in (*STAGES, "unattributed"))


def stage_table(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Misses per group and the share lost at each stage (groups with no attributed miss are left out)."""
    present = [c for c in STAGE_COLUMNS if c in frame.columns]
    if not present:
        return pl.DataFrame()
    misses = frame.filter(pl.col(present[0]).is_not_null() & pl.col(present[0]).is_not_nan())
    if misses.height == 0:
        return pl.DataFrame()
    return (misses.group_by(by).agg(misses=pl.len(), *[pl.col(c).mean().alias(c.removeprefix("stage_"))
                                                       for c in present])
            .sort(by))


def stage_section(frame: pl.DataFrame, md_table) -> list[str]:
    """Markdown lines of the section ([] when the logs carry no stage attribution)."""
    overall = stage_table(frame, ["solver"])
    if overall.height == 0:
        return []
    stages = [c for c in (*STAGES, "unattributed") if c in overall.columns]
    out = ["### Where the misses come from", "",
           "Every wrong answer traced to the stage that lost it, from the planted facts and evidence ids: "
           "extraction (the fact never entered memory), update (memory holds a stale value), retrieval "
           "(in memory or the history but not put in the context), truncation (retrieved or present but cut "
           "by the token budget), reader (in the context, answered wrong). Cells are shares of the misses.", ""]
    for title, by in (("by solver", ["solver"]), ("by solver and category", ["solver", "category"]),
                      ("by solver and history size", ["solver", "size"]),
                      ("by solver, category and history size", ["solver", "category", "size"])):
        table = stage_table(frame, by)
        out += [f"#### Misses {title}", "", md_table(table, [*by, "misses", *stages]), ""]
    return out
