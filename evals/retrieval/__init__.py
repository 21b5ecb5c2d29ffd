"""Retrieval over a history: units (message / round / conversation) and BM25 ranking."""

from memcurve.evals.retrieval.bm25 import BM25Index, Hit, index_for
from memcurve.evals.retrieval.units import UNITS, Unit, split_units

__all__ = ["BM25Index", "Hit", "UNITS", "Unit", "index_for", "split_units"]
