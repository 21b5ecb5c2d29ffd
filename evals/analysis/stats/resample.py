"""Cluster bootstrap machinery shared by every interval in this package.

A cluster bootstrap draws C clusters with replacement from the C observed ones. Every statistic we
bootstrap (means, ratios, logistic and log-log fits) depends on the data only through per-cluster
sums, so one resample is fully described by how often each cluster was drawn: a row of a (B, C)
count matrix. Statistics then become matrix products ``counts @ per_cluster_sums`` - no Python
loop over resamples or samples. Counts are produced in chunks so memory stays bounded when there
are many clusters, and several statistics (e.g. the curves of all solvers) can be evaluated on the
very same resamples, which is what makes paired quantities such as crossovers valid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from memcurve.errors import MemcurveError

# Upper bound on entries of one (chunk, C) count matrix: 4M float64 = 32 MB.
MAX_CHUNK_ENTRIES = 4_000_000


class StatsError(MemcurveError, ValueError):
    """Invalid input to a statistic (missing column, bad level, mismatched lengths)."""


def check_level(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise StatsError(f"level must be in the open interval (0, 1), got {level!r}")
    return float(level)


def encode_clusters(clusters: Sequence | np.ndarray | None, n: int) -> tuple[np.ndarray, int]:
    """Map arbitrary cluster ids to 0..C-1 (sorted order, so the mapping is deterministic).

    ``None`` means every sample is its own cluster, which turns the cluster bootstrap into the
    ordinary bootstrap and the clustered SE into the (n-weighted) CLT SE.
    """
    if clusters is None:
        return np.arange(n), n
    ids = np.asarray(clusters)
    if ids.shape != (n,):
        raise StatsError(f"clusters has {ids.size} entries but there are {n} scores")
    _, codes = np.unique(ids, return_inverse=True)
    codes = codes.reshape(-1)
    return codes, int(codes.max()) + 1 if n else 0


def cluster_sums(codes: np.ndarray, n_clusters: int, columns: np.ndarray) -> np.ndarray:
    """Per-cluster sums of each column of ``columns`` (shape (n,) or (n, k)) -> (C,) or (C, k)."""
    columns = np.asarray(columns, dtype=float)
    if columns.ndim == 1:
        return np.bincount(codes, weights=columns, minlength=n_clusters)
    return np.stack(
        [np.bincount(codes, weights=columns[:, j], minlength=n_clusters) for j in range(columns.shape[1])],
        axis=1,
    )


@dataclass(frozen=True)
class Resampling:
    """A reproducible cluster bootstrap design: C clusters, B resamples, one seed.

    Two statistics computed with equal ``Resampling`` objects see identical resamples.
    """

    n_clusters: int
    n_resamples: int
    seed: int
    clusters_key: str = ""  # identifies the cluster set, so equal designs really share resamples

    def chunk_size(self) -> int:
        return max(1, min(self.n_resamples, MAX_CHUNK_ENTRIES // max(self.n_clusters, 1)))

    def counts(self):
        """Yield (chunk, C) float arrays of cluster draw counts; rows sum to C.

        The chunking depends only on (C, B), so the stream of counts is a pure function of the
        design and the seed.
        """
        rng = np.random.default_rng(self.seed)
        c = self.n_clusters
        probs = np.full(c, 1.0 / c)
        done = 0
        step = self.chunk_size()
        while done < self.n_resamples:
            m = min(step, self.n_resamples - done)
            yield rng.multinomial(c, probs, size=m).astype(float)
            done += m

    def map(self, statistic: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Apply ``statistic(counts_chunk) -> (chunk, ...)`` to every chunk and concatenate."""
        if self.n_resamples < 1 or self.n_clusters < 1:
            raise StatsError(f"a bootstrap needs at least one resample and one cluster, got {self}")
        return np.concatenate([statistic(w) for w in self.counts()], axis=0)


def percentile_interval(draws: np.ndarray, level: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed percentile interval over resamples, ignoring NaN draws."""
    tail = (1.0 - level) / 2.0
    low, high = np.nanquantile(draws, [tail, 1.0 - tail], axis=axis)
    return low, high
