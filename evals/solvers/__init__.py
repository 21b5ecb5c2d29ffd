"""Solvers that decide what the model sees: the whole history, retrieved pieces, the evidence, or nothing."""

from __future__ import annotations

from inspect_ai.solver import Solver

from memcurve.evals.solvers.compare import compare
from memcurve.evals.solvers.full_context import full_context
from memcurve.evals.solvers.no_context import no_context
from memcurve.evals.solvers.oracle import oracle
from memcurve.evals.solvers.rag import rag
from memcurve.evals.task_options import SOLVER_NAMES


def build_solver(name: str, *, k: int = 5, unit: str = "round", max_context_tokens: int | None = None,
                 memory_cache: str | None = "results/memory", **rag_options) -> Solver:
    """One solver by name, taking only the options it uses.

    `memory:<system>` names a memory system (evals.solvers.memory); `rag_options` (key, time_aware,
    key_cache, retriever) go to rag only.
    """
    if name == "full_context":
        return full_context(max_context_tokens=max_context_tokens)
    if name == "rag":
        return rag(k=k, unit=unit, max_context_tokens=max_context_tokens, **rag_options)
    if name == "oracle":
        return oracle(max_context_tokens=max_context_tokens)
    if name == "no_context":
        return no_context()
    if name.startswith("memory:") and name in SOLVER_NAMES:
        from memcurve.evals.solvers.memory import memory

        return memory(system=name.removeprefix("memory:"), memory_cache=memory_cache,
                      max_context_tokens=max_context_tokens)
    raise ValueError(f"unknown solver {name!r}; valid: {', '.join(SOLVER_NAMES)}")


__all__ = ["SOLVER_NAMES", "build_solver", "compare", "full_context", "no_context", "oracle", "rag"]
