"""Memory systems behind one protocol, for the `memory` solver (evals.solvers.memory).

- fact_store: mem0-style extract, then ADD / UPDATE / DELETE / NONE (evals.memory.fact_store)
- summary: rolling summary + recent conversations verbatim (evals.memory.summary)
- hybrid: recent conversations verbatim + BM25 over the older ones (evals.memory.hybrid)
- mem0: mem0's own `Memory` class when installed (evals.memory.mem0_adapter)
"""

from __future__ import annotations

from typing import Any

from memcurve.evals.memory.fact_store import FactStore
from memcurve.evals.memory.hybrid import RecentPlusRag
from memcurve.evals.memory.mem0_adapter import Mem0Memory
from memcurve.evals.memory.protocol import MemoryContext, MemoryItem, MemorySystem
from memcurve.evals.memory.summary import RollingSummary
from memcurve.errors import ConfigError

SYSTEMS: dict[str, type] = {"fact_store": FactStore, "summary": RollingSummary, "hybrid": RecentPlusRag,
                            "mem0": Mem0Memory}
SOLVER_PREFIX = "memory:"
MEMORY_SOLVER_NAMES: tuple[str, ...] = tuple(f"{SOLVER_PREFIX}{name}" for name in SYSTEMS)


def make_system(name: str, options: dict[str, Any] | None = None) -> MemorySystem:
    """A fresh memory system by name; unknown names or options raise a one-line ConfigError."""
    name = name.removeprefix(SOLVER_PREFIX)
    if name not in SYSTEMS:
        raise ConfigError(f"unknown memory system {name!r}; valid: {', '.join(SYSTEMS)}")
    try:
        return SYSTEMS[name](**(options or {}))
    except TypeError as err:
        raise ConfigError(f"memory system {name!r}: invalid options {sorted(options or {})}: {err}") from None


__all__ = ["MEMORY_SOLVER_NAMES", "SYSTEMS", "MemoryContext", "MemoryItem", "MemorySystem", "make_system"]
