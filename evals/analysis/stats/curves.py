"""Accuracy and cost against history size, per solver, with cluster-bootstrap bands.

Accuracy: logistic regression of correctness on log(size). Cost: a straight line in log-log space
(log cost = a + b log size), which is how prompt cost grows with context. Both are lines in a
transformed space, so one ``Curve`` type holds either, and two curves cross exactly where their
lines do (see crossover.py).

Speed: logistic regression only needs, per distinct size, how many questions were asked and how
many were answered correctly, so each bootstrap resample is a (C,) vector of cluster counts times a
(C, sizes) table of per-cluster totals. All resamples are fitted at once by a vectorised Newton/IRLS
on 2x2 systems, warm-started at the full-data fit. A tiny ridge penalty keeps coefficients finite
under perfect separation (e.g. a solver that is always right at small sizes and always wrong at
large ones).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import polars as pl
from scipy.special import expit

from memcurve.evals.analysis.stats.intervals import as_scores
from memcurve.evals.analysis.stats.resample import (
    Resampling,
    StatsError,
    check_level,
    encode_clusters,
    percentile_interval,
)

RIDGE = 1e-3  # penalty on standardised coefficients; negligible unless the data are separable
GRID_POINTS = 50


@dataclass(frozen=True)
class Curve:
    """A fitted curve ``kind`` ("accuracy" or "cost") of one solver against size.

    ``intercept``/``slope`` are on log(size): logit(p) = a + b log s, or log(cost) = a + b log s.
    ``boot`` holds one (intercept, slope) row per bootstrap resample (NaN where a resample has no
    data for this solver); curves with the same ``resampling`` were fitted on identical resamples.
    """

    label: str
    kind: str
    intercept: float
    slope: float
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

    def value(self, sizes) -> np.ndarray:
        """Fitted accuracy (probability) or cost at ``sizes``."""
        eta = self.intercept + self.slope * np.log(np.asarray(sizes, dtype=float))
        return expit(eta) if self.kind == "accuracy" else np.exp(eta)

    def to_frame(self) -> pl.DataFrame:
        """Grid, fitted value and band as a polars frame (for plots and reports)."""
        return pl.DataFrame({"solver": [self.label] * self.grid.size, "size": self.grid,
                             "estimate": self.estimate, "low": self.low, "high": self.high})


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


def _grid(lo: float, hi: float, points: int) -> np.ndarray:
    return np.geomspace(lo, hi, points) if hi > lo else np.array([lo])


def _finish(label, kind, a, b, size_lo, size_hi, n, n_clusters, level, grid, boot, resampling) -> Curve:
    eta = a + b * np.log(grid)
    eta_boot = boot[:, :1] + boot[:, 1:] * np.log(grid)[None, :]
    link = expit if kind == "accuracy" else np.exp
    low, high = percentile_interval(link(eta_boot), level)
    return Curve(label, kind, float(a), float(b), float(size_lo), float(size_hi), int(n), int(n_clusters),
                 level, grid, link(eta), low, high, boot, resampling)


def _solvers(data: pl.DataFrame, solver: str) -> list:
    return sorted(data[solver].unique().drop_nulls().to_list())


class _SolverCells(NamedTuple):
    """One solver's data reduced to what a logistic fit needs, per cluster and distinct size."""

    name: str
    x: np.ndarray  # (U,) distinct log sizes
    z: np.ndarray  # (U,) standardised: (x - centre) / spread
    centre: float
    spread: float
    n_cells: np.ndarray  # (C, U) questions per cluster and size
    k_cells: np.ndarray  # (C, U) correct answers per cluster and size
    full: np.ndarray  # (1, 2) standardised full-data fit, the warm start for resamples
    n: int
    n_clusters: int

    def unstandardise(self, beta: np.ndarray) -> np.ndarray:
        """(B, 2) coefficients on z -> (intercept, slope) on log size."""
        slope = beta[:, 1] / self.spread
        return np.column_stack([beta[:, 0] - slope * self.centre, slope])


def _logistic_cells(data, solver, name, size, score, codes, c, ridge) -> _SolverCells:
    mask = (data[solver] == name).to_numpy()
    xu, inv = np.unique(np.log(data[size].to_numpy()[mask]), return_inverse=True)
    cell = codes[mask] * xu.size + inv
    n_cells = np.bincount(cell, minlength=c * xu.size).reshape(c, xu.size).astype(float)
    k_cells = np.bincount(cell, weights=data[score].to_numpy()[mask], minlength=c * xu.size).reshape(c, xu.size)
    centre, spread = _standardise(xu, n_cells.sum(0))
    z = (xu - centre) / spread
    full = _irls(z, k_cells.sum(0)[None], n_cells.sum(0)[None], np.zeros((1, 2)), ridge)
    return _SolverCells(name, xu, z, centre, spread, n_cells, k_cells, full, int(mask.sum()),
                        int(np.unique(codes[mask]).size))


# --------------------------------------------------------------------------- accuracy curves


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
) -> dict[str, Curve]:
    """Logistic accuracy curve with a pointwise cluster-bootstrap band for every solver.

    All solvers are fitted on the same resamples of the same clusters, so any two curves can be
    compared (``crossover``). The default cluster is the persona: histories of one persona are
    nested across sizes and share their questions, so sizes are not independent within a persona.
    Unscored rows (null/NaN score) are dropped. Work and memory grow with clusters x distinct sizes,
    so bin a continuous size (e.g. history tokens) into a few dozen values first.
    """
    check_level(level)
    keep = pl.col(score).is_not_null() & pl.col(score).is_not_nan()
    data, codes, c, key = _prepare(frame, solver, size, score, cluster, keep)
    grid = _grid(float(data[size].min()), float(data[size].max()), grid_points)
    resampling = Resampling(c, n_resamples, seed, key)

    parts = [_logistic_cells(data, solver, name, size, score, codes, c, ridge) for name in _solvers(data, solver)]

    def fit_all(w: np.ndarray) -> np.ndarray:
        out = []
        for part in parts:
            n_b, k_b = w @ part.n_cells, w @ part.k_cells
            beta = _irls(part.z, k_b, n_b, np.repeat(part.full, w.shape[0], axis=0), ridge)
            coef = part.unstandardise(beta)
            coef[n_b.sum(1) == 0] = np.nan
            out.append(coef)
        return np.concatenate(out, axis=1)

    boots = resampling.map(fit_all)
    curves = {}
    for i, part in enumerate(parts):
        a, b = part.unstandardise(part.full)[0]
        curves[part.name] = _finish(part.name, "accuracy", a, b, np.exp(part.x[0]), np.exp(part.x[-1]), part.n,
                                    part.n_clusters, level, grid, boots[:, 2 * i:2 * i + 2], resampling)
    return curves


def accuracy_curve(sizes, correct, clusters=None, *, label: str = "solver", n_resamples: int = 2000,
                   seed: int = 0, level: float = 0.95, grid_points: int = GRID_POINTS) -> Curve:
    """``accuracy_curves`` for one solver given plain arrays."""
    frame = pl.DataFrame({"solver": [label] * len(as_scores(sizes)), "size": as_scores(sizes),
                          "correct": as_scores(correct),
                          "cluster": np.arange(len(as_scores(sizes))) if clusters is None else np.asarray(clusters)})
    return accuracy_curves(frame, cluster="cluster", n_resamples=n_resamples, seed=seed, level=level,
                           grid_points=grid_points)[label]


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
    """Log-log least-squares cost curve with a cluster-bootstrap band for every solver.

    The fit describes the typical (geometric-mean) cost per question; rows with a missing or
    non-positive cost are dropped (a free answer has no logarithm). Resampled fits use per-cluster
    sums of 1, x, y, x^2 and xy, so each resample is one matrix product.
    """
    check_level(level)
    keep = pl.col(cost).is_not_null() & pl.col(cost).is_not_nan() & (pl.col(cost) > 0)
    data, codes, c, key = _prepare(frame, solver, size, cost, cluster, keep)
    grid = _grid(float(data[size].min()), float(data[size].max()), grid_points)
    resampling = Resampling(c, n_resamples, seed, key)

    parts = []
    for name in _solvers(data, solver):
        mask = (data[solver] == name).to_numpy()
        x = np.log(data[size].to_numpy()[mask])
        y = np.log(data[cost].to_numpy()[mask])
        moments = np.column_stack([np.ones_like(x), x, y, x * x, x * y])
        sums = np.stack([np.bincount(codes[mask], weights=moments[:, j], minlength=c) for j in range(5)], 1)
        parts.append((name, x.min(), x.max(), sums, int(mask.sum()), int(np.unique(codes[mask]).size)))

    def line(m: np.ndarray) -> np.ndarray:
        """Least squares from moments; a single distinct size gives a flat line (like the ridge logistic)."""
        n, sx, sy, sxx, sxy = m.T
        with np.errstate(invalid="ignore", divide="ignore"):
            spread = n * sxx - sx * sx
            slope = np.where(spread > 1e-9 * n * n, (n * sxy - sx * sy) / spread, 0.0)
            coef = np.column_stack([(sy - slope * sx) / n, slope])
        coef[n == 0] = np.nan
        return coef

    boots = resampling.map(lambda w: np.concatenate([line(w @ p[3]) for p in parts], axis=1))
    curves = {}
    for i, (name, xlo, xhi, sums, n, n_cl) in enumerate(parts):
        a, b = line(sums.sum(0)[None])[0]
        curves[name] = _finish(name, "cost", a, b, np.exp(xlo), np.exp(xhi), n, n_cl, level, grid,
                               boots[:, 2 * i:2 * i + 2], resampling)
    return curves
