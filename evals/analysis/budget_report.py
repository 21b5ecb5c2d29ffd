"""Report section "Equal context budget": solvers run with the same -T context_budget, side by side.

A comparison is fair on cost only when every solver may show the answering model the same number of
history tokens; top-k is not that (k rounds and k memories differ in length). For each budget the
section lists per solver: questions, accuracy, the context tokens actually shown (mean and max, which
never exceed the budget), and what building the memory cost (ingestion tokens through the `memory`
role and seconds until the memory was searchable, per history; 0 for solvers that ingest nothing).
"""

from __future__ import annotations

import polars as pl


def budget_table(frame: pl.DataFrame) -> pl.DataFrame:
    if "context_budget" not in frame.columns or frame["context_budget"].drop_nulls().len() == 0:
        return pl.DataFrame()
    budgeted = frame.filter(pl.col("context_budget").is_not_null())
    for col in ("ingest_tokens", "ingest_seconds"):
        if col not in budgeted.columns:
            budgeted = budgeted.with_columns(pl.lit(None, dtype=pl.Float64).alias(col))
    scored = pl.col("correct").fill_nan(None)
    per_history = (budgeted.group_by("context_budget", "solver", "history_id")
                   .agg(pl.col("ingest_tokens").max(), pl.col("ingest_seconds").max()))
    ingest = (per_history.group_by("context_budget", "solver")
              .agg(ingest_tokens=pl.col("ingest_tokens").cast(pl.Float64).fill_nan(None).fill_null(0).mean(),
                   ingest_seconds=pl.col("ingest_seconds").cast(pl.Float64).fill_nan(None).fill_null(0).mean()))
    shown = (budgeted.group_by("context_budget", "solver")
             .agg(n=scored.count(), accuracy=scored.mean(), context_tokens=pl.col("context_tokens").mean(),
                  max_context_tokens=pl.col("context_tokens").max()))
    return shown.join(ingest, on=["context_budget", "solver"], how="left").sort("context_budget", "solver")


def budget_section(frame: pl.DataFrame, md_table) -> list[str]:
    table = budget_table(frame)
    if table.height == 0:
        return []
    return ["### Equal context budget", "",
            "Solvers given the same budget of context tokens (-T context_budget; RAG fills it in rank order "
            "instead of taking k units). context_tokens = what the answer model was shown (max never above "
            "the budget); ingestion = tokens the memory role spent and seconds until the memory was "
            "searchable, per history.", "",
            md_table(table, ["context_budget", "solver", "n", "accuracy", "context_tokens", "max_context_tokens",
                             "ingest_tokens", "ingest_seconds"]), ""]
