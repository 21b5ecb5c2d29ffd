"""rag: BM25 top-k units of the history, shown in chronological order with their dates.

The index is built once per (history, unit) and reused by every question of that history. The ranked
units are recorded (`retrieved_units`) so retrieval quality is scored against the evidence for free.
"""

from __future__ import annotations

from inspect_ai.solver import Generate, Solver, TaskState, solver

from evals.context import render
from evals.history import load_history
from evals.retrieval import index_for
from evals.solvers.prompt import answer_message, budget_for, record
from evals.task_options import parse_k, parse_unit


@solver
def rag(k: int = 5, unit: str = "round", max_context_tokens: int | None = None) -> Solver:
    """Answer from the `k` history units (message | round | conversation) BM25 ranks highest.

    If the retrieved units overflow the window, the lowest-ranked are left out and that is recorded.
    """
    k, unit = parse_k(k), parse_unit(unit)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        history = load_history(state.metadata["db"], state.metadata["history_id"])
        hits = index_for(history, unit).search(state.input_text, k)
        budget = budget_for(max_context_tokens)
        shown = list(hits)
        context = render(history, [mid for hit in shown for mid in hit.unit.message_ids])
        while budget is not None and shown and context.tokens > budget:
            shown.pop()  # drop the lowest-ranked unit
            context = render(history, [mid for hit in shown for mid in hit.unit.message_ids])
        dropped_units = len(hits) - len(shown)
        state.messages = [answer_message(state, context)]
        record(state, "rag", context, truncated=dropped_units > 0,
               retrieved_units=[list(hit.unit.message_ids) for hit in hits], k=k, unit=unit,
               dropped_units=dropped_units, retrieval_scores=[round(hit.score, 4) for hit in hits])
        return await generate(state)

    return solve
