"""full_context: the whole history, oldest first, then the question.

When the history does not fit the model's window, the most recent conversations that fit are kept and
the truncation is recorded (never silently). The rendering is cached per history, so every question of a
history gets a byte-identical prefix.
"""

from __future__ import annotations


from inspect_ai.solver import Generate, Solver, TaskState, solver

from memcurve.evals.context import RenderedContext, keep_recent, render
from memcurve.evals.history import History, load_history
from memcurve.evals.memo import HistoryMemo
from memcurve.evals.solvers.prompt import answer_message, budget_for, record

_renders: HistoryMemo[tuple[RenderedContext, int]] = HistoryMemo()


def fitted_history(history: History, budget: int | None) -> tuple[RenderedContext, int]:
    """The rendered history within `budget` tokens and the number of (oldest) conversations dropped."""
    def build() -> tuple[RenderedContext, int]:
        kept, dropped = keep_recent(history.conversations, budget)
        return render(history, [m.message_id for c in kept for m in c.messages] if dropped else None), dropped

    return _renders.get(history, budget, build)


@solver
def full_context(max_context_tokens: int | None = None, cache_history: bool = True,
                 context_budget: int | None = None) -> Solver:
    """Answer from the whole history (recent part if it overflows `max_context_tokens` / the model window).

    Args:
      max_context_tokens: the model's context window; default: the offline provider's table, else unlimited.
      cache_history: mark the history part as a prompt-cache breakpoint (Anthropic); shared by all questions.
      context_budget: at most this many history tokens (the most recent conversations that fit).
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        history = load_history(state.metadata["db"], state.metadata["history_id"])
        context, dropped = fitted_history(history, budget_for(max_context_tokens, context_budget))
        state.messages = [answer_message(state, context, cache_history=cache_history)]
        record(state, "full_context", context, truncated=dropped > 0, dropped_conversations=dropped,
               context_budget=context_budget)
        return await generate(state)

    return solve
