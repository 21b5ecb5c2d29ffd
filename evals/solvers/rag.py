"""rag: BM25 top-k units of the history, shown in chronological order with their dates.

The index is built once per (history, unit) and reused by every question of that history. The ranked
units are recorded (`retrieved_units`) so retrieval quality is scored against the evidence for free.

LongMemEval's memory designs (Wu et al. 2024, section 5: value granularity, key expansion, time-aware
query expansion) are options: `unit="session"` (an alias
of conversation) vs "round" values, `key="value+facts"` (LLM-extracted user facts prepended to each
key, evals.retrieval.keys) and `time_aware=True` (sessions in an LLM-inferred date range moved to the
front, evals.retrieval.time_aware). The defaults are plain BM25 on the value.

`context_budget` (tokens) replaces top-k by a budget: units are taken in rank order while they fit (a
unit that does not fit is skipped, the next may), so RAG is compared with other solvers at equal context
cost rather than at an arbitrary k; the units considered are recorded as the ranking, so a ranked unit
the budget left out is told apart from one never ranked.

`retriever="dense"` ranks by MiniLM embeddings and `"hybrid"` fuses BM25 and dense by reciprocal rank
(evals.retrieval.dense / hybrid; both need the `dense` extra and say so in one line when it is missing).
"""

from __future__ import annotations

import anyio
from inspect_ai.solver import Generate, Solver, TaskState, solver

from memcurve.evals.context import render
from memcurve.evals.history import load_history
from memcurve.evals.retrieval import RETRIEVERS
from memcurve.evals.retrieval.keys import DEFAULT_CACHE_DIR, keyed_index
from memcurve.evals.retrieval.time_aware import time_aware_rerank
from memcurve.evals.solvers.options import require_installed, solver_options
from memcurve.evals.solvers.prompt import answer_message, budget_for, record


@solver
def rag(k: int = 5, unit: str = "round", max_context_tokens: int | None = None, key: str = "value",
        time_aware: bool = False, key_cache: str | None = str(DEFAULT_CACHE_DIR), retriever: str = "bm25",
        context_budget: int | None = None) -> Solver:
    """Answer from the `k` history units (message | round | conversation/session) BM25 ranks highest.

    If the retrieved units overflow the window, the lowest-ranked are left out and that is recorded.
    key: "value" or "value+facts" (facts cached under `key_cache`; None = in process only);
    time_aware: rerank by the date range the question refers to (recorded as `time_range`);
    retriever: "bm25" | "dense" | "hybrid" (BM25 + dense by reciprocal rank fusion; key must be "value");
    context_budget: fill this many tokens with units in rank order instead of taking the top k.
    """
    o = solver_options(k=k, unit=unit, max_context_tokens=max_context_tokens, key=key, time_aware=time_aware,
                       key_cache=key_cache, retriever=retriever)
    require_installed(o)
    k, unit, key, time_aware, retriever, key_cache = o.k, o.unit, o.key, o.time_aware, o.retriever, o.key_cache
    ranker = RETRIEVERS.get(retriever)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        history = load_history(state.metadata["db"], state.metadata["history_id"])
        options: dict = {} if retriever == "bm25" else {"retriever": retriever}
        if key == "value":
            index = await anyio.to_thread.run_sync(ranker.index_for, history, unit) if ranker.slow \
                else ranker.index_for(history, unit)  # encoding takes seconds
            options.update({"key": key} if time_aware else {})
        else:
            index, options = await keyed_index(history, unit, key, cache_dir=key_cache)
        fill = context_budget is not None
        hits = index.search(state.input_text, len(index.units) if time_aware or fill else k)
        if time_aware:
            hits, found = await time_aware_rerank(hits, history, state.input_text, state.metadata["asked_at"])
            hits, options = (hits if fill else hits[:k]), {**options, **found}
        budget = budget_for(max_context_tokens, context_budget)
        if fill:
            shown, hits = fill_budget(history, hits, budget)
            context = render(history, [mid for hit in shown for mid in hit.unit.message_ids])
        else:
            shown = list(hits)
            context = render(history, [mid for hit in shown for mid in hit.unit.message_ids])
            while budget is not None and shown and context.tokens > budget:
                shown.pop()  # drop the lowest-ranked unit
                context = render(history, [mid for hit in shown for mid in hit.unit.message_ids])
        dropped_units = len(hits) - len(shown)
        state.messages = [answer_message(state, context)]
        record(state, "rag", context, truncated=dropped_units > 0,
               retrieved_units=[list(hit.unit.message_ids) for hit in hits], history=history,
               k=len(shown) if fill else k, unit=unit, dropped_units=dropped_units,
               retrieval_scores=[round(hit.score, 4) for hit in hits], context_budget=context_budget, **options)
        return await generate(state)

    return solve


FILL_PATIENCE = 8  # consecutive units that do not fit before the budget counts as full


def fill_budget(history, hits: list, budget: int | None) -> tuple[list, list]:
    """(shown, considered): units in rank order that fit `budget` together, skipping those that do not.

    Stops after FILL_PATIENCE consecutive misfits (the rest is ranked too low to matter and re-rendering
    every unit of a long history per question would cost more than the answer); `considered` is the
    ranking up to there.
    """
    if budget is None:
        return list(hits), list(hits)
    shown: list = []
    misfits = 0
    for i, hit in enumerate(hits):
        trial = render(history, [mid for h in (*shown, hit) for mid in h.unit.message_ids])
        if trial.tokens <= budget:
            shown.append(hit)
            misfits = 0
        else:
            misfits += 1
            if misfits >= FILL_PATIENCE:
                return shown, list(hits[:i + 1])
    return shown, list(hits)
