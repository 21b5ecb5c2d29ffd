"""LangMem adapter: LangChain's LangMem memory manager (PyPI `langmem`, the `langmem` extra) through the model bridge.

LangMem's store manager (`create_memory_store_manager`) reads each conversation together with the
memories similar to it and, in one tool-calling step (trustcall), creates new memories, patches old ones
or removes them; memories live in a LangGraph store with a vector index. Here every model is local:
the chat model is LangChain's ChatOpenAI pointed at the bridge (so the calls are Inspect calls of the
`memory` role, in the log and in `ingest_tokens`), the index embeds through the bridge's local embedder
(OpenAIEmbeddings with tokenizer-free length checks, so no tiktoken download), and the store is
LangGraph's in-memory store. Deletes are enabled, as in LangMem's default store manager.

Each conversation is one `manager.invoke({"messages": [...]})` with the conversation date prefixed to
its first message; a query is `store.search(namespace, query=..., limit=k)`, rendered as one line per
memory within the context budget. Operations are counted from the store before and after each
conversation: new keys ADD, changed values UPDATE, vanished keys DELETE. The store is not exported to
JSON (its vectors are LangGraph's): the memory cache never checkpoints it (`restorable` False) and
`load_state` refuses.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from memcurve.evals.history import Conversation, History
from memcurve.evals.memory.protocol import MemoryContext, MemoryItem, empty_ops, lines_context
from memcurve.errors import ConfigError

EXTRA_MODULES = ("langmem", "langgraph", "langchain_openai")
ALL_MEMORIES = 100_000
MAX_REPLY_TOKENS = 1024


def available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in EXTRA_MODULES)


def memory_text(value: dict[str, Any]) -> str:
    """The text of a stored LangMem memory ({"kind": "Memory", "content": {"content": "..."}})."""
    content = value.get("content")
    if isinstance(content, dict):
        return str(content.get("content", "")) if "content" in content else str(content)
    return str(content or "")


class LangMemMemory:
    name = "langmem"
    restorable = False  # its vectors live in a LangGraph store: never checkpointed, rebuilt per process

    def __init__(self, k: int = 10, user_id: str = "memcurve-user", embedder: str = "auto", query_limit: int = 5):
        if not available():
            raise ConfigError("memory system 'langmem' needs the langmem extra: pip install -e '.[langmem]'")
        from memcurve.evals.bridge import BridgeLink, resolve_embedder_name

        self.k, self.user_id, self.query_limit = int(k), user_id, int(query_limit)
        self.embedder = resolve_embedder_name(embedder)
        self.link = BridgeLink(self.embedder)
        self.namespace = ("memories", user_id)
        self.store = self.manager = None
        self.ops = empty_ops()

    def config(self) -> dict[str, Any]:
        return {"k": self.k, "user_id": self.user_id, "embedder": self.embedder, "query_limit": self.query_limit}

    def _attach(self):
        session = self.link.attach()
        if self.manager is None or self.link.changed:
            from langchain_openai import ChatOpenAI, OpenAIEmbeddings
            from langgraph.store.memory import InMemoryStore
            from langmem import create_memory_store_manager

            chat = ChatOpenAI(model="memcurve-memory", base_url=session.base_url, api_key=session.api_key,
                              temperature=0.0, max_tokens=MAX_REPLY_TOKENS, max_retries=0)
            embeddings = OpenAIEmbeddings(model=session.embedder.name, base_url=session.base_url,
                                          api_key=session.api_key, check_embedding_ctx_length=False)
            if self.store is None:
                self._embeddings = _Switchable(embeddings)
                self.store = InMemoryStore(index={"dims": session.embedder.dimensions, "embed": self._embeddings})
            else:  # a new run (a new bridge URL): same memories, new clients
                self._embeddings.inner = embeddings
            self.manager = create_memory_store_manager(chat, namespace=self.namespace, store=self.store,
                                                       query_limit=self.query_limit)
        return session

    def _snapshot(self) -> dict[str, str]:
        if self.store is None:
            return {}
        return {item.key: memory_text(item.value)
                for item in self.store.search(self.namespace, limit=ALL_MEMORIES)}

    async def ingest(self, conversation: Conversation, llm) -> None:
        from memcurve.evals.memory.bridged import bridged_call

        session = self._attach()
        messages = [{"role": m.speaker, "content": m.text} for m in conversation.messages]
        if messages:
            messages[0]["content"] = f"[Conversation on {conversation.started_at:%Y-%m-%d %H:%M}] {messages[0]['content']}"
        before = self._snapshot()
        try:
            await bridged_call(session, getattr(llm, "usage", None), self.manager.invoke, {"messages": messages})
        except Exception:  # noqa: BLE001 - never end the run
            self.ops["failed"] += 1
            return
        after = self._snapshot()
        added = [k for k in after if k not in before]
        updated = [k for k in after if k in before and after[k] != before[k]]
        deleted = [k for k in before if k not in after]
        self.ops["ADD"] += len(added)
        self.ops["UPDATE"] += len(updated)
        self.ops["DELETE"] += len(deleted)
        if not (added or updated or deleted):
            self.ops["NONE"] += 1

    def context(self, query: str, history: History, budget: int | None) -> MemoryContext:
        hits = []
        if self.store is not None:
            self._attach()
            hits = self.store.search(self.namespace, query=query, limit=self.k)
        return lines_context("[Memories saved from those conversations]", [f"- {memory_text(hit.value)}" for hit in hits],
                             budget, {"retrieved_memories": [hit.key for hit in hits]})

    def export_state(self) -> dict[str, Any]:
        return {"memories": self._snapshot(), "ops": self.ops}

    def load_state(self, state: dict[str, Any]) -> None:
        raise ConfigError("langmem memories live in a LangGraph store and cannot be restored from a cache; "
                          "use memory_cache=off")

    def items(self) -> list[MemoryItem]:
        if self.store is None:
            return []
        return [MemoryItem(memory_text(item.value), True, item.created_at.isoformat(timespec="minutes"),
                           item.updated_at.isoformat(timespec="minutes"))
                for item in self.store.search(self.namespace, limit=ALL_MEMORIES)]


def _switchable_class():
    from langchain_core.embeddings import Embeddings

    class Switchable(Embeddings):
        """Delegates to `inner`, which is replaced when a new run gives the bridge a new URL."""

        def __init__(self, inner):
            self.inner = inner

        def embed_documents(self, texts):
            return self.inner.embed_documents(texts)

        def embed_query(self, text):
            return self.inner.embed_query(text)

        async def aembed_documents(self, texts):
            return await self.inner.aembed_documents(texts)

        async def aembed_query(self, text):
            return await self.inner.aembed_query(text)

    return Switchable


def _Switchable(inner):  # noqa: N802 - a class made on first use (langchain is an optional extra)
    return _switchable_class()(inner)
