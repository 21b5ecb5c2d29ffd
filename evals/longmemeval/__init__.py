"""LongMemEval in memcurve (Wu et al. 2024, "LongMemEval: Benchmarking Chat Assistants on Long-Term
Interactive Memory"): its judge, its metrics, its data (imported or a generated look-alike); its memory
designs (value granularity, key expansion, time-aware ranking) are rag options (evals.solvers.rag).
"""

from __future__ import annotations

from memcurve.evals.longmemeval.default_benchmark import ABILITIES, default_benchmark, resolve_data
from memcurve.evals.longmemeval.judge import longmemeval_judge, parse_yes_no, prompt_type
from memcurve.evals.longmemeval.metrics import (
    longmemeval_accuracy,
    longmemeval_retrieval,
    qa_summary,
    question_type,
    sample_retrieval,
)


def first_histories(samples: list, n: int | None) -> list:
    """Samples of the first `n` histories (in dataset order; None = all). LongMemEval histories differ in
    size, so the dataset's per-size limit would not cut them."""
    if n is None:
        return samples
    keep = list(dict.fromkeys(s.metadata["history_id"] for s in samples))[:n]
    return [s for s in samples if s.metadata["history_id"] in set(keep)]


__all__ = ["ABILITIES", "default_benchmark", "first_histories", "longmemeval_accuracy", "longmemeval_judge", "longmemeval_retrieval",
           "parse_yes_no", "prompt_type", "qa_summary", "question_type", "resolve_data",
           "sample_retrieval"]
