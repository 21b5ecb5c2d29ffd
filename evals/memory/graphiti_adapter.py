"""Graphiti adapter: Zep's temporal knowledge graph (PyPI `graphiti-core`, the `graphiti` extra) through the model bridge.

Graphiti turns each episode into entities and dated facts (graph edges): it extracts entities, resolves
them against the graph, extracts facts between them, deduplicates them against similar existing facts
and invalidates the facts a new one contradicts (an invalidated fact keeps its validity interval, it is
not deleted). Here every part is local: the graph store is Graphiti's embedded Kuzu driver on an
in-memory Kuzu database (no server); the LLM is Graphiti's OpenAI-compatible client pointed at the
bridge (so its structured-output calls are Inspect calls of the `memory` role, in the log and in
`ingest_tokens`); the embedder is Graphiti's OpenAI embedder pointed at the bridge's local embedder.
Graphiti's telemetry is switched off before it is imported.

Each conversation is one `add_episode` (source "message", body `speaker: text` lines, reference time
the conversation's start); a query is Graphiti's default hybrid search (BM25 + cosine, reciprocal rank
fusion: no reranker call) over the facts, rendered one fact per line with its validity dates within the
context budget. Kuzu's driver does not create the full-text indexes the search needs, so they are
created here (Graphiti's own KUZU index statements). The memory's items are the facts (edges); an
invalidated fact counts as UPDATE when it is invalidated. Episodes are stored verbatim by Graphiti but
are not searched, so they are not reported as kept conversations. The graph is not exported to JSON:
the memory cache never checkpoints it (`restorable` False) and `load_state` refuses.
"""

from __future__ import annotations

import importlib.util
import os
from datetime import timezone
from typing import Any

from memcurve.evals.history import Conversation, History
from memcurve.evals.memory.protocol import MemoryContext, MemoryItem, empty_ops, lines_context
from memcurve.errors import ConfigError

EXTRA_MODULES = ("graphiti_core", "kuzu", "httpx")
MAX_REPLY_TOKENS = 1024
ALL_FACTS = 100_000


def available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in EXTRA_MODULES)


def _day(moment) -> str:
    return moment.strftime("%Y-%m-%d") if moment is not None else ""


def fact_line(edge: Any) -> str:
    """One fact with its validity interval, as Zep renders facts for a prompt."""
    since, until = _day(edge.valid_at), _day(edge.invalid_at)
    when = f" ({since} - {until or 'present'})" if since or until else ""
    return f"- {edge.fact}{when}"


class GraphitiMemory:
    name = "graphiti"
    restorable = False  # the graph lives in an in-memory Kuzu database: never checkpointed

    def __init__(self, k: int = 10, group_id: str = "memcurve-user", embedder: str = "auto"):
        if not available():
            raise ConfigError("memory system 'graphiti' needs the graphiti extra: pip install -e '.[graphiti]'")
        from memcurve.evals.bridge import BridgeLink, resolve_embedder_name

        self.k, self.group_id = int(k), group_id
        self.embedder = resolve_embedder_name(embedder)
        self.link = BridgeLink(self.embedder)
        self.graphiti = None
        self.facts: dict[str, Any] = {}  # edge uuid -> EntityEdge, after the last ingest
        self.ops = empty_ops()

    def config(self) -> dict[str, Any]:
        return {"k": self.k, "group_id": self.group_id, "embedder": self.embedder}

    def _attach(self):
        session = self.link.attach()
        if self.graphiti is None:
            self.graphiti = _build(session, self.group_id)
        elif self.link.changed:  # a new run: same graph, clients on the new URL and event loop
            llm, embedder, reranker = _clients(session)
            self.graphiti.llm_client.client = llm.client
            self.graphiti.embedder.client = embedder.client
            self.graphiti.cross_encoder.client = reranker.client
        return session

    async def _snapshot(self) -> dict[str, Any]:
        from graphiti_core.edges import EntityEdge

        try:
            edges = await EntityEdge.get_by_group_ids(self.graphiti.driver, [self.group_id], limit=ALL_FACTS)
        except Exception:  # noqa: BLE001 - Graphiti raises when a group has no edges yet
            edges = []
        return {edge.uuid: edge for edge in edges}

    async def ingest(self, conversation: Conversation, llm) -> None:
        from graphiti_core.nodes import EpisodeType

        from memcurve.evals.memory.bridged import bridged_await

        session = self._attach()
        body = "\n".join(f"{m.speaker}: {m.text}" for m in conversation.messages)
        started = conversation.started_at
        started = started if started.tzinfo else started.replace(tzinfo=timezone.utc)
        before = self.facts
        try:
            await bridged_await(session, getattr(llm, "usage", None), self.graphiti.add_episode(
                name=conversation.conversation_id, episode_body=body, source=EpisodeType.message,
                source_description="chat conversation", reference_time=started, group_id=self.group_id))
        except Exception:  # noqa: BLE001 - never end the run
            self.ops["failed"] += 1
            return
        self.facts = after = await self._snapshot()
        added = [u for u in after if u not in before]
        invalidated = [u for u in after if u in before and after[u].invalid_at and not before[u].invalid_at]
        changed = [u for u in after if u in before and u not in invalidated and after[u].fact != before[u].fact]
        deleted = [u for u in before if u not in after]
        self.ops["ADD"] += len(added)
        self.ops["UPDATE"] += len(invalidated) + len(changed)
        self.ops["DELETE"] += len(deleted)
        if not (added or invalidated or changed or deleted):
            self.ops["NONE"] += 1

    async def context(self, query: str, history: History, budget: int | None) -> MemoryContext:
        edges = []
        if self.graphiti is not None:
            self._attach()
            edges = await self.graphiti.search(query, group_ids=[self.group_id], num_results=self.k)
        return lines_context("[Facts saved from those conversations, with the dates they held]",
                             [fact_line(edge) for edge in edges], budget,
                             {"retrieved_facts": [edge.uuid for edge in edges]}, empty="(no facts)")

    def export_state(self) -> dict[str, Any]:
        return {"facts": {u: fact_line(e) for u, e in self.facts.items()}, "ops": self.ops}

    def load_state(self, state: dict[str, Any]) -> None:
        raise ConfigError("graphiti's graph lives in its Kuzu database and cannot be restored from a cache; "
                          "use memory_cache=off")

    def items(self) -> list[MemoryItem]:
        return [MemoryItem(edge.fact, True, edge.valid_at.isoformat(timespec="minutes") if edge.valid_at else None,
                           edge.invalid_at.isoformat(timespec="minutes") if edge.invalid_at else None)
                for edge in self.facts.values()]


def _clients(session):
    """Graphiti's LLM, embedder and (unused by the default search) reranker, all on the bridge."""
    from graphiti_core.cross_encoder.openai_reranker_client import OpenAIRerankerClient
    from graphiti_core.embedder.openai import OpenAIEmbedder, OpenAIEmbedderConfig
    from graphiti_core.llm_client.config import LLMConfig
    from graphiti_core.llm_client.openai_generic_client import OpenAIGenericClient
    from openai import AsyncOpenAI

    def client():
        return AsyncOpenAI(base_url=session.base_url, api_key=session.api_key, max_retries=0)

    config = LLMConfig(api_key=session.api_key, model="memcurve-memory", small_model="memcurve-memory",
                       base_url=session.base_url, temperature=0.0, max_tokens=MAX_REPLY_TOKENS)
    llm = OpenAIGenericClient(config=config, client=client(), max_tokens=MAX_REPLY_TOKENS)
    embedder = OpenAIEmbedder(OpenAIEmbedderConfig(embedding_model=session.embedder.name, api_key=session.api_key,
                                                   base_url=session.base_url, embedding_dim=session.embedder.dimensions),
                              client=client())
    reranker = OpenAIRerankerClient(config=config, client=client())
    return llm, embedder, reranker


def _build(session, group_id: str):
    """A Graphiti on an in-memory Kuzu graph with the full-text indexes its search needs."""
    os.environ.setdefault("GRAPHITI_TELEMETRY_ENABLED", "false")
    import warnings

    import kuzu
    from graphiti_core import Graphiti
    from graphiti_core.driver.driver import GraphProvider
    from graphiti_core.graph_queries import get_fulltext_indices

    with warnings.catch_warnings():  # the Kuzu driver warns that upstream Kuzu is unmaintained
        warnings.simplefilter("ignore", DeprecationWarning)
        from graphiti_core.driver.kuzu_driver import KuzuDriver

        driver = KuzuDriver(db=":memory:")
    # Graphiti compares a request's group id with the driver's database name, which the Kuzu driver
    # never sets (graphiti-core 0.31): one group per in-memory database, so the group is the database
    driver._database = group_id
    connection = kuzu.Connection(driver.db)
    for statement in get_fulltext_indices(GraphProvider.KUZU):
        connection.execute(statement)
    connection.close()
    llm, embedder, reranker = _clients(session)
    return Graphiti(graph_driver=driver, llm_client=llm, embedder=embedder, cross_encoder=reranker)
