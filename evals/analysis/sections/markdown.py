"""Markdown tables for report sections: one renderer, number formats chosen by column name."""

from __future__ import annotations

import math

import polars as pl

INTERVAL_COLUMNS = {"wilson": ("wilson_low", "wilson_high", False), "ci": ("ci_low", "ci_high", False),
                    "diff_ci": ("ci_low", "ci_high", True)}


def md_table(frame: pl.DataFrame, columns: list[str], headers: dict[str, str] | None = None) -> str:
    """Render chosen columns; 'wilson', 'ci' and 'diff_ci' are composed from their low/high columns."""
    headers = headers or {}
    rows = ["| " + " | ".join(headers.get(c, c) for c in columns) + " |",
            "| " + " | ".join("---" for _ in columns) + " |"]
    for row in frame.iter_rows(named=True):
        rows.append("| " + " | ".join(cell(row, c) for c in columns) + " |")
    return "\n".join(rows)


def cell(row: dict, column: str) -> str:
    if column in INTERVAL_COLUMNS:
        low, high, signed = INTERVAL_COLUMNS[column]
        return interval(row.get(low), row.get(high), signed)
    value = row.get(column)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        if column in ("mean_a", "mean_b", "chance") or column.startswith(("accuracy", "recall", "ndcg")):
            return f"{value:.3f}"
        if column in ("difference", "bias"):
            return f"{value:+.3f}"
        if column.endswith("_p") or column == "p_value":
            return f"{value:.3g}"
        if column in ("cost_usd", "mean_cost"):
            return f"{value:.5f}"
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"
    return str(value)


def interval(low, high, signed: bool = False) -> str:
    if low is None or high is None or (isinstance(low, float) and math.isnan(low)):
        return "-"
    fmt = "{:+.3f}" if signed else "{:.3f}"
    return f"[{fmt.format(low)}, {fmt.format(high)}]"


def listing(frame: pl.DataFrame, column: str) -> str:
    if column not in frame.columns:
        return "-"
    return ", ".join(str(v) for v in sorted(frame[column].drop_nulls().unique().to_list())) or "-"
