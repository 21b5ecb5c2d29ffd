"""Where two solvers' curves cross, and how sure we are; and how long a solver keeps its accuracy.

Crossover: both curves are evaluated on one shared grid of sizes, for the data and for every bootstrap
resample. Curves cross when the solver ahead at the short end of the common measured range is behind at
the long end; the crossing point is where their difference changes sign (linear in log size). Points
where the curves are within ``tolerance`` count as ties, not leads: for costs the tolerance is
``COST_TOLERANCE`` (5% relative), so two solvers that read the same prompt at small sizes do not "cross"
there. A crossover is reported only when the fitted curves cross and at least ``RELIABLE_SHARE`` (95%)
of the resamples cross too; otherwise the report says "no reliable crossover: x% of resamples cross".
Its interval is the equal-tailed percentile interval of the crossing points of the crossing resamples,
each side stretched by max(t(C-1)/z * sqrt(C/(C-1)), 1.2) (method "cluster-bootstrap percentile,
t-stretched"; see widened_percentile). With fewer clusters than a bootstrap needs, only the point is
given, said to have no interval.

Effective length (NoLiMa, Modarressi et al. 2025): the longest history at which a solver keeps
``share`` (default 85%) of its accuracy at the shortest measured history; censored at the longest
measured size when the curve never falls that far.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from memcurve.evals.analysis.stats.curves import Curve
from memcurve.evals.analysis.stats.resample import StatsError, percentile_interval

RELIABLE_SHARE = 0.95
COST_TOLERANCE = 0.05
NOLIMA_SHARE = 0.85
INTERVAL_METHOD = "cluster-bootstrap percentile, t-stretched"
MIN_STRETCH = 1.2  # calibrated by the coverage simulation, see widened_percentile


@dataclass(frozen=True)
class Crossover:
    """The crossover of curve A and curve B (``kind`` accuracy or cost) within [range_low, range_high]."""

    a: str
    b: str
    kind: str
    found: bool  # the fitted curves cross and (when resamples exist) enough resamples do too
    size: float | None
    low: float | None
    high: float | None
    share_crossing: float  # NaN without resamples
    range_low: float
    range_high: float
    level: float
    a_leads_below: bool  # A has the higher curve (more accurate / more expensive) at the small end
    sentence: str
    method: str = INTERVAL_METHOD
    point_crosses: bool = False  # the fitted curves cross, reliable or not


def widened_percentile(log_draws: np.ndarray, log_point: float, level: float, n_clusters: int, log_lo: float,
                       log_hi: float) -> tuple[float, float]:
    """Percentile interval of log sizes, each side's distance from the estimate stretched by t(C-1)/z.

    A plain percentile interval from a cluster bootstrap is too narrow with tens of clusters (the
    bootstrap variance lacks the C/(C-1) and t corrections), and the curve model's small bias between
    measured sizes adds to that: in the coverage simulation (stats.coverage) plain percentile intervals
    of crossovers and effective lengths covered 89-92% at 30 personas. Each side is therefore stretched
    by max(t(C-1)/z * sqrt(C/(C-1)), MIN_STRETCH), which keeps the asymmetry. The result stays inside the measured range and around
    the estimate. Returns sizes (not logs).
    """
    from scipy import stats as sps

    ql, qh = percentile_interval(log_draws, level)
    stretch = float(sps.t.ppf(0.5 + level / 2, max(n_clusters - 1, 1)) / sps.norm.ppf(0.5 + level / 2))
    stretch = max(stretch * np.sqrt(n_clusters / max(n_clusters - 1, 1)), MIN_STRETCH)
    low = log_point - max(log_point - ql, 0.0) * stretch
    high = log_point + max(qh - log_point, 0.0) * stretch
    return float(np.exp(max(low, log_lo))), float(np.exp(min(high, log_hi)))


def _fmt(size: float) -> str:
    return f"{size:.3g}" if size < 1e4 else f"{size:,.0f}"


def _difference(a: np.ndarray, b: np.ndarray, kind: str) -> tuple[np.ndarray, float]:
    if kind == "cost":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.log(a) - np.log(b), float(np.log1p(COST_TOLERANCE))
    return a - b, 1e-9


def crossing_points(diff: np.ndarray, log_grid: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``diff`` (B, G): the log size where the leader at the short end loses the lead, or NaN;
    and the sign (+1/-1) of that first leader (0 when the curves tie everywhere)."""
    sign = np.where(diff > tolerance, 1, np.where(diff < -tolerance, -1, 0))
    sign = np.where(np.isfinite(diff), sign, 0)
    out = np.full(diff.shape[0], np.nan)
    lead = np.zeros(diff.shape[0], dtype=int)
    for i, row in enumerate(sign):
        nz = np.flatnonzero(row)
        if nz.size == 0:
            continue
        first = row[nz[0]]
        lead[i] = first
        flip = nz[row[nz] == -first]
        if flip.size == 0:
            continue
        j = flip[0]
        before = nz[nz < j][-1]  # last grid point where the first leader still led
        # where the raw difference changes sign between the two (linear in log size); ties everywhere: middle
        seg = diff[i, before:j + 1] * first
        k = int(np.flatnonzero(seg[1:] <= 0)[0])
        d0, d1 = seg[k], seg[k + 1]
        if d0 > 0 and d1 < 0:
            out[i] = log_grid[before + k] + d0 / (d0 - d1) * (log_grid[before + k + 1] - log_grid[before + k])
        else:
            zero = np.flatnonzero(seg == 0)
            out[i] = 0.5 * (log_grid[before + zero[0]] + log_grid[before + zero[-1]])
    return out, lead


def crossover(a: Curve, b: Curve, unit: str = "conversations") -> Crossover:
    """Crossover of two curves fitted on the same resamples (one ``accuracy_curves``/``cost_curves`` call)."""
    if a.kind != b.kind:
        raise StatsError(f"cannot cross curves of different kinds: {a.kind} and {b.kind}")
    if a.resampling != b.resampling or not np.array_equal(a.grid, b.grid):
        raise StatsError(f"curves {a.label!r} and {b.label!r} were not fitted on the same bootstrap resamples")
    lo, hi = max(a.size_min, b.size_min), min(a.size_max, b.size_max)
    pct = round(a.level * 100)
    if lo >= hi:
        text = (f"No {a.kind} crossover can be estimated: {a.label} and {b.label} were not measured over a "
                f"common range of sizes.")
        return Crossover(a.label, b.label, a.kind, False, None, None, None, float("nan"), lo, hi, a.level,
                         bool(a.value(lo) > b.value(lo)), text)
    log_grid = np.log(a.grid)
    inside = (a.grid >= lo * (1 - 1e-12)) & (a.grid <= hi * (1 + 1e-12))
    diff, tol = _difference(np.where(inside, a.estimate, np.nan), np.where(inside, b.estimate, np.nan), a.kind)
    point, lead = crossing_points(diff[None], log_grid, tol)
    point_crosses = bool(np.isfinite(point[0]))
    a_leads = bool(lead[0] > 0)
    verb = "more accurate" if a.kind == "accuracy" else "more expensive per question"
    span = f"{_fmt(lo)}-{_fmt(hi)} {unit}"
    first, second = (a.label, b.label) if a_leads else (b.label, a.label)
    share = float("nan")
    low = high = None
    if a.boot is not None and b.boot is not None:
        d_boot, _ = _difference(np.where(inside, a.boot, np.nan), np.where(inside, b.boot, np.nan), a.kind)
        valid = np.isfinite(d_boot).any(1)
        draws, _ = crossing_points(d_boot[valid], log_grid, tol)
        crossing = np.isfinite(draws)
        share = float(crossing.mean()) if valid.any() else float("nan")
        if point_crosses and crossing.any():
            low, high = widened_percentile(draws[crossing], point[0], a.level, a.n_clusters, np.log(lo), np.log(hi))
    size = float(np.exp(point[0])) if point_crosses else None
    reliable = point_crosses and share == share and share >= RELIABLE_SHARE
    if lead[0] == 0:
        text = f"No {a.kind} crossover within {span}: {a.label} and {b.label} are tied throughout."
        found = False
    elif point_crosses and share != share:
        text = (f"{a.label} and {b.label} fitted {a.kind} curves cross at {_fmt(size)} {unit} ({first} is {verb} "
                f"below it); no interval: {a.band_note or b.band_note}.")
        found = False
    elif reliable:
        text = (f"{a.label} and {b.label} {a.kind} curves cross at {_fmt(size)} {unit} "
                f"({pct}% CI {_fmt(low)}-{_fmt(high)}, {INTERVAL_METHOD}): {first} is {verb} below it, "
                f"{second} above; {share:.0%} of resamples cross within {span}.")
        found = True
    elif point_crosses:
        text = (f"No reliable {a.kind} crossover of {a.label} and {b.label}: the fitted curves cross at "
                f"{_fmt(size)} {unit}, but only {share:.0%} of resamples cross within {span} "
                f"(a crossover is reported when at least {RELIABLE_SHARE:.0%} do).")
        found = False
        low = high = None
    else:
        rate = "" if share != share else f" ({share:.0%} of resamples cross)"
        text = f"No {a.kind} crossover within the measured range {span}: {first} stays {verb} than {second}{rate}."
        found = False
    return Crossover(a.label, b.label, a.kind, found, size if found or point_crosses else None, low, high, share,
                     lo, hi, a.level, a_leads, text, INTERVAL_METHOD, point_crosses)


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


# --------------------------------------------------------------------------- effective length


@dataclass(frozen=True)
class EffectiveLength:
    """Longest size at which ``label`` keeps ``share`` of its accuracy at ``base_size`` (NoLiMa)."""

    label: str
    share: float
    base_size: float
    base_accuracy: float
    size: float  # == size_max and censored=True when the curve never falls below the threshold
    censored: bool
    low: float | None
    high: float | None
    censored_share: float  # share of resamples that never fall below (NaN without resamples)
    size_max: float
    level: float
    sentence: str


def _falls_below(values: np.ndarray, log_grid: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Per row: the log size where the curve first drops below its threshold (NaN when it never does)."""
    out = np.full(values.shape[0], np.nan)
    for i, row in enumerate(values):
        ok = np.flatnonzero(np.isfinite(row))
        below = ok[row[ok] < threshold[i]]
        if below.size == 0:
            continue
        j = below[0]
        prev = ok[ok < j]
        if prev.size == 0:
            out[i] = log_grid[j]
            continue
        p = prev[-1]
        y0, y1 = row[p] - threshold[i], row[j] - threshold[i]
        out[i] = log_grid[p] + (y0 / (y0 - y1)) * (log_grid[j] - log_grid[p]) if y0 != y1 else log_grid[j]
    return out


def effective_length(curve: Curve, share: float = NOLIMA_SHARE, unit: str = "conversations") -> EffectiveLength:
    """NoLiMa's effective length of an accuracy curve, with a cluster-bootstrap percentile interval.

    Resamples whose curve never falls below the threshold count at the longest measured size, so a
    censored upper end is said as such ("> largest measured").
    """
    if curve.kind != "accuracy":
        raise StatsError("effective length is defined for accuracy curves")
    if not 0 < share < 1:
        raise StatsError(f"effective-length share must be in (0, 1), got {share}")
    log_grid = np.log(curve.grid)
    base_index = int(np.flatnonzero(np.isfinite(curve.estimate))[0])
    base = float(curve.estimate[base_index])
    point = _falls_below(curve.estimate[None], log_grid, np.array([share * base]))[0]
    censored = not np.isfinite(point)
    size = curve.size_max if censored else float(np.exp(point))
    low = high = None
    censored_share = float("nan")
    if curve.boot is not None:
        thresholds = share * curve.boot[:, base_index]
        valid = np.isfinite(thresholds)
        draws = _falls_below(curve.boot[valid], log_grid, thresholds[valid])
        censored_share = float(np.mean(~np.isfinite(draws)))
        filled = np.where(np.isfinite(draws), draws, np.log(curve.size_max))
        low, high = widened_percentile(filled, np.log(size), curve.level, curve.n_clusters,
                                       np.log(curve.size_min), np.log(curve.size_max))
    pct = round(curve.level * 100)
    keep = f"keeps {share:.0%} of its accuracy at {_fmt(curve.grid[base_index])} {unit} ({base:.2f})"
    if censored:
        head = f"{curve.label} {keep} over the whole measured range: effective length > {_fmt(size)} {unit} (censored)"
    else:
        head = f"{curve.label} {keep} up to {_fmt(size)} {unit}"
    if low is None:
        text = f"{head}; no interval ({curve.band_note})."
    else:
        hi_text = f"> {_fmt(high)}" if high >= curve.size_max * (1 - 1e-9) else _fmt(high)
        text = (f"{head} ({pct}% CI {_fmt(low)} to {hi_text}, {INTERVAL_METHOD}; {censored_share:.0%} of "
                f"resamples never fall below).")
    return EffectiveLength(curve.label, share, float(curve.grid[base_index]), base, size, censored, low, high,
                           censored_share, curve.size_max, curve.level, text)
