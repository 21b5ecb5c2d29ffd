"""The MemorySystem protocol: what every memory system (built-in or adapted) offers the `memory` solver.

A memory system sees a history one conversation at a time, in order (`ingest`), then answers queries
with the context it would put in front of the answering model (`context`). Its whole state is plain
JSON (`export_state` / `load_state`), so a built memory can be inspected, cached on disk and restored
without repeating the model calls that built it. `items` lists what it keeps, for operation-level
scores against the planted facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from memcurve.evals.context import RenderedContext
from memcurve.evals.history import Conversation, History
from memcurve.generators.tokens import estimate_tokens

OPERATIONS = ("ADD", "UPDATE", "DELETE", "NONE", "failed", "dropped")


@dataclass(frozen=True)
class MemoryItem:
    """One thing a memory keeps: `derived` items were written by a model (may be wrong), others are verbatim."""

    text: str
    derived: bool
    created_at: str | None = None  # ISO conversation time
    updated_at: str | None = None


@dataclass
class MemoryContext:
    """What a memory system shows for one query: rendered text plus what it took to get there."""

    rendered: RenderedContext
    truncated: bool = False
    details: dict[str, Any] = field(default_factory=dict)  # system-specific, JSON-able (goes to the store)


@runtime_checkable
class MemorySystem(Protocol):
    name: str

    def config(self) -> dict[str, Any]:
        """Every option that changes what ingest builds (part of the cache key)."""

    async def ingest(self, conversation: Conversation, llm: Any) -> None:
        """Take in one conversation (messages carry their timestamps); `llm` is an evals.memory.llm.MemoryLLM."""

    def context(self, query: str, history: History, budget: int | None) -> MemoryContext:
        """The context for `query`, within `budget` estimated tokens (None = unlimited).

        May be a coroutine function: a library whose search is asynchronous is awaited on the run's loop."""

    def export_state(self) -> dict[str, Any]:
        """The whole state as JSON-able data."""

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore a state written by export_state."""

    def items(self) -> list[MemoryItem]:
        """The live memory contents, for operation-level scores."""


def lines_context(header: str, lines: list[str], budget: int | None, details: dict[str, Any],
                  empty: str = "(no memories)") -> MemoryContext:
    """`header` and one line per retrieved memory, best first; the worst lines are dropped until the text
    fits `budget` estimated tokens (the external adapters' rendering: their memories are not history units)."""
    kept = list(lines)
    while budget is not None and kept and estimate_tokens("\n".join([header, *kept])) > budget:
        kept.pop()
    text = "\n".join([header, *(kept or [empty])])
    return MemoryContext(RenderedContext(text, (), estimate_tokens(text), 0), truncated=len(kept) < len(lines),
                         details=details)


def iso(moment: datetime | str | None) -> str | None:
    if moment is None or isinstance(moment, str):
        return moment
    return moment.isoformat(timespec="minutes")


def empty_ops() -> dict[str, int]:
    return {op: 0 for op in OPERATIONS}
