"""Hybrid retrieval: BM25 and dense rankings of the same units fused by reciprocal rank fusion.

BM25 is precise on shared words (names, rare terms); dense embeddings catch paraphrases. RRF
(evals.retrieval.fusion) combines their ranks without calibrating their scores. A unit BM25 scores 0
shares no stem with the question, so it is left out of the BM25 ranking (it would otherwise be ranked
by position alone and old units would gain rank for nothing); every unit is in the dense ranking.
Hybrid needs the dense extra and fails with the same one-line error when it is missing: silently
falling back to BM25 would report BM25 numbers under the hybrid name.
"""

from __future__ import annotations


import numpy as np

from memcurve.evals.history import History
from memcurve.evals.memo import HistoryMemo
from memcurve.evals.retrieval.bm25 import BM25Index, Hit, index_for
from memcurve.evals.retrieval.dense import DenseIndex, dense_index_for, require_dense
from memcurve.evals.retrieval.fusion import RRF_K, reciprocal_rank_fusion


class HybridIndex:
    """BM25 + dense over the same units; `search` returns the top-k by fused RRF score."""

    def __init__(self, bm25: BM25Index, dense: DenseIndex, rrf_k: int = RRF_K):
        if [u.message_ids for u in bm25.units] != [u.message_ids for u in dense.units]:
            raise ValueError("BM25 and dense indexes cover different units")
        self.units = bm25.units
        self.bm25, self.dense, self.rrf_k = bm25, dense, rrf_k

    def rankings(self, query: str) -> tuple[list[int], list[int]]:
        """The BM25 ranking (units with a positive score) and the dense ranking (all units), best first."""
        lexical = self.bm25.scores(query)
        bm25_order = [int(i) for i in np.argsort(-lexical, kind="stable") if lexical[i] > 0]
        semantic = self.dense.scores(query)
        return bm25_order, [int(i) for i in np.argsort(-semantic, kind="stable")]

    def search(self, query: str, k: int) -> list[Hit]:
        """The best min(k, corpus size) units by RRF score; equal scores go to the earlier unit."""
        fused = reciprocal_rank_fusion(self.rankings(query), k=self.rrf_k)[: max(0, min(k, len(self.units)))]
        return [Hit(rank, i, self.units[i], score) for rank, (i, score) in enumerate(fused)]


_indexes: HistoryMemo[HybridIndex] = HistoryMemo()


def hybrid_index_for(history: History, unit: str) -> HybridIndex:
    """The hybrid index of `history` split into `unit`s (its BM25 and dense indexes are shared)."""
    require_dense()
    dense = dense_index_for(history, unit)
    return _indexes.get(history, unit, lambda: HybridIndex(index_for(history, unit), dense))
