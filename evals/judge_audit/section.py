"""The report's judge section: a judged headline beside its judge's measured false-positive rate, and the
judge-audit tables when audit logs are among the report's inputs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from memcurve.errors import MemcurveError
from memcurve.evals.judge_audit.rates import audit_markdown, false_positive_rates, read_audit
from memcurve.evals.scorers.headline import is_judged


def audit_frame(logs: Iterable[str | Path]) -> pl.DataFrame | None:
    """The judge-audit rows of the logs, or None when none of them is a judge-audit run."""
    try:
        return read_audit(logs)
    except MemcurveError:
        return None


def judge_section(frame: pl.DataFrame, audit: pl.DataFrame | None) -> list[str]:
    """How much of the headline a grader decided, and how often that grader is fooled (if measured)."""
    if "headline_from" not in frame.columns or frame.height == 0:
        return []
    judged = frame.filter(pl.col("headline_from").map_elements(is_judged, return_dtype=pl.Boolean)
                          & pl.col("correct").is_not_null() & pl.col("correct").is_not_nan())
    lines = ["## Where the headline comes from", ""]
    for (source,), sub in sorted(frame.group_by(["headline_from"]), key=lambda kv: str(kv[0][0])):
        lines.append(f"- `{source}`: {sub.height} samples" + (" (graded by a judge model)" if is_judged(source) else
                                                               " (deterministic)"))
    if judged.height:
        fpr = false_positive_rates(audit) if audit is not None else {}
        lines += ["", "| grader | judged samples | judged accuracy | judge's measured FPR (strict prompt) |",
                  "|---|---:|---:|---:|"]
        for (grader,), sub in sorted(judged.group_by(["grader_model"]), key=lambda kv: str(kv[0][0])):
            rate = fpr.get((grader, "strict"))
            shown = "not measured: run `inspect eval tasks/judge_audit.py --model-role grader=" + str(grader) + "`" \
                if rate is None else f"{100 * rate:.1f}%"
            lines.append(f"| {grader} | {sub.height} | {100 * sub['correct'].mean():.1f}% | {shown} |")
    lines.append("")
    if audit is not None:
        lines += [audit_markdown(audit)]
    return lines
