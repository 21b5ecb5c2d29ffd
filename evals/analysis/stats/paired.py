"""Paired comparison of two solvers answering the same questions.

Pairing removes the between-question variance that both solvers share (Miller 2024, section 4):
we analyse d_i = a_i - b_i with a clustered SE, report the correlation of a and b (why pairing helps),
and for 0/1 scores McNemar's exact test, a two-sided binomial test on the discordant pairs.

The interval for 0/1 scores is Newcombe's hybrid score interval for a paired difference (Newcombe 1998,
Statistics in Medicine 17:2635, method 10) built from Clopper-Pearson intervals of the two accuracies at
the effective sample size n / design effect, where the design effect is that of d (clustered over
independent variance, at least FEW_CLUSTERS clusters) or its worst case (sum m_c^2 / n) with fewer
clusters or no discordant pairs. It lies in [-1, 1], contains the difference and never has zero width,
unlike a clustered t interval on 2 clusters (1 degree of freedom: [-2.1, +2.0]) or on clusters whose
discordant pairs cancel ([0, 0]). Non-0/1 scores keep the clustered t interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats as sps

from memcurve.evals.analysis.stats.intervals import (
    as_scores,
    clopper_pearson,
    clt_se,
    clustered_se,
    estimated_design_effect,
    t_critical,
)
from memcurve.evals.analysis.stats.resample import StatsError, check_level, encode_clusters


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts (1.0 when there are none)."""
    n = int(a_only) + int(b_only)
    if n == 0:
        return 1.0
    return float(sps.binomtest(int(min(a_only, b_only)), n, 0.5, alternative="two-sided").pvalue)


@dataclass(frozen=True)
class PairedComparison:
    """Solver A minus solver B on the same questions."""

    n: int
    n_clusters: int
    mean_a: float
    mean_b: float
    difference: float
    se: float
    ci_low: float
    ci_high: float
    level: float
    correlation: float
    a_only: int | None  # A right, B wrong (None when scores are not 0/1)
    b_only: int | None
    mcnemar_p: float | None
    method: str = "clustered t"
    n_eff: float = float("nan")

    @property
    def sentence(self) -> str:
        pct = round(self.level * 100)
        text = (f"A - B = {self.difference:+.3f} ({pct}% CI {self.ci_low:+.3f} to {self.ci_high:+.3f}, {self.method}; "
                f"n={self.n} in {self.n_clusters} clusters, r={self.correlation:.2f})")
        if self.mcnemar_p is not None:
            text += f"; McNemar exact p={self.mcnemar_p:.3g} ({self.a_only} vs {self.b_only} discordant)"
        return text


def paired_comparison(a, b, clusters=None, level: float = 0.95, small_sample: bool = True) -> PairedComparison:
    """Compare aligned score arrays ``a`` and ``b`` (same question at the same index).

    The interval is difference +/- t * SE with the clustered SE of d and C-1 degrees of freedom, or
    the CLT SE with n-1 degrees of freedom when ``clusters`` is None.
    """
    a, b = as_scores(a), as_scores(b)
    check_level(level)
    if a.shape != b.shape:
        raise StatsError(f"paired scores need equal lengths, got {a.size} and {b.size}")
    if a.size == 0:
        raise StatsError("paired comparison of zero questions")
    d = a - b
    if clusters is None:
        se, c, df = clt_se(d), a.size, a.size - 1
    else:
        _, c = encode_clusters(clusters, a.size)
        se, df = clustered_se(d, clusters, small_sample), c - 1
    diff = float(d.mean())
    half = t_critical(level, df) * se
    low, high, method, n_eff = diff - half, diff + half, "clustered t", float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = float(np.corrcoef(a, b)[0, 1]) if a.size > 1 and a.std() > 0 and b.std() > 0 else float("nan")
    binary = bool(np.isin(a, (0.0, 1.0)).all() and np.isin(b, (0.0, 1.0)).all())
    a_only = int(np.sum((a == 1) & (b == 0))) if binary else None
    b_only = int(np.sum((a == 0) & (b == 1))) if binary else None
    p = mcnemar_exact(a_only, b_only) if binary else None
    if binary:
        codes, c = encode_clusters(clusters, a.size)
        deff, how = estimated_design_effect(se * se, float(np.var(d, ddof=1)) / a.size if a.size > 1 else 0.0,
                                            np.bincount(codes, minlength=c))
        n_eff = a.size / deff
        low, high = newcombe_paired(a, b, n_eff, level)
        method = f"Newcombe paired score, n_eff={n_eff:.1f} ({how})"
    return PairedComparison(int(a.size), int(c), float(a.mean()), float(b.mean()), diff, float(se),
                            low, high, level, corr, a_only, b_only, p, method, n_eff)


def newcombe_paired(a: np.ndarray, b: np.ndarray, n_eff: float, level: float) -> tuple[float, float]:
    """Newcombe's method 10 for p_a - p_b on paired 0/1 scores, its margins' intervals at ``n_eff``."""
    n = a.size
    both = float(np.sum((a == 1) & (b == 1)))
    a_only = float(np.sum((a == 1) & (b == 0)))
    b_only = float(np.sum((a == 0) & (b == 1)))
    neither = n - both - a_only - b_only
    p1, p2 = a.mean(), b.mean()
    l1, u1 = clopper_pearson(p1 * n_eff, n_eff, level)
    l2, u2 = clopper_pearson(p2 * n_eff, n_eff, level)
    margins = (both + a_only) * (b_only + neither) * (both + b_only) * (a_only + neither)
    cross = both * neither - a_only * b_only
    if cross > 0:  # Newcombe's continuity correction of phi
        cross = max(cross - n / 2.0, 0.0)
    phi = cross / np.sqrt(margins) if margins > 0 else 0.0
    diff = p1 - p2
    down = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2
    up = (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2
    return float(max(-1.0, diff - np.sqrt(max(down, 0.0)))), float(min(1.0, diff + np.sqrt(max(up, 0.0))))


def _require(frame: pl.DataFrame, columns) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise StatsError(f"results frame has no column {missing[0]!r}; columns are {', '.join(frame.columns)}")


def compare_solvers(
    frame: pl.DataFrame,
    a: str,
    b: str,
    *,
    solver: str = "solver",
    on: tuple[str, ...] = ("history_id", "question_id"),
    score: str = "correct",
    cluster: str | None = "history_id",
    by: tuple[str, ...] | list[str] = (),
    level: float = 0.95,
) -> pl.DataFrame:
    """Paired comparison of solvers ``a`` and ``b`` per group of ``by``, as a polars frame.

    Rows are matched on ``on`` (plus ``by``); repeated rows of a key (epochs) are averaged first;
    questions unscored (null/NaN) by either solver are dropped. Cluster by ``persona_id`` (or
    ``chain_id``) when ``by`` does not split sizes, because nested histories repeat the same
    questions at every size.
    """
    by = list(by)
    keys = list(dict.fromkeys([*by, *on, *([cluster] if cluster else [])]))
    _require(frame, [solver, score, *keys])
    scored = frame.with_columns(pl.col(score).cast(pl.Float64)).filter(
        pl.col(score).is_not_null() & pl.col(score).is_not_nan()
    )

    def side(name: str, alias: str) -> pl.DataFrame:
        part = scored.filter(pl.col(solver) == name)
        return part.group_by(keys).agg(pl.col(score).mean().alias(alias))

    joined = side(a, "_a").join(side(b, "_b"), on=keys, how="inner")
    if by:
        joined = joined.sort(keys)
        groups = joined.partition_by(by, maintain_order=True, as_dict=True)
    else:
        groups = {(): joined.sort(keys)}
    rows = []
    for key, part in groups.items():
        if part.height == 0:
            continue
        res = paired_comparison(part["_a"], part["_b"], part[cluster].to_numpy() if cluster else None, level)
        row = dict(zip(by, key))
        row.update(solver_a=a, solver_b=b, n=res.n, n_clusters=res.n_clusters, mean_a=res.mean_a,
                   mean_b=res.mean_b, difference=res.difference, se=res.se, ci_low=res.ci_low,
                   ci_high=res.ci_high, ci_method=res.method, n_eff=res.n_eff, correlation=res.correlation, a_only=res.a_only, b_only=res.b_only,
                   mcnemar_p=res.mcnemar_p)
        rows.append(row)
    schema_hint = {"a_only": pl.Int64, "b_only": pl.Int64, "mcnemar_p": pl.Float64}
    return pl.DataFrame(rows, schema_overrides=schema_hint) if rows else pl.DataFrame()

