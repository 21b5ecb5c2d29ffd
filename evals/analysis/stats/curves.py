"""Accuracy and cost against history size, per solver, with cluster-bootstrap bands.

Accuracy: a logistic regression of correctness on log(size) when it fits the measured points, else a
monotone (isotonic) fit. The choice is made per solver by a lack-of-fit test: the logistic's binomial
deviance against the saturated model (one rate per measured size), divided by the overdispersion the
clustering causes, is compared with chi-square on (sizes - 2) degrees of freedom; p < ``FIT_ALPHA``
means the two-parameter logistic misses the data (e.g. a plateau at 1.0 and then a fall), and the
monotone fit is used; so is it when the logistic leaves the 95% interval of any measured rate. ``Curve.fit_check`` keeps the numbers so the report can show the check.

Cost: the mean cost per question at each measured size, joined linearly in log-log space (prompt cost
is flat for RAG and grows then saturates at the window for full context: no single line fits both).

Every curve lives on one shared grid of sizes (the measured sizes are grid points), and every
resample's curve is evaluated on it, so crossovers and effective lengths of any curve kind are read
off the same (B, grid) arrays. Bands are bootstrap-t on the link scale (logit or log): the estimate
plus or minus t(C-1) times the bootstrap standard deviation, which keeps them inside the possible range
and around the estimate; with fewer than ``MIN_CLUSTERS`` clusters a bootstrap has too few distinct
resamples, so no band is drawn (``Curve.band_note`` says why).

Speed: the fits only need per-cluster totals at each size, so a resample is a (C,) vector of cluster
counts times a (C, sizes) table; logistic fits of all resamples run at once by vectorised IRLS.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import polars as pl
from scipy import stats as sps
from scipy.special import expit, logit

from memcurve.evals.analysis.stats.intervals import as_scores, t_critical
from memcurve.evals.analysis.stats.resample import (
    Resampling,
    StatsError,
    check_level,
    encode_clusters,
)

RIDGE = 1e-3  # penalty on standardised coefficients; negligible unless the data are separable
GRID_POINTS = 120
MIN_CLUSTERS = 10  # below this a cluster bootstrap has too few distinct resamples for a band or interval
FIT_ALPHA = 0.05  # lack-of-fit p-value below which the logistic is rejected for the monotone fit


@dataclass(frozen=True)
class FitCheck:
    """Why a curve model was chosen: the logistic's lack of fit at the measured sizes."""

    model: str  # "logistic" or "monotone"
    deviance: float  # logistic binomial deviance against one rate per size
    dispersion: float  # overdispersion from clustering (>= 1) that the deviance is divided by
    df: int
    p_value: float  # NaN when df = 0 (two sizes: the logistic passes through both points)
    max_gap: float  # largest |chosen fit - measured rate| over the measured sizes
    logistic_max_gap: float


@dataclass(frozen=True)
class Curve:
    """A fitted curve ``kind`` ("accuracy" or "cost") of one solver against size.

    ``estimate``/``low``/``high`` are on ``grid`` (NaN outside this solver's measured range, and the band
    is NaN when there are too few clusters); ``boot`` is (B, grid): the curve of every resample, NaN where
    a resample has no data for this solver. Curves with equal ``resampling`` saw identical resamples.
    ``intercept``/``slope`` are the logistic's (logit p = a + b log s), NaN for other models.
    """

    label: str
    kind: str
    model: str
    size_min: float
    size_max: float
    n: int
    n_clusters: int
    level: float
    grid: np.ndarray
    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    boot: np.ndarray | None = field(default=None, repr=False)
    resampling: Resampling | None = None
    intercept: float = float("nan")
    slope: float = float("nan")
    measured_sizes: np.ndarray | None = field(default=None, repr=False)
    measured: np.ndarray | None = field(default=None, repr=False)  # rate (or mean cost) at each measured size
    fit_check: FitCheck | None = None
    band_note: str = ""

    @property
    def has_band(self) -> bool:
        return bool(np.isfinite(self.low).any())

    def value(self, sizes) -> np.ndarray:
        """Fitted accuracy (probability) or cost at ``sizes`` (interpolated on the grid in log size)."""
        s = np.log(np.asarray(sizes, dtype=float))
        ok = np.isfinite(self.estimate)
        y = self.estimate[ok] if self.kind == "accuracy" else np.log(self.estimate[ok])
        out = np.interp(s, np.log(self.grid[ok]), y)
        return out if self.kind == "accuracy" else np.exp(out)

    def to_frame(self) -> pl.DataFrame:
        """Grid, fitted value and band as a polars frame (for plots and reports), inside the measured range."""
        ok = np.isfinite(self.estimate)
        return pl.DataFrame({"solver": [self.label] * int(ok.sum()), "size": self.grid[ok],
                             "estimate": self.estimate[ok], "low": self.low[ok], "high": self.high[ok]})


def curves_to_frame(curves: dict[str, Curve]) -> pl.DataFrame:
    """All curves' grids, fits and bands stacked into one frame (solver, size, estimate, low, high)."""
    return pl.concat([curves[name].to_frame() for name in sorted(curves)])


# --------------------------------------------------------------------------- logistic regression


def _irls(z: np.ndarray, k: np.ndarray, n: np.ndarray, beta: np.ndarray, ridge: float,
          max_iter: int = 100, tol: float = 1e-10) -> np.ndarray:
    """Penalised binomial Newton steps for many data sets at once.

    z: (U,) standardised covariate; k, n: (B, U) successes and trials; beta: (B, 2) start.
    Maximises sum[k eta - n log(1+e^eta)] - ridge/2 |beta|^2 with eta = b0 + b1 z.
    """
    beta = beta.copy()
    zz = z * z
    for _ in range(max_iter):
        p = expit(beta[:, :1] + beta[:, 1:] * z)
        r = k - n * p
        w = n * p * (1.0 - p)
        g0 = r.sum(1) - ridge * beta[:, 0]
        g1 = (r * z).sum(1) - ridge * beta[:, 1]
        h00 = w.sum(1) + ridge
        h01 = (w * z).sum(1)
        h11 = (w * zz).sum(1) + ridge
        det = h00 * h11 - h01 * h01
        step = np.column_stack([(h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det])
        # Crude trust region: Newton can overshoot when the data are (nearly) separable.
        big = np.abs(step).max(1, keepdims=True)
        step *= np.minimum(1.0, 5.0 / np.maximum(big, 1e-300))
        beta += step
        if big.max() < tol:
            break
    return beta


def _standardise(x_unique: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    centre = float(np.average(x_unique, weights=weights))
    spread = float(np.sqrt(np.average((x_unique - centre) ** 2, weights=weights)))
    return centre, spread if spread > 0 else 1.0


def fit_logistic(x, y, weights=None, ridge: float = RIDGE) -> tuple[float, float]:
    """(intercept, slope) of logit P(y=1) = intercept + slope * x, by penalised IRLS.

    ``y`` may be 0/1 or a fraction in [0, 1] (then read as a proportion of ``weights`` trials).
    """
    x, y = as_scores(x), as_scores(y)
    w = np.ones_like(x) if weights is None else as_scores(weights)
    if not (x.shape == y.shape == w.shape) or x.size == 0:
        raise StatsError(f"fit_logistic needs equal non-empty x, y, weights; got {x.size}, {y.size}, {w.size}")
    xu, inv = np.unique(x, return_inverse=True)
    n = np.bincount(inv, weights=w)
    k = np.bincount(inv, weights=w * y)
    centre, spread = _standardise(xu, n)
    z = (xu - centre) / spread
    b = _irls(z, k[None], n[None], np.zeros((1, 2)), ridge)[0]
    slope = b[1] / spread
    return float(b[0] - slope * centre), float(slope)


def isotonic(y: np.ndarray, w: np.ndarray, increasing: bool) -> np.ndarray:
    """Weighted least-squares monotone fit (pool adjacent violators); zero-weight points take neighbours."""
    y, w = np.asarray(y, float), np.asarray(w, float)
    sign = 1.0 if increasing else -1.0
    keep = w > 0
    if not keep.any():
        return np.full(y.size, np.nan)
    vals, weights, counts = [], [], []
    for v, wt in zip(sign * y[keep], w[keep]):
        vals.append(v)
        weights.append(wt)
        counts.append(1)
        while len(vals) > 1 and vals[-2] > vals[-1]:
            wt2 = weights[-2] + weights[-1]
            vals[-2] = (vals[-2] * weights[-2] + vals[-1] * weights[-1]) / wt2
            weights[-2] = wt2
            counts[-2] += counts[-1]
            del vals[-1], weights[-1], counts[-1]
    fitted = sign * np.repeat(vals, counts)
    if keep.all():
        return fitted
    idx = np.flatnonzero(keep)
    return np.interp(np.arange(y.size), idx, fitted)


# --------------------------------------------------------------------------- frame plumbing


def _require(frame: pl.DataFrame, columns) -> None:
    missing = [c for c in columns if c and c not in frame.columns]
    if missing:
        raise StatsError(f"results frame has no column {missing[0]!r}; columns are {', '.join(frame.columns)}")


def _prepare(frame: pl.DataFrame, solver: str, size: str, value: str, cluster: str | None,
             keep: pl.Expr) -> tuple[pl.DataFrame, np.ndarray, int, str]:
    """Rows with a usable value, plus cluster codes shared by all solvers."""
    _require(frame, [solver, size, value, cluster])
    data = frame.select([c for c in dict.fromkeys([solver, size, value, cluster]) if c])
    data = data.with_columns(pl.col(value).cast(pl.Float64), pl.col(size).cast(pl.Float64)).filter(keep)
    if data.height == 0:
        raise StatsError(f"no usable rows in column {value!r}")
    if (data[size] <= 0).any():
        raise StatsError(f"column {size!r} must be positive to take its logarithm")
    if cluster and data[cluster].null_count():
        raise StatsError(f"column {cluster!r} has {data[cluster].null_count()} missing cluster ids")
    ids = data[cluster].to_numpy() if cluster else None
    codes, c = encode_clusters(ids, data.height)
    key = hashlib.sha1(repr(np.unique(ids).tolist() if cluster else c).encode()).hexdigest()[:16]
    return data, codes, c, key


def shared_grid(sizes: np.ndarray, points: int = GRID_POINTS) -> np.ndarray:
    """Log-spaced sizes from the smallest to the largest measured, with every measured size included."""
    sizes = np.unique(np.asarray(sizes, dtype=float))
    if sizes.size == 1:
        return sizes
    return np.unique(np.concatenate([np.geomspace(sizes[0], sizes[-1], points), sizes]))


def _solvers(data: pl.DataFrame, solver: str) -> list:
    return sorted(data[solver].unique().drop_nulls().to_list())


class _Cells(NamedTuple):
    """One solver's data reduced to per-cluster totals at each distinct size."""

    name: str
    sizes: np.ndarray  # (U,) distinct sizes
    n_cells: np.ndarray  # (C, U) rows per cluster and size
    k_cells: np.ndarray  # (C, U) sum of the value per cluster and size
    n: int
    n_clusters: int


def _cells(data, solver, name, size, value, codes, c) -> _Cells:
    mask = (data[solver] == name).to_numpy()
    su, inv = np.unique(data[size].to_numpy()[mask], return_inverse=True)
    cell = codes[mask] * su.size + inv
    n_cells = np.bincount(cell, minlength=c * su.size).reshape(c, su.size).astype(float)
    k_cells = np.bincount(cell, weights=data[value].to_numpy()[mask], minlength=c * su.size).reshape(c, su.size)
    return _Cells(name, su, n_cells, k_cells, int(mask.sum()), int(np.unique(codes[mask]).size))


def _on_grid(sizes: np.ndarray, values: np.ndarray, grid: np.ndarray, log_values: bool) -> np.ndarray:
    """(B, U) values at measured sizes -> (B, G), linear in log size (and log value for costs)."""
    xs, xg = np.log(sizes), np.log(grid)
    out = np.full((values.shape[0], grid.size), np.nan)
    inside = (grid >= sizes[0] * (1 - 1e-12)) & (grid <= sizes[-1] * (1 + 1e-12))
    for i, row in enumerate(values):
        ok = np.isfinite(row)
        if not ok.any():
            continue
        y = np.log(np.maximum(row[ok], 1e-300)) if log_values else row[ok]
        v = np.interp(xg[inside], xs[ok], y)
        out[i, inside] = np.exp(v) if log_values else v
    return out


def _band(estimate: np.ndarray, boot: np.ndarray, level: float, n_clusters: int, kind: str,
          floor_sd: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap-t band on the link scale: link(est) +/- t(C-1) * sd over resamples, mapped back."""
    if kind == "accuracy":
        eps = 1e-4
        to, back = (lambda p: logit(np.clip(p, eps, 1 - eps))), expit
    else:
        to, back = (lambda c: np.log(np.maximum(c, 1e-300))), np.exp
    with np.errstate(invalid="ignore"):
        sd = np.nanstd(to(boot), axis=0, ddof=1)
    if floor_sd is not None:
        sd = np.fmax(sd, floor_sd)
    half = t_critical(level, n_clusters - 1) * sd
    centre = to(estimate)
    low, high = back(centre - half), back(centre + half)
    if kind == "accuracy":  # the clip above must not push the band off an estimate of exactly 0 or 1
        low, high = np.minimum(low, estimate), np.maximum(high, estimate)
    return low, high


# --------------------------------------------------------------------------- accuracy curves


def _logistic_at(cells: _Cells, n_b: np.ndarray, k_b: np.ndarray, ridge: float) -> tuple[np.ndarray, np.ndarray]:
    """Logistic fits of (B, U) totals -> (B, 2) (intercept, slope on log size) and (B, U) fitted rates."""
    x = np.log(cells.sizes)
    centre, spread = _standardise(x, np.maximum(cells.n_cells.sum(0), 1e-12))
    z = (x - centre) / spread
    start = _irls(z, cells.k_cells.sum(0)[None], cells.n_cells.sum(0)[None], np.zeros((1, 2)), ridge)
    beta = _irls(z, k_b, n_b, np.repeat(start, n_b.shape[0], axis=0), ridge)
    slope = beta[:, 1] / spread
    coef = np.column_stack([beta[:, 0] - slope * centre, slope])
    return coef, expit(coef[:, :1] + coef[:, 1:] * x[None, :])


def _deviance(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> float:
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(k > 0, k * np.log(k / (n * p)), 0.0)
        b = np.where(n - k > 0, (n - k) * np.log((n - k) / (n * (1 - p))), 0.0)
    return float(2 * np.nansum(a + b))


def _dispersion(cells: _Cells) -> float:
    """Cluster-level variance of the per-size rates over their binomial variance (>= 1)."""
    n, k = cells.n_cells.sum(0), cells.k_cells.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, k / n, 0.0)
        between = ((cells.k_cells - cells.n_cells * rate) ** 2).sum()
        binomial = (n * rate * (1 - rate)).sum()
        c = cells.n_clusters
        ratio = between / binomial * (c / (c - 1) if c > 1 else 1.0)
    return float(ratio) if np.isfinite(ratio) and ratio > 1 else 1.0


def _fit_check(cells: _Cells, logistic_rates: np.ndarray) -> FitCheck:
    n, k = cells.n_cells.sum(0), cells.k_cells.sum(0)
    rate = k / np.maximum(n, 1e-12)
    dev = _deviance(k, n, np.clip(logistic_rates, 1e-12, 1 - 1e-12))
    logistic_gap = float(np.max(np.abs(logistic_rates - rate)))
    disp = _dispersion(cells)
    df = max(int((n > 0).sum()) - 2, 0)
    p = float(sps.chi2.sf(dev / disp, df)) if df > 0 else float("nan")
    # also rejected when it leaves a measured rate's 95% interval (n / dispersion), which a weak test can miss
    from memcurve.evals.analysis.stats.intervals import clopper_pearson

    low, high = clopper_pearson(rate * n / disp, n / disp)
    outside = bool(np.any((n > 0) & ((logistic_rates < low - 1e-9) | (logistic_rates > high + 1e-9))))
    model = "monotone" if df > 0 and (p < FIT_ALPHA or outside) else "logistic"
    if model == "logistic":
        gap = logistic_gap
    else:
        increasing = _increasing(logistic_rates)
        gap = float(np.max(np.abs(isotonic(rate, n, increasing) - rate)))
    return FitCheck(model, dev, disp, df, p, gap, logistic_gap)


def _increasing(rates: np.ndarray) -> bool:
    return bool(rates[-1] >= rates[0])


def accuracy_curves(
    frame: pl.DataFrame,
    *,
    solver: str = "solver",
    size: str = "size",
    score: str = "correct",
    cluster: str | None = "persona_id",
    n_resamples: int = 2000,
    seed: int = 0,
    level: float = 0.95,
    grid_points: int = GRID_POINTS,
    ridge: float = RIDGE,
    model: str = "auto",
) -> dict[str, Curve]:
    """Accuracy curve per solver (logistic or monotone, see the module docstring) with a band.

    All solvers are fitted on the same resamples of the same clusters, so any two curves can be
    compared (``crossover``). The default cluster is the persona: histories of one persona are nested
    across sizes and share their questions. ``model`` forces "logistic" or "monotone". Unscored rows
    (null/NaN score) are dropped. Work grows with clusters x distinct sizes, so bin a continuous size
    (e.g. history tokens) into a few dozen values first.
    """
    check_level(level)
    if model not in ("auto", "logistic", "monotone"):
        raise StatsError(f"curve model must be auto, logistic or monotone, got {model!r}")
    keep = pl.col(score).is_not_null() & pl.col(score).is_not_nan()
    data, codes, c, key = _prepare(frame, solver, size, score, cluster, keep)
    grid = shared_grid(data[size].to_numpy(), grid_points)
    resampling = Resampling(c, n_resamples, seed, key)
    parts = [_cells(data, solver, name, size, score, codes, c) for name in _solvers(data, solver)]
    checks = {}
    for part in parts:
        _, rates = _logistic_at(part, part.n_cells.sum(0)[None], part.k_cells.sum(0)[None], ridge)
        check = _fit_check(part, rates[0])
        if model != "auto":
            check = FitCheck(model, *list(vars(check).values())[1:])
        checks[part.name] = (check, _increasing(rates[0]))

    def at_sizes(part: _Cells, n_b: np.ndarray, k_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(B, U) fitted rates at the measured sizes and (B, 2) logistic coefficients (NaN if monotone)."""
        check, increasing = checks[part.name]
        if check.model == "logistic":
            coef, rates = _logistic_at(part, n_b, k_b, ridge)
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                raw = k_b / n_b
            rates = np.stack([isotonic(r, w, increasing) for r, w in zip(raw, n_b)])
            coef = np.full((n_b.shape[0], 2), np.nan)
        rates[n_b.sum(1) == 0] = np.nan
        coef[n_b.sum(1) == 0] = np.nan
        return rates, coef

    def on_grid(part: _Cells, rates: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """Curves on the grid: the logistic itself, or the monotone fit joined linearly in log size."""
        if checks[part.name][0].model != "logistic":
            return _on_grid(part.sizes, rates, grid, log_values=False)
        out = expit(coef[:, :1] + coef[:, 1:] * np.log(grid)[None, :])
        out[:, (grid < part.sizes[0] * (1 - 1e-12)) | (grid > part.sizes[-1] * (1 + 1e-12))] = np.nan
        return out

    few = c < MIN_CLUSTERS
    boots = {p.name: [] for p in parts}
    if not few:
        for w in resampling.counts():
            for part in parts:
                rates, coef = at_sizes(part, w @ part.n_cells, w @ part.k_cells)
                boots[part.name].append(on_grid(part, rates, coef))
    curves = {}
    for part in parts:
        n_u, k_u = part.n_cells.sum(0), part.k_cells.sum(0)
        rates, coef = at_sizes(part, n_u[None], k_u[None])
        estimate = on_grid(part, rates, coef)[0]
        check, _ = checks[part.name]
        if few:
            boot = None
            low = high = np.full(grid.size, np.nan)
            note = (f"no band: {c} cluster(s) to resample, a bootstrap needs at least {MIN_CLUSTERS} "
                    f"(generate more personas)")
        else:
            boot = np.concatenate(boots[part.name], axis=0)
            n_eff = _on_grid(part.sizes, (n_u / check.dispersion)[None], grid, log_values=True)[0]
            p = np.clip(estimate, 0.5 / np.maximum(n_eff, 1), 1 - 0.5 / np.maximum(n_eff, 1))
            floor = 1.0 / np.sqrt(np.maximum(n_eff, 1) * p * (1 - p))
            low, high = _band(estimate, boot, level, part.n_clusters, "accuracy", floor)
            note = ""
        curves[part.name] = Curve(
            part.name, "accuracy", check.model, float(part.sizes[0]), float(part.sizes[-1]), part.n,
            part.n_clusters, level, grid, estimate, low, high, boot, resampling, float(coef[0, 0]),
            float(coef[0, 1]), part.sizes, k_u / np.maximum(n_u, 1e-12), check, note)
    return curves


def accuracy_curve(sizes, correct, clusters=None, *, label: str = "solver", n_resamples: int = 2000,
                   seed: int = 0, level: float = 0.95, grid_points: int = GRID_POINTS, model: str = "auto") -> Curve:
    """``accuracy_curves`` for one solver given plain arrays."""
    frame = pl.DataFrame({"solver": [label] * len(as_scores(sizes)), "size": as_scores(sizes),
                          "correct": as_scores(correct),
                          "cluster": np.arange(len(as_scores(sizes))) if clusters is None else np.asarray(clusters)})
    return accuracy_curves(frame, cluster="cluster", n_resamples=n_resamples, seed=seed, level=level,
                           grid_points=grid_points, model=model)[label]


# --------------------------------------------------------------------------- cost curves


def cost_curves(
    frame: pl.DataFrame,
    *,
    solver: str = "solver",
    size: str = "size",
    cost: str = "cost_usd",
    cluster: str | None = "persona_id",
    n_resamples: int = 2000,
    seed: int = 0,
    level: float = 0.95,
    grid_points: int = GRID_POINTS,
) -> dict[str, Curve]:
    """Mean cost per question at each measured size, joined in log-log space, with a band per solver.

    Rows with a missing or non-positive cost are dropped (a free answer has no logarithm).
    """
    check_level(level)
    keep = pl.col(cost).is_not_null() & pl.col(cost).is_not_nan() & (pl.col(cost) > 0)
    data, codes, c, key = _prepare(frame, solver, size, cost, cluster, keep)
    grid = shared_grid(data[size].to_numpy(), grid_points)
    resampling = Resampling(c, n_resamples, seed, key)
    parts = [_cells(data, solver, name, size, cost, codes, c) for name in _solvers(data, solver)]
    few = c < MIN_CLUSTERS
    boots = {p.name: [] for p in parts}
    if not few:
        for w in resampling.counts():
            for part in parts:
                with np.errstate(invalid="ignore", divide="ignore"):
                    means = (w @ part.k_cells) / (w @ part.n_cells)
                boots[part.name].append(_on_grid(part.sizes, means, grid, log_values=True))
    curves = {}
    for part in parts:
        means = part.k_cells.sum(0) / part.n_cells.sum(0)
        estimate = _on_grid(part.sizes, means[None], grid, log_values=True)[0]
        if few:
            boot, low, high = None, np.full(grid.size, np.nan), np.full(grid.size, np.nan)
            note = f"no band: {c} cluster(s) to resample, a bootstrap needs at least {MIN_CLUSTERS}"
        else:
            boot = np.concatenate(boots[part.name], axis=0)
            low, high = _band(estimate, boot, level, part.n_clusters, "cost")
            note = ""
        curves[part.name] = Curve(part.name, "cost", "log-log interpolation", float(part.sizes[0]),
                                  float(part.sizes[-1]), part.n, part.n_clusters, level, grid, estimate, low, high,
                                  boot, resampling, measured_sizes=part.sizes, measured=means, band_note=note)
    return curves


def log_bins(values, max_bins: int = 12) -> np.ndarray:
    """Each positive value replaced by the geometric mean of its log-spaced bin (at most ``max_bins``).

    Curves against a continuous length (history tokens) need a few distinct x values per cluster;
    values that are already few (at most ``max_bins`` distinct) are returned unchanged.
    """
    v = as_scores(values)
    if (v <= 0).any() or not np.isfinite(v).all():
        raise StatsError("log_bins needs positive finite values")
    if np.unique(v).size <= max_bins:
        return v
    edges = np.geomspace(v.min(), v.max(), max_bins + 1)
    idx = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, max_bins - 1)
    logs = np.log(v)
    means = np.bincount(idx, weights=logs, minlength=max_bins) / np.maximum(np.bincount(idx, minlength=max_bins), 1)
    return np.exp(means[idx])
