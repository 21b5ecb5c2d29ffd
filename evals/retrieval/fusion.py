"""Reciprocal rank fusion (Cormack, Clarke and Buettcher, "Reciprocal Rank Fusion outperforms Condorcet", SIGIR 2009).

score(d) = sum over rankings of 1 / (k + rank of d), ranks 1-based; a document absent from a ranking
adds nothing. RRF needs only ranks, so BM25 scores and cosine similarities, which live on different
scales, fuse without any normalisation. k = 60 is the paper's value (near-optimal, not critical).
Equal fused scores go to the lower index (the earlier unit of a history), so the order is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

RRF_K = 60


def rrf_scores(rankings: Iterable[Sequence[int]], k: int = RRF_K) -> dict[int, float]:
    """Document index -> fused score, for every document found in at least one ranking (best first each)."""
    if k < 0:
        raise ValueError(f"rrf k must be >= 0, got {k}")
    scores: dict[int, float] = {}
    for ranking in rankings:
        if len(set(ranking)) != len(ranking):
            raise ValueError("a ranking lists a document twice")
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    return scores


def reciprocal_rank_fusion(rankings: Iterable[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """(index, fused score) pairs, best first; ties go to the lower index."""
    scores = rrf_scores(rankings, k)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
