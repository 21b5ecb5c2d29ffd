"""compare: one task, several solvers; each sample runs the solver named in its metadata["solver"].

The dataset holds one sample per (solver, history, question), so a single log compares solvers on the
same questions, paired.
"""

from __future__ import annotations

from inspect_ai.solver import Generate, Solver, TaskState, solver

from memcurve.evals.task_options import parse_solvers


@solver
def compare(solvers: str | list[str] = "full_context,rag", k: int = 5, unit: str = "round",
            max_context_tokens: int | None = None, memory_cache: str | None = "results/memory",
            **rag_options) -> Solver:
    """Dispatch each sample to the solver its metadata names (built once, shared by all samples).

    `memory:<system>` names run evals.solvers.memory with built memories cached under `memory_cache`;
    `rag_options` (key, time_aware, key_cache, retriever) configure rag.
    """
    from memcurve.evals.solvers import build_solver

    built = {name: build_solver(name, k=k, unit=unit, max_context_tokens=max_context_tokens,
                                memory_cache=memory_cache, **rag_options)
             for name in parse_solvers(solvers)}

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        name = state.metadata["solver"]
        if name not in built:
            raise ValueError(f"sample {state.sample_id}: solver {name!r} not in this run ({', '.join(built)})")
        return await built[name](state, generate)

    return solve
