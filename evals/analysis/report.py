"""`memcurve report`: Inspect logs -> a markdown summary with intervals, crossovers, paired tests and figures.

The report answers the question users come with: where do the solvers' accuracy (and cost) curves
cross, and how sure are we? Every number comes with n and an interval; clustering follows
evals.analysis.stats (history within a size, persona across sizes, because histories are nested).
"""

from __future__ import annotations

import math
from itertools import combinations
from pathlib import Path

import polars as pl

from memcurve.evals.analysis import plots, stats
from memcurve.evals.analysis.results import read_results
from memcurve.evals.judge_audit.section import audit_frame, judge_section
from memcurve.errors import MemcurveError

MIN_CLUSTERS = 10  # fewer personas than this and bootstrap intervals over personas are too coarse to quote


def write_report(logs: list[Path], out_dir: Path, *, prices: str | Path | None = None,
                 n_resamples: int = 2000, seed: int = 0, force: bool = False) -> Path:
    """Read the logs and write report.md, the figures and samples.parquet into out_dir.

    Written atomically: built in a temporary folder and moved into place when complete; an existing
    non-empty out_dir is replaced only with `force`.
    """
    from memcurve.generators.store import atomic_folder, check_folder_target

    out_dir = Path(out_dir)
    check_folder_target(out_dir, force=force)  # before reading any log
    frame = read_results(logs, prices=prices)
    with atomic_folder(out_dir, force=force) as tmp:
        path = build_report(frame, tmp, n_resamples=n_resamples, seed=seed, judge_audit=audit_frame(logs))
    return out_dir / path.relative_to(tmp)


def build_report(frame: pl.DataFrame, out_dir: Path, *, n_resamples: int = 2000, seed: int = 0,
                 judge_audit: pl.DataFrame | None = None) -> Path:
    """Write the report for a results frame (see evals.analysis.results); returns the markdown path."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MemcurveError(f"{out_dir}: cannot create report folder ({exc.strerror})") from None
    frame = _label_solvers(frame)
    frame.write_parquet(out_dir / "samples.parquet")
    sized = frame.filter(pl.col("size").is_not_null()) if "size" in frame.columns else frame.clear()
    scored = sized.filter(pl.col("correct").is_not_null() & pl.col("correct").is_not_nan())

    lines = ["# memcurve report", ""]
    lines += _overview(frame)
    lines += _accuracy_tables(scored)
    lines += _curves_section(scored, out_dir, n_resamples, seed)
    lines += _paired_section(scored)
    lines += _cost_section(sized, scored, out_dir, n_resamples, seed)
    lines += _retrieval_section(sized, out_dir)
    lines += _agreement_section(sized)
    lines += judge_section(frame, judge_audit)
    path = out_dir / "report.md"
    path.write_text("\n".join(lines).rstrip() + "\n")
    return path


# ---------------------------------------------------------------- sections


def _label_solvers(frame: pl.DataFrame) -> pl.DataFrame:
    """Solver labels stay bare for one model; with several models each label names its model too."""
    frame = frame.with_columns(pl.col("solver").fill_null("unknown"))
    if frame["model"].n_unique() > 1:
        frame = frame.with_columns((pl.col("model") + " · " + pl.col("solver")).alias("solver"))
    return frame


def _overview(frame: pl.DataFrame) -> list[str]:
    def listing(col: str) -> str:
        if col not in frame.columns:
            return "-"
        return ", ".join(str(v) for v in sorted(frame[col].drop_nulls().unique().to_list())) or "-"

    def rate(col: str) -> str:
        values = frame[col].fill_nan(None).drop_nulls() if col in frame.columns else None
        return f"{values.mean():.1%}" if values is not None and values.len() else "-"

    unscored = frame.filter(pl.col("correct").is_null() | pl.col("correct").is_nan()).height
    return [
        "## Overview", "",
        f"- samples: {frame.height} from {frame['log'].n_unique()} log(s); unscored: {unscored}",
        f"- tasks: {listing('task')}",
        f"- models: {listing('model')}",
        f"- solvers: {listing('solver')}",
        f"- history sizes (conversations): {listing('size')}",
        f"- categories: {listing('category')}",
        f"- context overflow rate: {rate('overflow')}; truncation rate: {rate('truncated')}",
        f"- samples with errors: {frame.filter(pl.col('error').is_not_null()).height}",
        "",
        "Accuracy cells show n (questions), accuracy, the Wilson 95% interval (questions independent) and the "
        "clustered 95% interval (questions of one history correlated).", "",
    ]


def _accuracy_tables(scored: pl.DataFrame) -> list[str]:
    if scored.height == 0:
        return ["## Accuracy", "", "No scored samples.", ""]
    out = ["## Accuracy", ""]
    for title, by in (("by solver", ["solver"]), ("by solver and history size", ["solver", "size"]),
                      ("by solver and category", ["solver", "category"]),
                      ("by solver, category and history size", ["solver", "category", "size"])):
        table = stats.summarise(scored, by=by, cluster="history_id")
        out += [f"### Accuracy {title}", "", _md_table(table, by + ["n", "accuracy", "wilson", "clustered"]), ""]
    return out


def _curves_section(scored: pl.DataFrame, out_dir: Path, n_resamples: int, seed: int) -> list[str]:
    out = ["## Transition curves and crossovers", ""]
    if scored["size"].n_unique() < 2:
        return out + ["Only one history size was measured: no curve can be fitted.", ""]
    curves = stats.accuracy_curves(scored, cluster="persona_id", n_resamples=n_resamples, seed=seed)
    crossings = stats.pairwise_crossovers(curves)
    cells = stats.summarise(scored, by=["solver", "size"], cluster="history_id")
    plots.save(plots.transition_curves(curves, cells, crossings), out_dir / "transition_curves.png")
    out += ["![accuracy against history length](transition_curves.png)", "",
            f"Logistic fits of correctness on log(size) per solver; bands and crossover intervals from "
            f"{n_resamples} cluster-bootstrap resamples of personas (seed {seed}).", ""]
    out += [f"- {x.sentence}" for x in crossings] or ["- Only one solver: no crossover to estimate."]
    personas = scored["persona_id"].n_unique()
    if personas < MIN_CLUSTERS:
        out += ["", f"Caution: only {personas} persona(s) to resample, so the bootstrap has few distinct resamples "
                    f"and these bands and intervals are rough; generate at least {MIN_CLUSTERS} personas for "
                    f"intervals you can quote."]
    return out + [""]


def _paired_section(scored: pl.DataFrame) -> list[str]:
    solvers = sorted(scored["solver"].unique().to_list())
    out = ["## Paired comparisons", ""]
    if len(solvers) < 2:
        return out + ["Only one solver: nothing to compare.", ""]
    out.append("Same questions over the same histories; difference = A - B with a clustered 95% interval; "
               "McNemar's exact test on the discordant pairs.")
    out.append("")
    for a, b in combinations(solvers, 2):
        overall = stats.compare_solvers(scored, a, b, cluster="persona_id")
        by_size = stats.compare_solvers(scored, a, b, by=["size"], cluster="history_id")
        if overall.height == 0:
            out += [f"### {a} vs {b}", "", "No questions answered by both.", ""]
            continue
        table = pl.concat([overall, by_size], how="diagonal_relaxed")  # the pooled row has no size
        out += [f"### {a} vs {b}", "",
                _md_table(table, ["size", "n", "mean_a", "mean_b", "difference", "diff_ci", "a_only", "b_only",
                                  "mcnemar_p"]),
                "", "(size blank = all sizes pooled, clustered by persona)", ""]
    return out


def _cost_section(sized: pl.DataFrame, scored: pl.DataFrame, out_dir: Path, n_resamples: int, seed: int) -> list[str]:
    out = ["## Cost and latency", ""]
    if sized.height == 0:
        return out + ["No samples with a history size.", ""]
    table = (sized.group_by("solver", "size")
             .agg(n=pl.len(), prompt_tokens=pl.col("prompt_tokens").mean(), input_tokens=pl.col("input_tokens").mean(),
                  output_tokens=pl.col("output_tokens").mean(),
                  cost_usd=pl.col("cost_usd").mean(), latency_p50=pl.col("latency_s").median(),
                  latency_p95=pl.col("latency_s").quantile(0.95), memory_tokens=pl.col("memory_tokens").mean())
             .sort("solver", "size"))
    out += ["Prompt tokens = everything the answer model read; input tokens = the part not served from a cache.", "",
            _md_table(table, ["solver", "size", "n", "prompt_tokens", "input_tokens", "output_tokens", "cost_usd",
                              "latency_p50", "latency_p95", "memory_tokens"]), ""]
    priced = sized.filter(pl.col("cost_usd").is_not_nan() & (pl.col("cost_usd") > 0))
    cost_col, cost_label = ("cost_usd", "cost per question (USD)") if priced.height else \
        ("prompt_tokens", "prompt tokens per question (no prices: local or unknown model)")
    plots.save(plots.metric_by_size(sized, cost_col, cost_label, "Cost against history length", log_y=True),
               out_dir / "cost.png")
    plots.save(plots.metric_by_size(sized, "latency_s", "seconds per question", "Latency against history length",
                                    log_y=True), out_dir / "latency.png")
    out += ["![cost](cost.png) ![latency](latency.png)", ""]
    costed = scored.filter(pl.col(cost_col).is_not_null() & pl.col(cost_col).is_not_nan() & (pl.col(cost_col) > 0))
    if costed["size"].n_unique() >= 2 and costed["solver"].n_unique() >= 2:
        curves = stats.cost_curves(costed, cost=cost_col, cluster="persona_id", n_resamples=n_resamples, seed=seed)
        out += [f"- {x.sentence}" for x in stats.pairwise_crossovers(curves)]
        out.append("")
    if priced.height:
        per_dollar = stats.accuracy_per_dollar(scored.filter(pl.col("cost_usd").is_not_nan()), by=["solver", "size"],
                                               n_resamples=min(n_resamples, 1000), seed=seed)
        out += ["### Correct answers per dollar", "",
                _md_table(per_dollar, ["solver", "size", "n", "accuracy", "mean_cost", "accuracy_per_dollar"]), ""]
    return out


def _retrieval_section(sized: pl.DataFrame, out_dir: Path) -> list[str]:
    recall_cols = [c for c in sized.columns if c.startswith(("recall_any@", "recall_all@", "ndcg@"))]
    with_values = [c for c in recall_cols if sized[c].fill_nan(None).drop_nulls().len()]
    if not with_values:
        return []
    table = (sized.group_by("solver", "size").agg(*[pl.col(c).fill_nan(None).mean() for c in with_values])
             .drop_nulls(with_values[0]).sort("solver", "size"))
    main = next((c for c in with_values if c.startswith("recall_any@")), with_values[0])
    plots.save(plots.metric_by_size(sized, main, main, "Retrieval recall against history length"),
               out_dir / "retrieval_recall.png")
    return ["## Retrieval", "", "Evidence recall of the context each solver selected (abstention questions excluded).",
            "", _md_table(table, ["solver", "size", *with_values]), "",
            "![retrieval recall](retrieval_recall.png)", ""]


def _agreement_section(sized: pl.DataFrame) -> list[str]:
    if not {"judge", "answer_check"} <= set(sized.columns):
        return []
    both = sized.filter(pl.col("judge").is_not_nan() & pl.col("answer_check").is_not_nan())
    if both.height == 0:
        return []
    agree = (both["judge"] == both["answer_check"]).mean()
    return ["## Judge agreement", "",
            f"The LLM judge and the deterministic check agree on {agree:.1%} of {both.height} samples scored by both.", ""]


# ---------------------------------------------------------------- markdown


def _md_table(frame: pl.DataFrame, columns: list[str]) -> str:
    """Render chosen columns; 'wilson', 'clustered' and 'diff_ci' are composed interval columns."""
    header = "| " + " | ".join(columns) + " |"
    rule = "| " + " | ".join("---" for _ in columns) + " |"
    rows = [header, rule]
    for row in frame.iter_rows(named=True):
        rows.append("| " + " | ".join(_cell(row, c) for c in columns) + " |")
    return "\n".join(rows)


def _cell(row: dict, column: str) -> str:
    if column == "wilson":
        return _interval(row.get("wilson_low"), row.get("wilson_high"))
    if column == "clustered":
        return _interval(row.get("ci_low"), row.get("ci_high"))
    if column == "diff_ci":
        return _interval(row.get("ci_low"), row.get("ci_high"), signed=True)
    value = row.get(column)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        if column in ("accuracy", "mean_a", "mean_b") or column.startswith(("recall", "ndcg")):
            return f"{value:.3f}"
        if column == "difference":
            return f"{value:+.3f}"
        if column == "mcnemar_p":
            return f"{value:.3g}"
        if column in ("cost_usd", "mean_cost"):
            return f"{value:.5f}"
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"
    return str(value)


def _interval(low, high, signed: bool = False) -> str:
    if low is None or high is None or (isinstance(low, float) and math.isnan(low)):
        return "-"
    fmt = "{:+.3f}" if signed else "{:.3f}"
    return f"[{fmt.format(low)}, {fmt.format(high)}]"
