"""Coverage of every interval the report prints, by simulation with known truth.

Data follow the benchmark's structure (simulate.py): personas, one history per persona and size
(histories nested in personas), the same questions asked at every size, persona and question random
effects shared by all solvers and sizes. The truth is the population quantity the interval targets,
computed by integrating over the random effects (Gauss-Hermite quadrature):

- per cell: the accuracy of a solver at a size, averaged over personas and questions;
- paired difference: the difference of two solvers' accuracies at a size, and pooled over sizes;
- curve band: the accuracy at each measured size (where the band is compared with the data);
- crossover: the size where the two population accuracy curves cross;
- effective length: the longest size keeping 85% of the population accuracy at the shortest size.

A 95% interval should cover its truth in at least 95% of repetitions; the report's check is >= 93%
(Monte Carlo error of a few hundred repetitions included). Crossovers and effective lengths count
only repetitions where the report prints an interval (the rate is reported too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.special import expit

from memcurve.evals.analysis.stats.crossover import crossover, effective_length
from memcurve.evals.analysis.stats.curves import accuracy_curves
from memcurve.evals.analysis.stats.paired import compare_solvers
from memcurve.evals.analysis.stats.simulate import simulate_results
from memcurve.evals.analysis.stats.summary import summarise


@dataclass(frozen=True)
class Design:
    """A simulated benchmark design: solvers' (intercept, slope) on log size, personas, questions, sizes."""

    name: str
    accuracy: dict[str, tuple[float, float]]
    personas: int
    questions: int
    sizes: tuple[int, ...] = (1, 4, 12, 36, 100)
    persona_sd: float = 0.5
    question_sd: float = 0.5


DEFAULT_DESIGNS = (
    Design("2 personas (default run)", {"full": (2.5, -0.8), "rag": (0.6, 0.0)}, 2, 12),
    Design("3 personas", {"full": (2.5, -0.8), "rag": (0.6, 0.0)}, 3, 12),
    Design("5 personas", {"full": (2.5, -0.8), "rag": (0.6, 0.0)}, 5, 12),
    Design("10 personas", {"full": (2.5, -0.8), "rag": (0.6, 0.0)}, 10, 12),
    Design("30 personas", {"full": (2.5, -0.8), "rag": (0.6, 0.0)}, 30, 12),
    Design("30 personas, near ceiling", {"full": (4.0, -0.3), "rag": (3.0, 0.0)}, 30, 12),
)


def true_accuracy(design: Design, solver: str, sizes) -> np.ndarray:
    """Population accuracy of ``solver`` at ``sizes``: E[expit(a + b log s + u + v)] over the normal persona
    and question effects (their sum is normal), by 80-node Gauss-Hermite quadrature."""
    a, b = design.accuracy[solver]
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    sd = float(np.hypot(design.persona_sd, design.question_sd))
    eta = a + b * np.log(np.atleast_1d(np.asarray(sizes, float)))[:, None] + sd * nodes[None, :]
    return expit(eta) @ weights / weights.sum()


def _true_curve(design: Design, solver: str, grid: np.ndarray) -> np.ndarray:
    return true_accuracy(design, solver, grid)


def true_crossover(design: Design, a: str, b: str) -> float | None:
    grid = np.geomspace(min(design.sizes), max(design.sizes), 2000)
    d = _true_curve(design, a, grid) - _true_curve(design, b, grid)
    flip = np.flatnonzero(np.sign(d[:-1]) != np.sign(d[1:]))
    if flip.size == 0:
        return None
    i = flip[0]
    t = d[i] / (d[i] - d[i + 1])
    return float(np.exp(np.log(grid[i]) + t * (np.log(grid[i + 1]) - np.log(grid[i]))))


def true_effective_length(design: Design, solver: str, share: float = 0.85) -> float | None:
    grid = np.geomspace(min(design.sizes), max(design.sizes), 2000)
    curve = _true_curve(design, solver, grid)
    below = np.flatnonzero(curve < share * curve[0])
    return None if below.size == 0 else float(grid[below[0]])


@dataclass
class Tally:
    covered: int = 0
    total: int = 0
    width: float = 0.0
    printed: int = 0  # repetitions where an interval was printed at all
    reps: int = 0

    def add(self, low, high, truth) -> None:
        low, high, truth = np.atleast_1d(low), np.atleast_1d(high), np.atleast_1d(truth)
        ok = np.isfinite(low) & np.isfinite(high)
        self.covered += int(np.sum((low[ok] <= truth[ok] + 1e-12) & (truth[ok] <= high[ok] + 1e-12)))
        self.total += int(ok.sum())
        self.width += float(np.sum(high[ok] - low[ok]))

    @property
    def coverage(self) -> float:
        return self.covered / self.total if self.total else float("nan")


def run_coverage(designs=DEFAULT_DESIGNS, reps: int = 200, n_resamples: int = 400, seed: int = 0,
                 curves: bool = True) -> pl.DataFrame:
    """One row per (design, interval kind): repetitions, intervals checked, coverage, mean width."""
    rows = []
    for design in designs:
        solvers = sorted(design.accuracy)
        a, b = solvers[0], solvers[1]
        truth_cell = {s: dict(zip(design.sizes, true_accuracy(design, s, design.sizes))) for s in solvers}
        pooled_truth = float(np.mean([truth_cell[a][s] - truth_cell[b][s] for s in design.sizes]))
        x_truth = true_crossover(design, a, b)
        len_truth = {s: true_effective_length(design, s) for s in solvers}
        tallies = {k: Tally() for k in ("per cell", "paired (per size)", "paired (pooled)", "curve band",
                                        "crossover", "effective length")}
        for rep in range(reps):
            frame = simulate_results(design.accuracy, sizes=design.sizes, personas=design.personas,
                                     questions_per_persona=design.questions, persona_sd=design.persona_sd,
                                     question_sd=design.question_sd, seed=seed + 1000 * rep + 7)
            cells = summarise(frame, by=["solver", "size"], cluster="history_id")
            truth = np.array([truth_cell[s][z] for s, z in zip(cells["solver"], cells["size"])])
            tallies["per cell"].add(cells["ci_low"].to_numpy(), cells["ci_high"].to_numpy(), truth)
            per_size = compare_solvers(frame, a, b, by=["size"], cluster="history_id")
            t = np.array([truth_cell[a][z] - truth_cell[b][z] for z in per_size["size"]])
            tallies["paired (per size)"].add(per_size["ci_low"].to_numpy(), per_size["ci_high"].to_numpy(), t)
            pooled = compare_solvers(frame, a, b, cluster="persona_id")
            tallies["paired (pooled)"].add(pooled["ci_low"].to_numpy(), pooled["ci_high"].to_numpy(), pooled_truth)
            for tally in tallies.values():
                tally.reps += 1
            if not curves:
                continue
            fitted = accuracy_curves(frame, cluster="persona_id", n_resamples=n_resamples, seed=rep)
            for s in solvers:
                c = fitted[s]
                at = np.isin(c.grid, np.asarray(design.sizes, float))
                if c.has_band:
                    tallies["curve band"].printed += 1
                    tallies["curve band"].add(c.low[at], c.high[at], [truth_cell[s][z] for z in c.grid[at]])
                e = effective_length(c)
                if e.low is not None and len_truth[s] is not None:
                    tallies["effective length"].printed += 1
                    tallies["effective length"].add(np.log(e.low), np.log(e.high), np.log(len_truth[s]))
            x = crossover(fitted[a], fitted[b])
            if x.found and x_truth is not None:
                tallies["crossover"].printed += 1
                tallies["crossover"].add(np.log(x.low), np.log(x.high), np.log(x_truth))
        for kind, tally in tallies.items():
            if kind in ("curve band", "crossover", "effective length") and not curves:
                continue
            rows.append({"design": design.name, "interval": kind, "reps": reps, "printed": tally.printed
                         if kind in ("curve band", "crossover", "effective length") else reps,
                         "checked": tally.total, "coverage": tally.coverage,
                         "mean_width": tally.width / tally.total if tally.total else float("nan")})
    return pl.DataFrame(rows)
