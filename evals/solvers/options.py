"""What solvers are configured with: one typed object, checked once (`solver_options`).

The task parses its -T values into this object (memcurve.evals.task_options) and every solver reads
its fields; names are checked against their registries (units, keys, retrievers), so no solver parses
an option string of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from memcurve.errors import ConfigError
from memcurve.evals.parsers import parse_bool, parse_directory, parse_positive_int
from memcurve.evals.retrieval import KEYS, RETRIEVERS, UNITS

DEFAULT_MEMORY_CACHE = "default"  # <cache root>/memory (memcurve.paths)


@dataclass(frozen=True)
class SolverOptions:
    k: int = 5  # rag: units retrieved
    unit: str = "round"  # rag: canonical unit name (UNITS)
    key: str = "value"  # rag: what units are indexed under (KEYS)
    time_aware: bool = False  # rag: rerank by the question's date range
    retriever: str = "bm25"  # rag: ranking method (RETRIEVERS)
    key_cache: str | None = "default"  # rag: extracted key facts on disk (None = in process)
    max_context_tokens: int | None = None  # the answer model's window (None = the model's own, when known)
    memory_cache: str | None = DEFAULT_MEMORY_CACHE  # memory:<system>: built memories on disk (None = in process)
    context_budget: int | None = None  # every solver: at most this many context tokens (None = the window only)


def solver_options(*, k: Any = 5, unit: Any = "round", key: Any = "value", time_aware: Any = False,
                   retriever: Any = "bm25", key_cache: Any = "default",
                   max_context_tokens: Any = None, memory_cache: Any = DEFAULT_MEMORY_CACHE,
                   context_budget: Any = None) -> SolverOptions:
    """Check raw values once and return them canonical (e.g. unit "session" -> "conversation")."""
    options = SolverOptions(
        k=parse_positive_int("k", k), unit=UNITS.canonical(unit), key=KEYS.canonical(key),
        time_aware=parse_bool("time_aware", time_aware), retriever=RETRIEVERS.canonical(retriever),
        key_cache=parse_directory("key_cache", key_cache),
        max_context_tokens=parse_positive_int("max_context_tokens", max_context_tokens, allow_none=True),
        memory_cache=parse_directory("memory_cache", memory_cache),
        context_budget=parse_positive_int("context_budget", context_budget, allow_none=True))
    ranker = RETRIEVERS.get(options.retriever)
    if options.key not in ranker.keys:
        raise ConfigError(f"key={options.key} needs retriever=bm25 (facts are merged into BM25 keys), "
                          f"got {options.retriever}")
    return options


def require_installed(options: SolverOptions) -> None:
    """The one-line install hint when the chosen retriever's extra is missing."""
    ranker = RETRIEVERS.get(options.retriever)
    if ranker.require is not None:
        ranker.require()
