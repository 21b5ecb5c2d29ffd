"""Memory systems behind one protocol, for the `memory` solver (evals.solvers.memory).

- fact_store: mem0-style extract, then ADD / UPDATE / DELETE / NONE (evals.memory.fact_store)
- summary: rolling summary + recent conversations verbatim (evals.memory.summary)
- hybrid: recent conversations verbatim + BM25 over the older ones (evals.memory.hybrid)
- mem0: mem0's own `Memory` class (the `mem0` extra) through the model bridge (evals.memory.mem0_adapter)
- langmem: LangMem's store manager (the `langmem` extra) through the model bridge (evals.memory.langmem_adapter)
- graphiti: Zep's Graphiti temporal graph on embedded Kuzu (the `graphiti` extra) through the model bridge
  (evals.memory.graphiti_adapter)
"""

from __future__ import annotations

from typing import Any

from memcurve.evals.memory.fact_store import FactStore
from memcurve.evals.memory.graphiti_adapter import GraphitiMemory
from memcurve.evals.memory.hybrid import RecentPlusRag
from memcurve.evals.memory.langmem_adapter import LangMemMemory
from memcurve.evals.memory.mem0_adapter import Mem0Memory
from memcurve.evals.memory.protocol import MemoryContext, MemoryItem, MemorySystem
from memcurve.evals.memory.summary import RollingSummary
from memcurve.evals.registry import Registry
from memcurve.errors import ConfigError

# The one list of memory systems: each is also the solver `memory:<name>` (evals.solvers registers them).
SYSTEMS: Registry[type] = Registry("memory system")
SYSTEMS.add("fact_store", FactStore, "mem0-style extract, then ADD / UPDATE / DELETE / NONE (model calls at ingest)")
SYSTEMS.add("summary", RollingSummary, "rolling summary + recent conversations (one call per conversation)")
SYSTEMS.add("hybrid", RecentPlusRag, "recent conversations + BM25 over the older ones (no calls at ingest)")
SYSTEMS.add("mem0", Mem0Memory, "mem0 through the model bridge (pip install -e '.[mem0]')")
SYSTEMS.add("langmem", LangMemMemory, "LangMem's store manager through the model bridge (pip install -e '.[langmem]')")
SYSTEMS.add("graphiti", GraphitiMemory, "Graphiti's temporal graph on embedded Kuzu through the model bridge "
            "(pip install -e '.[graphiti]')")
SOLVER_PREFIX = "memory:"


def make_system(name: str, options: dict[str, Any] | None = None) -> MemorySystem:
    """A fresh memory system by name; unknown names or options raise a one-line ConfigError."""
    name = SYSTEMS.canonical(name.removeprefix(SOLVER_PREFIX))
    try:
        return SYSTEMS.get(name)(**(options or {}))
    except TypeError as err:
        raise ConfigError(f"memory system {name!r}: invalid options {sorted(options or {})}: {err}") from None


__all__ = ["SOLVER_PREFIX", "SYSTEMS", "MemoryContext", "MemoryItem", "MemorySystem", "make_system"]
