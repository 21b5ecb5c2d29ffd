"""Retrieval over a history: units (message / round / conversation), keys, and the rankers.

RETRIEVERS is the one list of ranking methods: each entry builds an index of a history's units and
says what it needs installed; adding a retriever is one `RETRIEVERS.add` here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from memcurve.evals.registry import Registry
from memcurve.evals.retrieval.bm25 import BM25Index, Hit, index_for
from memcurve.evals.retrieval.dense import dense_index_for, require_dense
from memcurve.evals.retrieval.hybrid import hybrid_index_for
from memcurve.evals.retrieval.keys import KEYS
from memcurve.evals.retrieval.units import UNITS, Unit, split_units


@dataclass(frozen=True)
class Retriever:
    index_for: Callable  # (history, unit) -> an index with .units and .search(query, k)
    require: Callable[[], None] | None = None  # raises a one-line error when its extra is missing
    slow: bool = False  # builds by encoding (seconds): run it off the event loop
    keys: tuple[str, ...] = ("value",)  # the retrieval keys it can rank under


RETRIEVERS: Registry[Retriever] = Registry("retriever", unknown="invalid")
RETRIEVERS.add("bm25", Retriever(index_for, keys=KEYS.names), "BM25 over the units' text")
RETRIEVERS.add("dense", Retriever(dense_index_for, require_dense, slow=True),
               "MiniLM embeddings (needs the dense extra)")
RETRIEVERS.add("hybrid", Retriever(hybrid_index_for, require_dense, slow=True),
               "BM25 and dense fused by reciprocal rank (needs the dense extra)")

__all__ = ["BM25Index", "Hit", "KEYS", "RETRIEVERS", "Retriever", "UNITS", "Unit", "index_for", "split_units"]
