"""Synthetic results frames with known truth, for checking the statistics and sizing experiments.

Mirrors the shape of evals.analysis.results: every solver answers the same questions of every persona at
every history size (histories are nested, so a question recurs at each size). Correctness follows
logit P = intercept + slope * log(size) + persona effect + question effect, where the random
effects are shared by all solvers and sizes - the clustering the intervals must account for.
Cost per question is exp(a + b log size) times log-normal noise.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.special import expit


def simulate_results(
    accuracy: dict[str, tuple[float, float]],
    *,
    sizes=(1, 5, 10, 30, 100, 300),
    personas: int = 30,
    questions_per_persona: int = 20,
    categories=("user_fact", "preference", "changing_fact"),
    persona_sd: float = 0.5,
    question_sd: float = 0.5,
    cost: dict[str, tuple[float, float]] | None = None,
    cost_sd: float = 0.1,
    seed: int = 0,
) -> pl.DataFrame:
    """One row per solver x persona x size x question; ``accuracy[name] = (intercept, slope)``."""
    rng = np.random.default_rng(seed)
    sizes = np.asarray(sizes, dtype=float)
    p_ids = np.repeat(np.arange(personas), questions_per_persona)  # one entry per question
    q_ids = np.tile(np.arange(questions_per_persona), personas)
    effect = (rng.normal(0, persona_sd, personas)[p_ids]
              + rng.normal(0, question_sd, p_ids.size))  # shared by solvers and sizes
    category = np.asarray(categories)[rng.integers(0, len(categories), p_ids.size)]
    frames = []
    for name in sorted(accuracy):
        a, b = accuracy[name]
        logit = a + b * np.log(sizes)[:, None] + effect[None, :]  # (sizes, questions)
        correct = (rng.random(logit.shape) < expit(logit)).astype(float)
        size_col = np.repeat(sizes, p_ids.size)
        persona = np.tile(p_ids, sizes.size)
        cols = {
            "solver": np.full(size_col.size, name),
            "size": size_col.astype(np.int64),
            "persona_id": [f"p{p:03d}" for p in persona],
            "history_id": [f"p{p:03d}-n{int(s):04d}" for p, s in zip(persona, size_col)],
            "question_id": [f"p{p:03d}-q{q:03d}" for p, q in zip(persona, np.tile(q_ids, sizes.size))],
            "category": np.tile(category, sizes.size),
            "correct": correct.reshape(-1),
        }
        if cost is not None:
            ca, cb = cost[name]
            noise = rng.normal(0, cost_sd, size_col.size)
            cols["cost_usd"] = np.exp(ca + cb * np.log(size_col) + noise)
        frames.append(pl.DataFrame(cols))
    return pl.concat(frames)
