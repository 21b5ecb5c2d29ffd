"""Figures for reports and notebooks: curves against history size on a log axis.

Each function draws on a fresh matplotlib figure, labels its axes, adds a
legend and returns the figure; `save` writes it as PNG. Inputs are the frames and curves of
evals.analysis.stats, so notebooks can call the same functions on their own data.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt  # headless machines fall back to Agg; notebooks keep their inline backend
import numpy as np
import polars as pl
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator

from memcurve.evals.analysis.stats import Crossover, Curve

SIZE_LABEL = "history length (conversations, log scale)"


def _size_axis(ax, label: str = SIZE_LABEL) -> None:
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 3.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel(label)
    ax.grid(True, which="major", alpha=0.3)


def transition_curves(curves: dict[str, Curve], cells: pl.DataFrame | None = None,
                      crossovers: list[Crossover] = (), title: str = "Accuracy against history length") -> Figure:
    """Fitted accuracy curves with their bootstrap bands, measured cells with clustered CIs, crossovers marked."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    colors = {}
    for name in sorted(curves):
        curve = curves[name]
        line, = ax.plot(curve.grid, curve.estimate, label=f"{name} (fit)")
        colors[name] = line.get_color()
        ax.fill_between(curve.grid, curve.low, curve.high, color=line.get_color(), alpha=0.18, linewidth=0)
    if cells is not None and cells.height:
        names = sorted(cells["solver"].unique().to_list())
        for i, name in enumerate(names):
            part = cells.filter(pl.col("solver") == name).sort("size")
            dodge = 1 + 0.05 * (i - (len(names) - 1) / 2)  # side by side on the log axis, not on top of each other
            acc = part["accuracy"].to_numpy()
            bounds = np.vstack([acc - part["ci_low"].to_numpy(), part["ci_high"].to_numpy() - acc])
            err = np.nan_to_num(bounds, nan=0.0).clip(0)  # a cell with one cluster has no interval
            ax.errorbar(part["size"].to_numpy() * dodge, acc, yerr=err, fmt="o", ms=4, capsize=2,
                        color=colors.get(name), label=f"{name} (measured)")
    found = [x for x in crossovers if x.found and x.kind == "accuracy"]
    for i, x in enumerate(found):
        ax.axvline(x.size, color="black", linestyle="--", linewidth=1)
        if x.low is not None and x.high is not None and x.low == x.low:
            ax.axvspan(x.low, x.high, color="grey", alpha=0.12)
        ax.annotate(f"{x.a} = {x.b}\n@ {x.size:.3g}", (x.size, 0.04 + 0.09 * i), fontsize=8, ha="left")
    _size_axis(ax)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def metric_by_size(frame: pl.DataFrame, value: str, ylabel: str, title: str, *, log_y: bool = False) -> Figure:
    """Mean of `value` per solver and size (points joined by lines), e.g. cost, latency or recall."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    data = frame.filter(pl.col(value).is_not_null() & pl.col(value).is_not_nan())
    means = data.group_by("solver", "size").agg(pl.col(value).mean().alias("mean")).sort("solver", "size")
    for name in sorted(means["solver"].unique().to_list()):
        part = means.filter(pl.col("solver") == name)
        ax.plot(part["size"].to_numpy(), part["mean"].to_numpy(), marker="o", label=name)
    _size_axis(ax)
    if log_y:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if means.height:
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
