"""Cost and latency per solver and size; cost crossovers only where costs differ by more than a tolerance.

Latency is Inspect's per-sample working time (model generation and tools, without waiting for a
connection or rate-limit slot); total time, which includes that queueing, is shown beside it.
"""

from __future__ import annotations

import polars as pl

from memcurve.evals.analysis import plots, stats
from memcurve.evals.analysis.sections.base import Context, section
from memcurve.evals.analysis.sections.markdown import md_table


def _latency_column(frame: pl.DataFrame) -> str:
    if "working_s" in frame.columns and frame["working_s"].drop_nulls().len():
        return "working_s"
    return "latency_s"


@section("cost", order=60)
def cost_and_latency(ctx: Context) -> list[str]:
    sized, scored = ctx.sized, ctx.scored
    if sized.height == 0:
        return []
    out = ["### Cost and latency", ""]
    latency = _latency_column(sized)
    table = (sized.group_by("solver", "size")
             .agg(n=pl.len(), prompt_tokens=pl.col("prompt_tokens").mean(), input_tokens=pl.col("input_tokens").mean(),
                  output_tokens=pl.col("output_tokens").mean(), cost_usd=pl.col("cost_usd").mean(),
                  model_s_p50=pl.col(latency).median(), model_s_p95=pl.col(latency).quantile(0.95),
                  total_s_p50=pl.col("latency_s").median(), memory_tokens=pl.col("memory_tokens").mean())
             .sort("solver", "size"))
    out += ["Prompt tokens = everything the answer model read; input tokens = the part not served from a cache. "
            "model_s = Inspect's working time per sample (model time, no queueing); total_s includes waiting.", "",
            md_table(table, ["solver", "size", "n", "prompt_tokens", "input_tokens", "output_tokens", "cost_usd",
                             "model_s_p50", "model_s_p95", "total_s_p50", "memory_tokens"]), ""]
    priced = sized.filter(pl.col("cost_usd").is_not_nan() & (pl.col("cost_usd") > 0))
    cost_col, cost_label = ("cost_usd", "cost per question (USD)") if priced.height else \
        ("prompt_tokens", "prompt tokens per question")
    cost_path, cost_name = ctx.figure("cost")
    plots.save(plots.metric_by_size(sized, cost_col, cost_label, "Cost against history length", log_y=True,
                                    interval="mean ± 95% t interval over histories"), cost_path)
    lat_path, lat_name = ctx.figure("latency")
    plots.save(plots.metric_by_size(sized, latency, "model seconds per question", "Model time against history length",
                                    log_y=True, interval="median; bars: 25th-75th percentile", summary="median"),
               lat_path)
    out += [f"![cost]({cost_name}) ![latency]({lat_name})", ""]
    costed = sized.filter(pl.col(cost_col).is_not_null() & pl.col(cost_col).is_not_nan() & (pl.col(cost_col) > 0))
    if costed["size"].n_unique() >= 2 and costed["solver"].n_unique() >= 2:
        curves = stats.cost_curves(costed, cost=cost_col, cluster="persona_id", n_resamples=ctx.n_resamples,
                                   seed=ctx.seed)
        out += [f"Cost curves: mean {cost_col} per size, joined in log-log space; curves within "
                f"{stats.COST_TOLERANCE:.0%} of each other count as equal, so equal costs never make a crossover.",
                ""]
        out += [f"- {x.sentence}" for x in stats.pairwise_crossovers(curves)]
        out.append("")
    if priced.height:
        per_dollar = stats.accuracy_per_dollar(scored.filter(pl.col("cost_usd").is_not_nan()), by=["solver", "size"],
                                               n_resamples=min(ctx.n_resamples, 1000), seed=ctx.seed)
        out += ["#### Correct answers per dollar", "",
                md_table(per_dollar, ["solver", "size", "n", "accuracy", "mean_cost", "accuracy_per_dollar"]), ""]
    return out
