"""Where two solvers' curves cross, and how sure we are.

Both curve kinds are straight lines in a transformed space (logit accuracy or log cost against
log size), and those transforms are monotone, so the curves cross exactly where the lines do:
log s* = (a_B - a_A) / (b_A - b_B). We only report a crossover inside the size range both solvers
were measured on; extrapolating a logistic fit beyond the data is not evidence. The interval is
the percentile interval of s* over the bootstrap resamples whose lines also cross inside that
range, and ``share_crossing`` says how many did: a 40% share means the crossover itself is in doubt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from memcurve.evals.analysis.stats.curves import Curve
from memcurve.evals.analysis.stats.resample import StatsError, percentile_interval


@dataclass(frozen=True)
class Crossover:
    """The crossover of curve A and curve B (``kind`` accuracy or cost) within [range_low, range_high]."""

    a: str
    b: str
    kind: str
    found: bool
    size: float | None
    low: float | None
    high: float | None
    share_crossing: float
    range_low: float
    range_high: float
    level: float
    a_leads_below: bool  # A has the higher curve (more accurate / more expensive) at the small end
    sentence: str


def _intersection(coef_a: np.ndarray, coef_b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (coef_b[..., 0] - coef_a[..., 0]) / (coef_a[..., 1] - coef_b[..., 1])
    return np.where(np.isfinite(x), x, np.nan)


def _fmt(size: float) -> str:
    return f"{size:.3g}" if size < 1e4 else f"{size:,.0f}"


def crossover(a: Curve, b: Curve, unit: str = "conversations") -> Crossover:
    """Crossover of two curves fitted on the same resamples (one ``accuracy_curves``/``cost_curves`` call)."""
    if a.kind != b.kind:
        raise StatsError(f"cannot cross curves of different kinds: {a.kind} and {b.kind}")
    if a.resampling != b.resampling or a.boot is None or b.boot is None:
        raise StatsError(f"curves {a.label!r} and {b.label!r} were not fitted on the same bootstrap resamples")
    lo, hi = max(a.size_min, b.size_min), min(a.size_max, b.size_max)
    if lo >= hi:
        text = (f"No {a.kind} crossover can be estimated: {a.label} and {b.label} were not measured over a "
                f"common range of sizes.")
        return Crossover(a.label, b.label, a.kind, False, None, None, None, float("nan"), lo, hi, a.level,
                         bool(a.value(lo) > b.value(lo)), text)
    log_lo, log_hi = np.log(lo), np.log(hi)

    point = float(_intersection(np.array([a.intercept, a.slope]), np.array([b.intercept, b.slope])))
    found = bool(np.isfinite(point) and log_lo <= point <= log_hi)
    draws = _intersection(a.boot, b.boot)
    inside = np.isfinite(draws) & (draws >= log_lo) & (draws <= log_hi)
    valid = np.isfinite(a.boot).all(1) & np.isfinite(b.boot).all(1)
    share = float(inside.sum() / max(valid.sum(), 1))

    size = low = high = None
    if found:
        size = float(np.exp(point))
        if inside.any():
            ql, qh = percentile_interval(np.exp(draws[inside]), a.level)
            low, high = float(ql), float(qh)
        else:
            low = high = float("nan")
    a_leads = bool(a.value(lo) > b.value(lo))
    verb = "more accurate" if a.kind == "accuracy" else "more expensive per question"
    pct = round(a.level * 100)
    span = f"{_fmt(lo)}-{_fmt(hi)} {unit}"
    first, second = (a.label, b.label) if a_leads else (b.label, a.label)
    if found:
        text = (f"{a.label} and {b.label} {a.kind} curves cross at {_fmt(size)} {unit} "
                f"({pct}% CI {_fmt(low)}-{_fmt(high)}): {first} is {verb} below it, {second} above; "
                f"{share:.0%} of bootstrap resamples cross within {span}.")
    else:
        text = (f"No {a.kind} crossover within the measured range {span}: {first} stays {verb} than "
                f"{second} ({share:.0%} of bootstrap resamples cross).")
    return Crossover(a.label, b.label, a.kind, found, size, low, high, share, lo, hi, a.level, a_leads, text)


def pairwise_crossovers(curves: dict[str, Curve], unit: str = "conversations") -> list[Crossover]:
    """Crossovers for every pair of solvers, in sorted name order."""
    names = sorted(curves)
    return [crossover(curves[x], curves[y], unit) for i, x in enumerate(names) for y in names[i + 1:]]


def crossovers_to_frame(crossovers: list[Crossover]) -> pl.DataFrame:
    """One row per crossover (for the report table); ``size``/``low``/``high`` are null when not found."""
    columns = ["a", "b", "kind", "found", "size", "low", "high", "share_crossing", "range_low", "range_high",
               "level", "a_leads_below", "sentence"]
    return pl.DataFrame([{c: getattr(x, c) for c in columns} for x in crossovers],
                        schema={"a": pl.Utf8, "b": pl.Utf8, "kind": pl.Utf8, "found": pl.Boolean,
                                "size": pl.Float64, "low": pl.Float64, "high": pl.Float64,
                                "share_crossing": pl.Float64, "range_low": pl.Float64, "range_high": pl.Float64,
                                "level": pl.Float64, "a_leads_below": pl.Boolean, "sentence": pl.Utf8})
