"""mem0 adapter: mem0's open-source `Memory` class (PyPI `mem0ai`, the `mem0` extra) behind the MemorySystem protocol.

By default mem0 runs THROUGH THE MODEL BRIDGE (memcurve.evals.bridge): its LLM and embedder are mem0's
"openai" providers pointed at the bridge's local URL, so its extraction calls are answered by the
Inspect model of the `memory` role (any provider, the offline gguf model included) and counted in the
log and in `ingest_tokens`; its embeddings come from the bridge's local embedder (`embedder`: auto |
minilm | hashing, 384 dimensions); its vector store is an embedded Qdrant in a private temporary folder.
Nothing leaves the machine (mem0's telemetry is switched off before mem0 is imported).

Each conversation goes to `Memory.add(messages, user_id=..., metadata=...)` with its messages as
role/content dicts and the conversation time in the metadata; a query calls
`Memory.search(query, top_k=k, filters={"user_id": ...})` and the hits are rendered, oldest line last,
within the context budget.

`mem0_config` (a dict for `Memory.from_config`) runs mem0 with its own providers instead, outside
Inspect's accounting; `memory` injects a ready object (tests). mem0 keeps its vectors in its own store,
so a state cannot be restored from JSON: the memory cache never checkpoints it (`restorable` False)
and builds it once per process and history; `load_state` refuses. `infer` False stores messages verbatim (mem0's `infer=False`, no LLM calls).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import weakref
from typing import Any

from memcurve.evals.history import Conversation, History
from memcurve.evals.memory.protocol import MemoryContext, MemoryItem, empty_ops, lines_context
from memcurve.errors import ConfigError

ALL_MEMORIES = 100_000  # get_all's top_k: every memory of the user
MAX_REPLY_TOKENS = 1024


def available() -> bool:
    return importlib.util.find_spec("mem0") is not None


def _import_memory():
    if not available():
        raise ConfigError("memory system 'mem0' needs the mem0 extra: pip install -e '.[mem0]'")
    os.environ.setdefault("MEM0_TELEMETRY", "False")  # read when mem0 is imported: no posthog calls
    os.environ.setdefault("MEM0_DIR", os.path.join(tempfile.gettempdir(), "memcurve-mem0"))
    from mem0 import Memory

    return Memory


def bridge_config(base_url: str, api_key: str, embedder: str, dims: int, folder: str) -> dict[str, Any]:
    """A mem0 config whose LLM and embedder are the bridge and whose store is an embedded Qdrant in `folder`."""
    return {
        "llm": {"provider": "openai", "config": {"model": "memcurve-memory", "openai_base_url": base_url,
                                                  "api_key": api_key, "temperature": 0.0,
                                                  "max_tokens": MAX_REPLY_TOKENS}},
        "embedder": {"provider": "openai", "config": {"model": embedder, "openai_base_url": base_url,
                                                       "api_key": api_key, "embedding_dims": dims}},
        "vector_store": {"provider": "qdrant", "config": {"collection_name": "memcurve", "embedding_model_dims": dims,
                                                          "path": os.path.join(folder, "qdrant"), "on_disk": False}},
        "history_db_path": os.path.join(folder, "history.db"),
    }


class Mem0Memory:
    name = "mem0"
    restorable = False  # its vectors live in mem0's store: never checkpointed, rebuilt per process

    def __init__(self, k: int = 10, user_id: str = "memcurve-user", infer: bool = True,
                 mem0_config: dict[str, Any] | None = None, memory: Any = None, embedder: str = "auto"):
        from memcurve.evals.bridge import BridgeLink, resolve_embedder_name

        self.k, self.user_id, self.infer = int(k), user_id, bool(infer)
        self.mem0_config = mem0_config or {}
        self.embedder = resolve_embedder_name(embedder)
        self.ops = empty_ops()
        self.memory = memory
        if memory is None:
            memory_class = _import_memory()
            if mem0_config:
                self.memory = memory_class.from_config(mem0_config)
        self.link = BridgeLink(self.embedder) if self.memory is None else None
        self._folder: str | None = None

    def config(self) -> dict[str, Any]:
        return {"k": self.k, "user_id": self.user_id, "infer": self.infer, "mem0_config": self.mem0_config,
                "embedder": self.embedder if self.link else None}

    def _attach(self):
        """The bridge session (None for an injected or self-configured mem0); builds mem0 on first use."""
        if self.link is None:
            return None
        session = self.link.attach()
        if self.memory is None:
            self._folder = tempfile.mkdtemp(prefix="memcurve-mem0-")
            weakref.finalize(self, shutil.rmtree, self._folder, True)
            config = bridge_config(session.base_url, session.api_key, session.embedder.name,
                                   session.embedder.dimensions, self._folder)
            self.memory = _import_memory().from_config(config)
        elif self.link.changed:  # a new run: same memory, new bridge URL
            for part in (self.memory.llm, self.memory.embedding_model):
                part.client = type(part.client)(base_url=session.base_url, api_key=session.api_key)
        return session

    async def ingest(self, conversation: Conversation, llm) -> None:
        from memcurve.evals.memory.bridged import bridged_call

        messages = [{"role": m.speaker, "content": m.text} for m in conversation.messages]
        metadata = {"conversation_id": conversation.conversation_id,
                    "timestamp": conversation.started_at.isoformat(timespec="minutes")}
        session = self._attach()
        usage = getattr(llm, "usage", None)
        try:
            if session is None:
                import asyncio

                result = await asyncio.to_thread(self.memory.add, messages, user_id=self.user_id,
                                                 metadata=metadata, infer=self.infer)
            else:
                result = await bridged_call(session, usage, self.memory.add, messages, user_id=self.user_id,
                                            metadata=metadata, infer=self.infer)
        except Exception:  # noqa: BLE001 - never end the run
            self.ops["failed"] += 1
            return
        entries = result.get("results", []) if isinstance(result, dict) else list(result or [])
        for entry in entries:
            event = str(entry.get("event", "ADD")).upper()
            self.ops[event if event in self.ops else "NONE"] += 1
        if not entries:
            self.ops["NONE"] += 1

    def _all(self) -> list[dict[str, Any]]:
        if self.memory is None:
            return []
        found = self.memory.get_all(filters={"user_id": self.user_id}, top_k=ALL_MEMORIES)
        return found.get("results", []) if isinstance(found, dict) else list(found or [])

    def context(self, query: str, history: History, budget: int | None) -> MemoryContext:
        self._attach()
        hits: list[dict[str, Any]] = []
        if self.memory is not None:
            found = self.memory.search(query, top_k=self.k, filters={"user_id": self.user_id})
            hits = found.get("results", []) if isinstance(found, dict) else list(found or [])
        lines = []
        for hit in hits:
            when = (hit.get("metadata") or {}).get("timestamp") or hit.get("updated_at") or hit.get("created_at") or ""
            lines.append(f"- ({str(when)[:10]}) {hit.get('memory', '')}")
        return lines_context("[Memories saved from those conversations]", lines, budget,
                             {"retrieved_memories": [h.get("id") for h in hits]})

    def export_state(self) -> dict[str, Any]:
        return {"memories": self._all(), "ops": self.ops}

    def load_state(self, state: dict[str, Any]) -> None:
        raise ConfigError("mem0 memories live in mem0's own store and cannot be restored from a cache; "
                          "use memory_cache=off")

    def items(self) -> list[MemoryItem]:
        return [MemoryItem(m.get("memory", ""), True, m.get("created_at"), m.get("updated_at")) for m in self._all()]
