"""hybrid: the most recent N conversations in full plus BM25 RAG over the older ones (ConvoMem's advice).

No model calls at ingest: the memory is the conversations themselves, so it is lossless and nothing can
be hallucinated. At question time the last `recent` conversations are shown whole and the `k` best
`unit`s (rounds by default) of the older conversations are retrieved for the question; everything is
shown in chronological order. Over budget, the lowest-ranked units go first, then the oldest recent
conversations.
"""

from __future__ import annotations

from typing import Any

from memcurve.evals.context import render
from memcurve.evals.history import Conversation, History
from memcurve.evals.memo import HistoryMemo
from memcurve.evals.memory.protocol import MemoryContext, MemoryItem, empty_ops
from memcurve.evals.retrieval.bm25 import BM25Index
from memcurve.evals.retrieval.units import UNITS, split_units

_indexes: HistoryMemo[BM25Index | None] = HistoryMemo()


class RecentPlusRag:
    name = "hybrid"

    def __init__(self, recent: int = 2, k: int = 5, unit: str = "round"):
        self.recent, self.k, self.unit = int(recent), int(k), UNITS.canonical(unit)
        self.conversations: list[str] = []
        self.ops = empty_ops()

    def config(self) -> dict[str, Any]:
        return {"recent": self.recent, "k": self.k, "unit": self.unit}

    async def ingest(self, conversation: Conversation, llm) -> None:
        self.conversations.append(conversation.conversation_id)

    def split(self) -> tuple[list[str], list[str]]:
        """(older, recent) conversation ids."""
        cut = max(0, len(self.conversations) - self.recent)
        return self.conversations[:cut], self.conversations[cut:]

    def context(self, query: str, history: History, budget: int | None) -> MemoryContext:
        older, recent_ids = self.split()
        by_id = {c.conversation_id: c for c in history.conversations}
        recent = [by_id[cid] for cid in recent_ids if cid in by_id]
        hits = []
        index = self._index(history, tuple(older))
        if index is not None:
            hits = index.search(query, self.k)
        shown = list(hits)
        kept = recent
        context = render(history, self._ids(shown, kept))
        while budget is not None and context.tokens > budget and (shown or kept):
            if shown:
                shown.pop()
            else:
                kept = kept[1:]  # the oldest recent conversation
            context = render(history, self._ids(shown, kept))
        truncated = len(shown) < len(hits) or len(kept) < len(recent)
        return MemoryContext(context, truncated=truncated, details={
            "retrieved_units": [list(h.unit.message_ids) for h in hits],
            "recent_conversations": [c.conversation_id for c in kept]})

    @staticmethod
    def _ids(hits, conversations: list[Conversation]) -> list[str]:
        return [m for h in hits for m in h.unit.message_ids] + [m.message_id for c in conversations for m in c.messages]

    def _index(self, history: History, older: tuple[str, ...]) -> BM25Index | None:
        """BM25 over the units of the older conversations (built once per history and split)."""
        if not older:
            return None
        def build() -> BM25Index | None:
            wanted, owner = set(older), history.message_index
            units = [u for u in split_units(history, self.unit) if owner[u.message_ids[0]].conversation_id in wanted]
            return BM25Index(units) if units else None

        return _indexes.get(history, (older, self.unit), build)

    def export_state(self) -> dict[str, Any]:
        return {"conversations": self.conversations, "ops": self.ops}

    def load_state(self, state: dict[str, Any]) -> None:
        self.conversations = list(state["conversations"])
        self.ops = {**empty_ops(), **state["ops"]}

    def items(self) -> list[MemoryItem]:
        return []  # verbatim store: see verbatim_conversations

    def verbatim_conversations(self) -> list[str]:
        return list(self.conversations)
