"""LongMemEval in memcurve: its judge, its metrics, its data (imported or a generated look-alike) and its
memory designs as RAG options (reference/benchmarks.md §2, memory_systems.md §10).
"""

from __future__ import annotations

from inspect_ai.solver import Solver, solver

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


@solver
def longmemeval_solvers(solvers: str | list[str] = "full_context,rag", k: int = 5, unit: str = "round",
                        key: str = "value", time_aware: bool = False, key_cache: str | None = None,
                        max_context_tokens: int | None = None, memory_cache: str | None = None,
                        retriever: str = "bm25") -> Solver:
    """The compare dispatcher with LongMemEval's rag options (key, time_aware) and `retriever`."""
    from memcurve.evals.retrieval.keys import DEFAULT_CACHE_DIR
    from memcurve.evals.solvers import compare

    return compare(solvers=solvers, k=k, unit=unit, max_context_tokens=max_context_tokens, memory_cache=memory_cache,
                   key=key, time_aware=time_aware, key_cache=str(key_cache or DEFAULT_CACHE_DIR), retriever=retriever)


__all__ = ["ABILITIES", "default_benchmark", "first_histories", "longmemeval_accuracy", "longmemeval_judge", "longmemeval_retrieval",
           "longmemeval_solvers", "parse_yes_no", "prompt_type", "qa_summary", "question_type", "resolve_data",
           "sample_retrieval"]
