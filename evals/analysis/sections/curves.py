"""Transition curves against conversations and tokens, their fit check, crossovers and effective length."""

from __future__ import annotations

import numpy as np
import polars as pl

from memcurve.evals.analysis import plots, stats
from memcurve.evals.analysis.sections.base import Context, section
from memcurve.evals.analysis.sections.markdown import md_table

AXES = (("size", "conversations", "history length (conversations, log scale)", ""),
        ("tokens_bin", "tokens", "history length (tokens, log scale)", "_tokens"))


def _with_token_bins(scored: pl.DataFrame) -> pl.DataFrame:
    if "history_tokens" not in scored.columns or scored["history_tokens"].null_count() or \
            (scored["history_tokens"].cast(pl.Float64) <= 0).any():
        return scored
    return scored.with_columns(pl.Series("tokens_bin", stats.log_bins(scored["history_tokens"])))


def _fit_table(curves: dict[str, stats.Curve]) -> str:
    rows = [{"solver": name, "model": c.model, "logistic deviance": c.fit_check.deviance,
             "dispersion": c.fit_check.dispersion, "df": c.fit_check.df, "lack-of-fit p": c.fit_check.p_value,
             "logistic max gap": c.fit_check.logistic_max_gap, "chosen max gap": c.fit_check.max_gap}
            for name, c in sorted(curves.items())]
    return md_table(pl.DataFrame(rows), list(rows[0]))


@section("curves", order=30)
def transition_curves(ctx: Context) -> list[str]:
    scored = ctx.scored
    if scored.height == 0:
        return []
    out = ["### Transition curves and crossovers", ""]
    if scored["size"].n_unique() < 2:
        return out + ["Only one history size was measured: no curve can be fitted.", ""]
    scored = _with_token_bins(scored)
    cells = stats.summarise(scored, by=["solver", "size"], cluster="history_id")
    personas = scored["persona_id"].n_unique()
    out += [f"Per solver, a logistic fit of correctness on log(length) when it fits the measured rates, else a "
            f"monotone (isotonic) fit: the logistic is rejected when its deviance, divided by the clustering's "
            f"dispersion, gives a chi-square lack-of-fit p < {stats.FIT_ALPHA}. Bands: bootstrap-t on the logit "
            f"scale over {ctx.n_resamples} resamples of personas (seed {ctx.seed}), drawn only with at least "
            f"{stats.MIN_CLUSTERS} personas. Crossovers are reported when the fitted curves cross and at least "
            f"{stats.RELIABLE_SHARE:.0%} of resamples cross too; their interval is the "
            f"{stats.INTERVAL_METHOD} interval of the crossing resamples. Error bars on measured points: the "
            f"per-cell 95% interval of the accuracy table.", ""]
    if personas < stats.MIN_CLUSTERS:
        out += [f"Only {personas} persona(s): no bands and no crossover intervals (a cluster bootstrap needs at "
                f"least {stats.MIN_CLUSTERS}); fitted crossings are shown as points only.", ""]
    for column, unit, label, suffix in AXES:
        if column not in scored.columns:
            continue
        curves = stats.accuracy_curves(scored, size=column, cluster="persona_id", n_resamples=ctx.n_resamples,
                                       seed=ctx.seed)
        crossings = stats.pairwise_crossovers(curves, unit=unit)
        points = cells if column == "size" else stats.summarise(scored.with_columns(pl.col(column).alias("size")),
                                                               by=["solver", "size"], cluster="history_id")
        path, name = ctx.figure(f"transition_curves{suffix}")
        plots.save(plots.transition_curves(curves, points, crossings, xlabel=label,
                                           title=f"Accuracy against history length ({unit})"), path)
        out += [f"#### Against {unit}", "", f"![accuracy against history length in {unit}]({name})", "",
                "Fit check (the model chosen per solver; gaps are |fit - measured rate| at the measured lengths):",
                "", _fit_table(curves), ""]
        out += [f"- {x.sentence}" for x in crossings] or ["- Only one solver: no crossover to estimate."]
        out.append("")
        lengths = [stats.effective_length(curves[n], unit=unit) for n in sorted(curves)]
        out += ["Effective length (NoLiMa: the longest history at which a solver keeps "
                f"{stats.NOLIMA_SHARE:.0%} of its accuracy at the shortest measured history):", ""]
        out += [f"- {e.sentence}" for e in lengths]
        if column == "size":
            path, name = ctx.figure("effective_length")
            plots.save(plots.effective_lengths(lengths, unit=unit), path)
            out += ["", f"![effective length]({name})"]
        out.append("")
    return out
