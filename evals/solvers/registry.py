"""SOLVERS: the one list of solver names, each with the factory that builds it from SolverOptions.

Every memory system registered in evals.memory.SYSTEMS is the solver `memory:<name>`, so adding a
memory system adds its solver; adding any other solver is one `SOLVERS.add` here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from inspect_ai.solver import Solver

from memcurve.evals.memory import SOLVER_PREFIX, SYSTEMS
from memcurve.evals.registry import Entry, Registry
from memcurve.evals.solvers.full_context import full_context
from memcurve.evals.solvers.memory import memory
from memcurve.evals.solvers.no_context import no_context
from memcurve.evals.solvers.options import SolverOptions
from memcurve.evals.solvers.oracle import oracle
from memcurve.evals.solvers.rag import rag

SOLVERS: Registry[Callable[[SolverOptions], Solver]] = Registry("solver")
SOLVERS.add("full_context", lambda o: full_context(max_context_tokens=o.max_context_tokens,
                                                   context_budget=o.context_budget),
            "the whole history (its most recent part when it overflows the window)")
SOLVERS.add("rag", lambda o: rag(k=o.k, unit=o.unit, max_context_tokens=o.max_context_tokens, key=o.key,
                                 time_aware=o.time_aware, key_cache=o.key_cache, retriever=o.retriever,
                                 context_budget=o.context_budget),
            "the k history units the retriever ranks highest")
SOLVERS.add("oracle", lambda o: oracle(max_context_tokens=o.max_context_tokens, context_budget=o.context_budget),
            "only the conversations holding the evidence (upper bound)")
SOLVERS.add("no_context", lambda o: no_context(), "the question alone (floor)")


def _add_memory_solver(system: Entry) -> None:
    def build(o: SolverOptions) -> Solver:
        return memory(system=system.name, memory_cache=o.memory_cache, max_context_tokens=o.max_context_tokens,
                      context_budget=o.context_budget)

    SOLVERS.add(f"{SOLVER_PREFIX}{system.name}", build, system.help)


SYSTEMS.follow(_add_memory_solver)  # every memory system, including ones registered later, is a solver

def build_solver(name: str, options: SolverOptions | None = None) -> Solver:
    """One solver by name, configured by `options` (defaults when None)."""
    return SOLVERS.get(name)(options or SolverOptions())


def build_solvers(names: Iterable[str], options: SolverOptions) -> dict[str, Solver]:
    return {name: build_solver(name, options) for name in names}


def uses_memory(names: Iterable[str]) -> bool:
    return any(name.startswith(SOLVER_PREFIX) for name in names)
