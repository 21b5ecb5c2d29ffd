"""no_context: the question alone (the floor: guessing, or abstaining, without any memory)."""

from __future__ import annotations

from inspect_ai.solver import Generate, Solver, TaskState, solver

from memcurve.evals.solvers.prompt import answer_message, record


@solver
def no_context() -> Solver:
    """Answer with no history at all."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state.messages = [answer_message(state, None)]
        record(state, "no_context", None)
        return await generate(state)

    return solve
