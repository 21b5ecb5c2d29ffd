"""Retrieval: evidence recall of each retrieving solver at its own k (the number of units it kept)."""

from __future__ import annotations

import math
import re

import polars as pl

from memcurve.evals.analysis import plots
from memcurve.evals.analysis.sections.base import Context, section
from memcurve.evals.analysis.sections.markdown import md_table


def recall_at_own_k(frame: pl.DataFrame) -> pl.DataFrame:
    """Adds recall_any_own_k / recall_all_own_k / own_k: each row's metric at its solver's k (the largest
    measured cut-off not above k when k itself was not scored); null for solvers that do not retrieve."""
    cutoffs = sorted({int(m.group(1)) for c in frame.columns if (m := re.fullmatch(r"recall_any@(\d+)", c))})
    if not cutoffs:
        return frame
    ks = frame["k"].to_list() if "k" in frame.columns else [None] * frame.height
    rows = frame.select([f"recall_any@{k}" for k in cutoffs] + [f"recall_all@{k}" for k in cutoffs
                                                                 if f"recall_all@{k}" in frame.columns])
    any_v, all_v, own = [], [], []
    for k, row in zip(ks, rows.iter_rows(named=True)):
        usable = [c for c in cutoffs if k is None or c <= k]
        usable = [c for c in usable if row[f"recall_any@{c}"] is not None and not math.isnan(row[f"recall_any@{c}"])]
        if not usable:
            any_v.append(None), all_v.append(None), own.append(None)
            continue
        c = max(usable)
        any_v.append(row[f"recall_any@{c}"])
        all_v.append(row.get(f"recall_all@{c}"))
        own.append(c)
    return frame.with_columns(pl.Series("recall_any_own_k", any_v, dtype=pl.Float64),
                              pl.Series("recall_all_own_k", all_v, dtype=pl.Float64),
                              pl.Series("own_k", own, dtype=pl.Int64))


@section("retrieval", order=70)
def retrieval(ctx: Context) -> list[str]:
    sized = recall_at_own_k(ctx.sized)
    if "recall_any_own_k" not in sized.columns:
        return []
    retrieving = sized.filter(pl.col("recall_any_own_k").is_not_null())
    if retrieving.height == 0:
        return []
    table = (retrieving.group_by("solver", "size")
             .agg(n=pl.len(), k=pl.col("own_k").max(), recall_any=pl.col("recall_any_own_k").mean(),
                  recall_all=pl.col("recall_all_own_k").mean())
             .sort("solver", "size"))
    path, name = ctx.figure("retrieval_recall")
    plots.save(plots.metric_by_size(retrieving, "recall_any_own_k", "evidence recall (any) at the solver's k",
                                    "Retrieval recall against history length",
                                    interval="mean ± 95% t interval over histories",
                                    labels={s: f"{s} (k={k})" for s, k in
                                            retrieving.group_by("solver").agg(pl.col("own_k").max()).iter_rows()}),
               path)
    return ["### Retrieval", "",
            "Evidence recall of the context each retrieving solver selected, at its own k (abstention questions "
            "and questions without evidence excluded).", "",
            md_table(table, ["solver", "size", "n", "k", "recall_any", "recall_all"]), "", f"![retrieval recall]({name})",
            ""]
