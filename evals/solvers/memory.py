"""memory: feed the history's conversations, in order, into a memory system, then answer from its context.

    memory(system="fact_store")   # mem0-style extract/update facts (model calls at ingest)
    memory(system="summary")      # rolling summary + recent conversations (one call per conversation)
    memory(system="hybrid")       # recent conversations + BM25 over older ones (no calls at ingest)
    memory(system="mem0")         # mem0's own Memory class, when the `mem0` package is installed

In a task's `solvers` list these are `memory:fact_store`, `memory:summary`, `memory:hybrid`, `memory:mem0`.
The memory is built once per (conversations, system, config, memory model) and shared by every question
of the history (evals.memory.cache), on disk under `memory_cache` (default results/memory; None or
"off" keeps it in process). Ingest calls go to the `memory` model role (`--model-role memory=...`),
which falls back to the model under test; they are tagged with that role, so the log's role usage shows
the ingestion tokens apart from the answers. The answer prompt has the layout of every other solver:
memory context first, question last. Memory solvers record no `retrieved_units` (a memory item is not a
history unit), so retrieval metrics are NaN for them; hybrid's ranked older units are in memory_details.

Recorded in the sample store: memory_system, memory_items (live model-written items: fact_store
memories, summary sentences; 0 for hybrid, which keeps the conversations verbatim), memory_ops {ADD,
UPDATE, DELETE, NONE, failed, dropped}, ingest_tokens (every chat token it took to build this memory), ingest_calls,
ingest_embedding_tokens / ingest_embedding_calls (what an external system embedded through the model bridge
while building it, counted by the embedder's tokenizer),
ingest_tokens_per_conversation, ingest_tokens_this_sample (non-zero only where the ingest ran),
memory_source (built | resumed | disk | memory) and memory_key, by which the memory_operations scorer
(evals.memory.operations) finds the built memory and scores it; and what stage attribution
(evals.scorers.stages) reads: memory_texts (the live model-written item texts) and
memory_verbatim_conversations (the conversation ids the system keeps word for word).
"""

from __future__ import annotations

import inspect
from typing import Any

from inspect_ai.model import get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver

from memcurve.evals.history import load_history
from memcurve.evals.memory import SYSTEMS, make_system
from memcurve.evals.memory.cache import MemoryCache
from memcurve.evals.memory.llm import DEFAULT_RETRIES, MemoryLLM
from memcurve.evals.parsers import parse_directory
from memcurve.evals.solvers.options import DEFAULT_MEMORY_CACHE
from memcurve.evals.solvers.prompt import answer_message, budget_for, record



@solver
def memory(system: str = "fact_store", memory_cache: str | None = DEFAULT_MEMORY_CACHE,
           max_context_tokens: int | None = None, retries: int = DEFAULT_RETRIES,
           options: dict[str, Any] | None = None, context_budget: int | None = None) -> Solver:
    """Answer from the context a memory system built over the history.

    Args:
      system: fact_store | summary | hybrid | mem0.
      memory_cache: directory for built memories (None / "off": in process only).
      max_context_tokens: the answer model's window (default: the model's own, when known).
      retries: extra attempts for a model reply that is not valid JSON / text.
      options: keyword options of the system (e.g. {"recent": 3} for summary or hybrid).
      context_budget: at most this many tokens of memory context (the same cap as every other solver's).
    """
    options = dict(options or {})
    make_system(system, options)  # validate name and options now, not per sample
    cache = MemoryCache(parse_directory("memory_cache", memory_cache))

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        md = state.metadata
        history = load_history(md["db"], md["history_id"])
        memory_model = get_model(role="memory", default=get_model())
        llm = MemoryLLM(memory_model, retries=int(retries))
        built = await cache.get(history, lambda: make_system(system, options), llm, str(memory_model))
        context = built.system.context(state.input_text, history, budget_for(max_context_tokens, context_budget))
        if inspect.isawaitable(context):  # a library whose search is async (graphiti)
            context = await context
        state.messages = [answer_message(state, context.rendered)]
        items = built.system.items()
        record(state, f"memory:{system}", context.rendered, truncated=context.truncated,
               memory_system=system, memory_items=len(items), memory_ops=dict(built.system.ops),
               context_budget=context_budget, ingest_seconds=round(built.usage.ingest_seconds, 3),
               ingest_tokens=built.usage.total_tokens, ingest_calls=built.usage.calls,
               ingest_failed_calls=built.usage.failed_calls,
               ingest_embedding_tokens=built.usage.embedding_tokens, ingest_embedding_calls=built.usage.embedding_calls,
               ingest_tokens_per_conversation=built.usage.total_tokens / max(1, built.conversations),
               ingest_tokens_this_sample=built.run_usage.total_tokens, memory_source=built.source,
               memory_reused_conversations=built.reused_conversations, memory_key=built.key,
               memory_details=context.details, memory_texts=[i.text for i in items if i.derived],
               memory_verbatim_conversations=list(getattr(built.system, "verbatim_conversations", list)()))
        return await generate(state)

    return solve


__all__ = ["SYSTEMS", "memory"]
