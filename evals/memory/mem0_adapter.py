"""mem0 adapter: mem0's open-source `Memory` class behind the MemorySystem protocol (optional).

Used when the `mem0` package (PyPI `mem0ai`) is importable; memcurve does not depend on it. Each
conversation goes to `Memory.add(messages, user_id=...)` with its messages as role/content dicts and the
conversation time in the metadata; a query calls `Memory.search(query, user_id=..., limit=k)`.

Differences from the built-in systems, by necessity:
- mem0 calls its OWN configured LLM and embedder (OpenAI by default; pass `mem0_config`, a dict for
  `Memory.from_config`, to point it elsewhere), not Inspect's model API, so its ingestion tokens are NOT
  in the Inspect log (ingest_tokens stays 0);
- its vector store is its own, so the state cannot be restored from JSON: the exported state is the
  memory list (for inspection and scores) and `load_state` refuses, so a cached copy is never trusted
  (use memory_cache="off" with this system, or it rebuilds on every process).
- `infer` False stores messages verbatim (mem0's `infer=False`).
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

from memcurve.evals.context import RenderedContext
from memcurve.evals.history import Conversation, History
from memcurve.evals.memory.protocol import MemoryContext, MemoryItem, empty_ops
from memcurve.errors import ConfigError
from memcurve.generators.tokens import estimate_tokens


def available() -> bool:
    return importlib.util.find_spec("mem0") is not None


class Mem0Memory:
    name = "mem0"

    def __init__(self, k: int = 10, user_id: str = "memcurve-user", infer: bool = True,
                 mem0_config: dict[str, Any] | None = None, memory: Any = None):
        if memory is None:
            if not available():
                raise ConfigError("memory system 'mem0' needs the mem0 package (pip install mem0ai)")
            from mem0 import Memory

            memory = Memory.from_config(mem0_config) if mem0_config else Memory()
        self.memory, self.k, self.user_id, self.infer = memory, int(k), user_id, bool(infer)
        self.mem0_config = mem0_config or {}
        self.ops = empty_ops()

    def config(self) -> dict[str, Any]:
        return {"k": self.k, "user_id": self.user_id, "infer": self.infer, "mem0_config": self.mem0_config}

    async def ingest(self, conversation: Conversation, llm) -> None:
        messages = [{"role": m.speaker, "content": m.text} for m in conversation.messages]
        metadata = {"conversation_id": conversation.conversation_id,
                    "timestamp": conversation.started_at.isoformat(timespec="minutes")}
        try:
            result = await asyncio.to_thread(self.memory.add, messages, user_id=self.user_id,
                                             metadata=metadata, infer=self.infer)
        except Exception:  # noqa: BLE001 - never end the run
            self.ops["failed"] += 1
            return
        for entry in (result or {}).get("results", []):
            event = str(entry.get("event", "NONE")).upper()
            self.ops[event if event in self.ops else "NONE"] += 1

    def _all(self) -> list[dict[str, Any]]:
        found = self.memory.get_all(user_id=self.user_id)
        return found.get("results", []) if isinstance(found, dict) else list(found or [])

    def context(self, query: str, history: History, budget: int | None) -> MemoryContext:
        found = self.memory.search(query, user_id=self.user_id, limit=self.k)
        hits = found.get("results", []) if isinstance(found, dict) else list(found or [])
        lines = ["[Memories saved from those conversations]"]
        for hit in hits:
            when = (hit.get("metadata") or {}).get("timestamp") or hit.get("updated_at") or hit.get("created_at") or ""
            lines.append(f"- ({str(when)[:10]}) {hit.get('memory', '')}")
        while budget is not None and len(lines) > 1 and estimate_tokens("\n".join(lines)) > budget:
            lines.pop()
        text = "\n".join(lines if len(lines) > 1 else [*lines, "(no memories)"])
        return MemoryContext(RenderedContext(text, (), estimate_tokens(text), 0),
                             truncated=len(lines) - 1 < len(hits), details={"retrieved_memories": [h.get("id") for h in hits]})

    def export_state(self) -> dict[str, Any]:
        return {"memories": self._all(), "ops": self.ops}

    def load_state(self, state: dict[str, Any]) -> None:
        raise ConfigError("mem0 memories live in mem0's own store and cannot be restored from a cache; "
                          "use memory_cache=off")

    def items(self) -> list[MemoryItem]:
        return [MemoryItem(m.get("memory", ""), True, m.get("created_at"), m.get("updated_at")) for m in self._all()]
