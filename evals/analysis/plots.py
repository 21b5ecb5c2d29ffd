"""Figures for reports and notebooks: curves against history length on a log axis.

Each function draws on a fresh matplotlib figure and returns it; `save` writes it as PNG. Conventions,
so a figure can go into a paper as is: the Okabe-Ito colour-blind-safe palette with a distinct marker
and line style per solver (readable in greyscale), every error bar and band named in the legend or
caption with the interval it shows, crossover marks and labels kept inside the axes, and axis labels
that fit (tight layout). Inputs are the frames and curves of evals.analysis.stats, so notebooks can
call the same functions on their own data.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt  # headless machines fall back to Agg; notebooks keep their inline backend
import numpy as np
import polars as pl
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator
from scipy import stats as sps

from memcurve.evals.analysis.stats import Crossover, Curve, EffectiveLength

SIZE_LABEL = "history length (conversations, log scale)"
# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)))
CELL_INTERVAL = "95% CI: Clopper-Pearson on n/design effect"


def styles(names) -> dict[str, dict]:
    """A fixed colour, marker and line style per name (sorted), the same in every figure of a report."""
    return {name: {"color": PALETTE[i % len(PALETTE)], "marker": MARKERS[i % len(MARKERS)],
                   "linestyle": LINES[i % len(LINES)]} for i, name in enumerate(sorted(names))}


def _size_axis(ax, label: str = SIZE_LABEL) -> None:
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 3.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel(label)
    ax.grid(True, which="major", alpha=0.3)


def _legend(ax, title: str | None = None) -> None:
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, title=title,
                  title_fontsize=7.5, frameon=False)


def transition_curves(curves: dict[str, Curve], cells: pl.DataFrame | None = None,
                      crossovers: list[Crossover] = (), title: str = "Accuracy against history length",
                      xlabel: str = SIZE_LABEL) -> Figure:
    """Fitted curves (model named) with their bands, measured cells with their 95% CIs, crossovers marked."""
    fig, ax = plt.subplots(figsize=(8.2, 4.6))
    names = sorted(set(curves) | (set(cells["solver"].unique().to_list()) if cells is not None else set()))
    style = styles(names)
    any_band = False
    for name in sorted(curves):
        curve, st = curves[name], style[name]
        ok = np.isfinite(curve.estimate)
        ax.plot(curve.grid[ok], curve.estimate[ok], color=st["color"], linestyle=st["linestyle"], linewidth=1.6,
                label=f"{name}: {curve.model} fit")
        if curve.has_band:
            any_band = True
            ax.fill_between(curve.grid[ok], curve.low[ok], curve.high[ok], color=st["color"], alpha=0.15,
                            linewidth=0, hatch=None)
            ax.plot(curve.grid[ok], curve.low[ok], color=st["color"], linestyle=st["linestyle"], linewidth=0.5,
                    alpha=0.6)
            ax.plot(curve.grid[ok], curve.high[ok], color=st["color"], linestyle=st["linestyle"], linewidth=0.5,
                    alpha=0.6)
    if cells is not None and cells.height:
        cell_names = sorted(cells["solver"].unique().to_list())
        for i, name in enumerate(cell_names):
            part = cells.filter(pl.col("solver") == name).sort("size")
            dodge = 1 + 0.04 * (i - (len(cell_names) - 1) / 2)  # side by side on the log axis
            acc = part["accuracy"].to_numpy()
            err = np.vstack([acc - part["ci_low"].to_numpy(), part["ci_high"].to_numpy() - acc])
            err = np.nan_to_num(err, nan=0.0).clip(0)
            st = style[name]
            ax.errorbar(part["size"].to_numpy() * dodge, acc, yerr=err, fmt=st["marker"], ms=5, capsize=2.5,
                        color=st["color"], markerfacecolor="white", markeredgewidth=1.2, elinewidth=1,
                        label=f"{name}: measured")
    found = [x for x in crossovers if x.size is not None and x.kind == "accuracy"]
    lo, hi = ax.get_xlim() if not curves else (min(c.grid[0] for c in curves.values()),
                                              max(c.grid[-1] for c in curves.values()))
    for i, x in enumerate(found):
        reliable = x.found
        ax.axvline(x.size, color="black", linestyle="--" if reliable else ":", linewidth=1)
        if reliable and x.low is not None:
            ax.axvspan(max(x.low, lo), min(x.high, hi), color="grey", alpha=0.12, linewidth=0)
        at = f"{x.size:,.0f}" if x.size >= 1000 else f"{x.size:.3g}"
        why = "" if reliable else " (no interval)" if x.share_crossing != x.share_crossing else " (not reliable)"
        label = f"{x.a} = {x.b}\n@ {at}{why}"
        right_half = np.log(x.size) > (np.log(lo) + np.log(hi)) / 2
        ax.annotate(label, (x.size, 0.05 + 0.11 * i), xycoords=("data", "axes fraction"), fontsize=7,
                    ha="right" if right_half else "left", xytext=(-3 if right_half else 3, 0),
                    textcoords="offset points", annotation_clip=True,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
    _size_axis(ax, xlabel)
    ax.set_xlim(lo / 1.15, hi * 1.15)
    ax.set_ylim(-0.02, 1.04)
    ax.set_ylabel("accuracy")
    ax.set_title(title, fontsize=10)
    band = "bands: 95% bootstrap-t over personas" if any_band else "no bands: too few personas to resample"
    _legend(ax, title=f"error bars: {CELL_INTERVAL}\n{band}")
    fig.tight_layout()
    return fig


def metric_by_size(frame: pl.DataFrame, value: str, ylabel: str, title: str, *, log_y: bool = False,
                   interval: str = "mean ± 95% t interval over histories", summary: str = "mean",
                   labels: dict[str, str] | None = None) -> Figure:
    """Per solver and size: the mean (or median) of ``value`` with its interval, e.g. cost, latency or recall.

    ``summary="mean"`` draws a t interval over histories (each history's mean is one observation);
    ``summary="median"`` draws the 25th-75th percentile range. The legend title says which.
    """
    fig, ax = plt.subplots(figsize=(8.2, 4.6))
    data = frame.filter(pl.col(value).is_not_null() & pl.col(value).is_not_nan())
    names = sorted(data["solver"].unique().to_list()) if data.height else []
    style = styles(names)
    for i, name in enumerate(names):
        part = data.filter(pl.col("solver") == name)
        rows = []
        for (size,), cell in sorted(part.partition_by(["size"], as_dict=True).items()):
            v = cell[value].cast(pl.Float64).to_numpy()
            if summary == "median":
                mid, low, high = np.median(v), np.quantile(v, 0.25), np.quantile(v, 0.75)
            else:
                per = (cell.group_by("history_id").agg(pl.col(value).mean())[value].to_numpy()
                       if "history_id" in cell.columns else v)
                mid = v.mean()
                if per.size > 1:
                    half = sps.t.ppf(0.975, per.size - 1) * per.std(ddof=1) / np.sqrt(per.size)
                    low, high = mid - half, mid + half
                else:
                    low = high = np.nan
                if log_y:
                    low = max(low, mid * 0.5) if low == low else low
            rows.append((size, mid, low, high))
        size, mid, low, high = (np.array(col, dtype=float) for col in zip(*rows))
        err = np.nan_to_num(np.vstack([mid - low, high - mid]), nan=0.0).clip(0)
        dodge = 1 + 0.04 * (i - (len(names) - 1) / 2)
        st = style[name]
        ax.errorbar(size * dodge, mid, yerr=err, marker=st["marker"], linestyle=st["linestyle"], color=st["color"],
                    ms=5, capsize=2.5, markerfacecolor="white", markeredgewidth=1.2,
                    label=(labels or {}).get(name, name))
    _size_axis(ax)
    if log_y:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    _legend(ax, title=interval)
    fig.tight_layout()
    return fig


def effective_lengths(lengths: list[EffectiveLength], unit: str = "conversations") -> Figure:
    """Effective length per solver (NoLiMa) with its interval; censored values drawn as arrows."""
    fig, ax = plt.subplots(figsize=(8.2, 0.9 + 0.55 * max(len(lengths), 1)))
    style = styles([e.label for e in lengths])
    for i, e in enumerate(lengths):
        st = style[e.label]
        if e.low is not None:
            ax.plot([e.low, e.high], [i, i], color=st["color"], linewidth=2.5, alpha=0.5,
                    solid_capstyle="butt")
        ax.plot([e.size], [i], marker=">" if e.censored else st["marker"], color=st["color"], ms=8,
                markerfacecolor="white" if not e.censored else st["color"], markeredgewidth=1.4)
    ax.set_yticks(range(len(lengths)), [e.label for e in lengths], fontsize=8)
    ax.set_ylim(-0.7, len(lengths) - 0.3)
    share = lengths[0].share if lengths else 0.85
    _size_axis(ax, f"effective length ({unit}, log scale)")
    ax.set_title(f"Longest history keeping {share:.0%} of short-history accuracy "
                 f"(bars: 95% CI, cluster-bootstrap percentile, t-stretched; ▶ = beyond the longest measured)", fontsize=9)
    fig.tight_layout()
    return fig


def save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)
    return path
