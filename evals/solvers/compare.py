"""compare: one task, several solvers; each sample runs the solver named in its metadata["solver"].

The dataset holds one sample per (solver, history, question), so a single log compares solvers on the
same questions, paired.
"""

from __future__ import annotations

from inspect_ai.solver import Generate, Solver, TaskState, solver

from memcurve.evals.parsers import as_list
from memcurve.evals.solvers.options import DEFAULT_MEMORY_CACHE, solver_options
from memcurve.evals.solvers.registry import SOLVERS, build_solvers


@solver
def compare(solvers: str | list[str] = "full_context,rag", k: int = 5, unit: str = "round",
            max_context_tokens: int | None = None, memory_cache: str | None = DEFAULT_MEMORY_CACHE,
            context_budget: int | None = None, **rag_options) -> Solver:
    """Dispatch each sample to the solver its metadata names (built once, shared by all samples).

    `memory:<system>` names run evals.solvers.memory with built memories cached under `memory_cache`;
    `rag_options` (key, time_aware, key_cache, retriever) configure rag. Tasks pass values their
    options object already checked (memcurve.evals.task_options).
    """
    options = solver_options(k=k, unit=unit, max_context_tokens=max_context_tokens, memory_cache=memory_cache,
                             context_budget=context_budget, **rag_options)
    built = build_solvers([SOLVERS.canonical(name) for name in dict.fromkeys(as_list(solvers))], options)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        name = state.metadata["solver"]
        if name not in built:
            raise ValueError(f"sample {state.sample_id}: solver {name!r} not in this run ({', '.join(built)})")
        return await built[name](state, generate)

    return solve
