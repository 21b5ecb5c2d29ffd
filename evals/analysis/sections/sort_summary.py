"""SORT (sequence order recall): accuracy against chance, by excerpt length and distance bin, position bias.

SORT asks which of two segments came first, so chance is 0.5. Questions drawn from one excerpt share
its text, so intervals cluster by excerpt (source, excerpt length, excerpt index). Position bias is the
accuracy when the right answer is shown first (A) minus when it is shown second (B): a model that
prefers one label scores well on one side only.
"""

from __future__ import annotations

import math

import polars as pl
from scipy import stats as sps

from memcurve.evals.analysis import stats
from memcurve.evals.analysis.sections.base import Context, section
from memcurve.evals.analysis.sections.markdown import md_table

CHANCE = 0.5
HEADERS = {"ci": "95% CI", "n_clusters": "excerpts", "p_value": "p (vs chance)", "diff_ci": "95% CI"}


def is_sort(frame: pl.DataFrame) -> bool:
    return "excerpt_length" in frame.columns and frame["excerpt_length"].drop_nulls().len() > 0


def _scored(ctx: Context) -> pl.DataFrame:
    ok = ctx.ok.filter(pl.col("excerpt_length").is_not_null())
    ok = ok.filter(pl.col("correct").is_not_null() & pl.col("correct").is_not_nan())
    return ok.with_columns(pl.concat_str([pl.col("source").fill_null(""), pl.col("excerpt_length").cast(pl.Utf8),
                                          pl.col("excerpt_idx").cast(pl.Utf8)], separator=":").alias("excerpt"),
                           pl.col("condition").fill_null("-"))


def _table(data: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    table = stats.summarise(data, by=by, cluster="excerpt")
    k = (table["accuracy"] * table["n"]).round().cast(pl.Int64).to_list()
    p = [float(sps.binomtest(int(ki), int(ni), CHANCE).pvalue) for ki, ni in zip(k, table["n"].to_list())]
    return table.with_columns(pl.Series("p_value", p), pl.lit(CHANCE).alias("chance"))


def _bias(data: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for (condition,), part in sorted(data.partition_by(["condition"], as_dict=True).items()):
        first = part.filter(pl.col("present_seg1_first"))["correct"].to_numpy()
        second = part.filter(~pl.col("present_seg1_first"))["correct"].to_numpy()
        if first.size == 0 or second.size == 0:
            continue
        p1, p2 = first.mean(), second.mean()
        l1, u1 = stats.clopper_pearson(p1 * first.size, first.size)
        l2, u2 = stats.clopper_pearson(p2 * second.size, second.size)
        d = p1 - p2  # Newcombe's square-and-add interval for two independent proportions
        rows.append({"condition": condition, "n_a": first.size, "accuracy_a": p1, "n_b": second.size,
                     "accuracy_b": p2, "bias": d, "ci_low": max(-1.0, d - math.hypot(p1 - l1, u2 - p2)),
                     "ci_high": min(1.0, d + math.hypot(u1 - p1, p2 - l2))})
    return pl.DataFrame(rows)


@section("sort_summary", order=40)
def sort_summary(ctx: Context) -> list[str]:
    if not is_sort(ctx.frame):
        return []
    data = _scored(ctx)
    if data.height == 0:
        return ["### SORT", "", "No scored SORT samples.", ""]
    cols = ["n", "n_clusters", "accuracy", "ci", "chance", "p_value"]
    out = ["### SORT: sequence order recall", "",
           f"Chance is {CHANCE:.0%}. Intervals: Clopper-Pearson on n / design effect, clustered by excerpt; the "
           "p-value is an exact binomial test against chance treating questions as independent.", ""]
    for title, by in (("by condition", ["condition"]), ("by condition and excerpt length", ["condition", "excerpt_length"]),
                      ("by condition and distance bin (words between segments)", ["condition", "distance_bin"])):
        if any(c not in data.columns for c in by):
            continue
        out += [f"#### Accuracy {title}", "", md_table(_table(data, by), by + cols, HEADERS), ""]
    bias = _bias(data)
    if bias.height:
        out += ["#### Position bias", "",
                "accuracy_a: the earlier segment shown as A (answer A); accuracy_b: shown as B. bias = a - b with "
                "Newcombe's square-and-add 95% interval; near 0 means no preference for a label.", "",
                md_table(bias, ["condition", "n_a", "accuracy_a", "n_b", "accuracy_b", "bias", "diff_ci"], HEADERS), ""]
    return out



