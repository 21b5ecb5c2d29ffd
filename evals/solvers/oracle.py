"""oracle: only the conversations that hold the question's evidence (the upper bound).

If the model still fails here, the failure is reasoning or answer format, not memory.
"""

from __future__ import annotations

from inspect_ai.solver import Generate, Solver, TaskState, solver

from memcurve.evals.context import keep_recent, render
from memcurve.evals.history import load_history
from memcurve.evals.solvers.prompt import answer_message, budget_for, record


@solver
def oracle(max_context_tokens: int | None = None, context_budget: int | None = None) -> Solver:
    """Answer from the evidence conversations only, in chronological order."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        history = load_history(state.metadata["db"], state.metadata["history_id"])
        evidence = set(state.metadata["evidence_ids"])
        conversations = [c for c in history.conversations if any(m.message_id in evidence for m in c.messages)]
        kept, dropped = keep_recent(conversations, budget_for(max_context_tokens, context_budget))
        context = render(history, [m.message_id for c in kept for m in c.messages])
        state.messages = [answer_message(state, context)]
        record(state, "oracle", context, truncated=dropped > 0, dropped_conversations=dropped,
               retrieved_units=[[m.message_id for m in c.messages] for c in conversations], history=history,
               k=len(conversations), unit="conversation", context_budget=context_budget)
        return await generate(state)

    return solve
