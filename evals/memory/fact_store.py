"""fact_store: extract-then-update memory in the style of classic mem0 (Chhikara et al. 2025, arXiv 2504.19413).

Ingest, per conversation:
1. one JSON call extracts short facts about the user from the user's messages (mem0's user memory;
   `speakers="all"` shows the assistant's too): `{"facts": [...]}` (none -> stop). With only the user's
   lines, assistant facts ("the book you recommended") are not captured, as in mem0's user memory; with
   the whole conversation the offline 270M model mostly extracted the assistant's advice;
2. for each fact, the top-k (5) live memories by BM25 (no embeddings needed; score > 0 only) are
   gathered, their union deduplicated;
3. if none are similar, every new fact is ADDed without a call (the update call could only add them or
   ignore them; this saves one call per conversation while the store is young); otherwise one JSON call
   sees the old memories under SMALL INTEGER ids ("0", "1", ...; the model never sees real ids) and the
   new facts, and returns `{"memory": [{"id", "text", "event", "old_memory"}]}` with event ADD, UPDATE,
   DELETE or NONE;
4. events are applied: ids are mapped back, an id not in the map is dropped (counted as `dropped`),
   UPDATE keeps the id and moves the old text to the memory's `versions` (superseded versions), DELETE
   retires the memory (kept in `retired` with its time), an ADD whose text is already live is a NONE
   (mem0's md5 dedupe). Every change is logged in `history` with the conversation time.
A call that still fails after its retries is recorded as a `failed` operation and its facts are lost for
that conversation (as in mem0 when the LLM errors); the run goes on.

Query: the top-k (10) live memories by BM25 for the question (all of them when the store is smaller),
shown oldest first with their dates, so the answering model can prefer the most recent on conflicts.
"""

from __future__ import annotations

from typing import Any

from memcurve.evals.context import RenderedContext, message_line
from memcurve.evals.history import Conversation, History
from memcurve.evals.memory.protocol import MemoryContext, MemoryItem, empty_ops, iso
from memcurve.evals.retrieval.bm25 import BM25Index
from memcurve.evals.retrieval.units import Unit
from memcurve.errors import ConfigError
from memcurve.generators.tokens import estimate_tokens

EVENTS = ("ADD", "UPDATE", "DELETE", "NONE")
MAX_FACTS = 20  # per conversation
MAX_FACT_CHARS = 300

EXTRACT_INTRO = """Write down short facts about the USER from each conversation: names of people and pets, \
where they live and work, what they like and dislike, health, plans and events with their dates. Use only \
what the user said; skip small talk and the assistant's advice unless the user adopts it. Keep the user's \
words for names and values. Answer with JSON only.

Conversation on 2024-03-02:
User: I need a name tag for my new kitten, she's called Quince.
User: Also I moved to Harrowgate last month, any good vets there?
JSON: {"facts": ["Has a kitten named Quince", "Moved to Harrowgate in February 2024"]}

Conversation on 2024-03-05:
User: How long should I boil an egg?
User: Thanks, that worked.
JSON: {"facts": []}

"""
EXTRACT_OPENING = '{"facts": ['

UPDATE_INTRO = """Compare new facts with old memories. For each new fact decide: ADD (new information), \
UPDATE (same topic, the information changed or grew: keep the id, write the new text), DELETE (the new fact \
contradicts the old memory and replaces nothing), or NONE (already known). Old memories may only be \
referred to by their id. Answer with JSON only.

Old memories:
0: Works at Ashgrove Labs as an engineer
1: Likes bluegrass
New facts:
- Works at Brightwater Labs now
- Has a sister named Ysolde
- Likes bluegrass music
JSON: {"memory": [{"id": "0", "text": "Works at Brightwater Labs", "event": "UPDATE", "old_memory": "Works at Ashgrove Labs as an engineer"}, {"id": "1", "text": "Likes bluegrass", "event": "NONE"}, {"id": "2", "text": "Has a sister named Ysolde", "event": "ADD"}]}

"""
UPDATE_OPENING = '{"memory": ['
# Example names and values are invented and absent from generators/vocab: a small model copies examples,
# and a copied value must not count as a captured planted fact.


def extraction_prompt(conversation: Conversation, speakers: str = "user") -> str:
    """speakers "user": only the user's messages (mem0's user memory); "all": the whole conversation."""
    lines = [f"Conversation on {conversation.started_at:%Y-%m-%d}:"]
    lines += [message_line(m) for m in conversation.messages if speakers == "all" or m.speaker == "user"]
    return EXTRACT_INTRO + "\n".join(lines) + "\nJSON: " + EXTRACT_OPENING


def update_prompt(old: list[str], facts: list[str]) -> str:
    lines = ["Old memories:", *(f"{i}: {text}" for i, text in enumerate(old)), "New facts:", *(f"- {f}" for f in facts)]
    return UPDATE_INTRO + "\n".join(lines) + "\nJSON: " + UPDATE_OPENING


def parse_facts(data: Any) -> list[str]:
    """{"facts": [...]} -> clean, distinct fact strings (objects with a text field are accepted too)."""
    raw = data["facts"]
    if not isinstance(raw, list):
        raise ValueError("facts is not a list")
    out: list[str] = []
    raw = [x for item in raw for x in (item if isinstance(item, list) else [item])]  # flatten [[...]]
    for item in raw:
        if isinstance(item, dict):
            item = item.get("fact") or item.get("text")
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str):
            continue
        text = " ".join(item.split())[:MAX_FACT_CHARS]
        if text and text.lower() not in {o.lower() for o in out}:
            out.append(text)
    if raw and not out:
        raise ValueError("no fact is a string")  # e.g. objects of another shape: retry
    return out[:MAX_FACTS]


def parse_events(data: Any) -> list[dict[str, str]]:
    """{"memory": [...]} -> entries with a known event (others are skipped, not fatal)."""
    raw = data["memory"]
    if not isinstance(raw, list):
        raise ValueError("memory is not a list")
    out = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        event = str(entry.get("event", "")).strip().upper()
        if event not in EVENTS:
            continue
        text = entry.get("text")
        out.append({"id": str(entry.get("id", "")).strip(), "event": event,
                    "text": " ".join(text.split())[:MAX_FACT_CHARS] if isinstance(text, str) else "",
                    "old_memory": str(entry.get("old_memory") or "")})
    return out


class FactStore:
    """mem0-style memory: extracted facts, updated by ADD / UPDATE / DELETE / NONE events."""

    name = "fact_store"

    def __init__(self, search_k: int = 5, query_k: int = 10, extract_tokens: int = 120, update_tokens: int = 200,
                 speakers: str = "user"):
        if speakers not in ("user", "all"):
            raise ConfigError(f"fact_store: invalid speakers {speakers!r}; valid: user, all")
        self.speakers = speakers
        self.search_k, self.query_k = int(search_k), int(query_k)
        self.extract_tokens, self.update_tokens = int(extract_tokens), int(update_tokens)
        self.memories: dict[str, dict[str, Any]] = {}  # live: id -> {id, text, created_at, updated_at, conversation_id, versions}
        self.retired: list[dict[str, Any]] = []  # deleted memories with deleted_at
        self.history: list[dict[str, Any]] = []  # every change: memory_id, event, old, new, at, conversation_id
        self.ops = empty_ops()
        self._next_id = 0
        self._index: BM25Index | None = None
        self._index_ids: list[str] = []

    def config(self) -> dict[str, Any]:
        return {"search_k": self.search_k, "query_k": self.query_k, "extract_tokens": self.extract_tokens,
                "speakers": self.speakers,
                "update_tokens": self.update_tokens, "prompts": [EXTRACT_INTRO, UPDATE_INTRO]}

    # --- ingest -------------------------------------------------------------------------------------
    async def ingest(self, conversation: Conversation, llm) -> None:
        if not any(self.speakers == "all" or m.speaker == "user" for m in conversation.messages):
            return  # nothing the user said
        facts = await llm.json_call(extraction_prompt(conversation, self.speakers), EXTRACT_OPENING, parse_facts,
                                    max_tokens=self.extract_tokens, stop_seqs=["\n\n", "\nConversation"])
        if facts is None:
            self.ops["failed"] += 1
            return
        if not facts:
            return
        at = iso(conversation.started_at)
        similar = self._similar(facts)
        if not similar:
            for fact in facts:
                self._add(fact, at, conversation.conversation_id)
            return
        old_texts = [self.memories[mid]["text"] for mid in similar]
        events = await llm.json_call(update_prompt(old_texts, facts), UPDATE_OPENING, parse_events,
                                     max_tokens=self.update_tokens, stop_seqs=["\n\n", "\nOld memories"])
        if events is None:
            self.ops["failed"] += 1
            return
        self.apply(events, similar, at, conversation.conversation_id)

    def _similar(self, facts: list[str]) -> list[str]:
        """Union of each fact's top-k live memories (BM25 score > 0), in first-seen order."""
        index = self._live_index()
        if index is None:
            return []
        seen: list[str] = []
        for fact in facts:
            for hit in index.search(fact, self.search_k):
                mid = self._index_ids[hit.index]
                if hit.score > 0 and mid not in seen:
                    seen.append(mid)
        return seen

    def apply(self, events: list[dict[str, str]], shown_ids: list[str], at: str | None, conversation_id: str) -> None:
        """Apply parsed events; `shown_ids[i]` is the real id the model saw as str(i)."""
        id_map = {str(i): mid for i, mid in enumerate(shown_ids)}
        for entry in events:
            event, text = entry["event"], entry["text"]
            if event == "ADD":
                if not text:
                    self.ops["dropped"] += 1
                elif self._live_with_text(text):
                    self.ops["NONE"] += 1
                else:
                    self._add(text, at, conversation_id)
                continue
            mid = id_map.get(entry["id"])
            if mid is None or mid not in self.memories:  # invented or stale id
                self.ops["dropped"] += 1
                continue
            if event == "NONE":
                self.ops["NONE"] += 1
            elif event == "UPDATE":
                if not text or text == self.memories[mid]["text"]:
                    self.ops["NONE" if text else "dropped"] += 1
                else:
                    self._update(mid, text, at, conversation_id)
            elif event == "DELETE":
                self._delete(mid, at, conversation_id)

    def _add(self, text: str, at: str | None, conversation_id: str) -> None:
        mid = f"mem{self._next_id:04d}"
        self._next_id += 1
        self.memories[mid] = {"id": mid, "text": text, "created_at": at, "updated_at": at,
                              "conversation_id": conversation_id, "versions": []}
        self._log(mid, "ADD", None, text, at, conversation_id)

    def _update(self, mid: str, text: str, at: str | None, conversation_id: str) -> None:
        memory = self.memories[mid]
        memory["versions"].append({"text": memory["text"], "from": memory["updated_at"], "to": at})
        self._log(mid, "UPDATE", memory["text"], text, at, conversation_id)
        memory["text"], memory["updated_at"] = text, at

    def _delete(self, mid: str, at: str | None, conversation_id: str) -> None:
        memory = self.memories.pop(mid)
        self.retired.append({**memory, "deleted_at": at})
        self._log(mid, "DELETE", memory["text"], None, at, conversation_id)

    def _log(self, mid, event, old, new, at, conversation_id) -> None:
        self.ops[event] += 1
        self.history.append({"memory_id": mid, "event": event, "old": old, "new": new, "at": at,
                             "conversation_id": conversation_id})
        self._index = None

    def _live_with_text(self, text: str) -> bool:
        return any(m["text"].lower() == text.lower() for m in self.memories.values())

    def _live_index(self) -> BM25Index | None:
        if self._index is None and self.memories:
            self._index_ids = list(self.memories)
            self._index = BM25Index([Unit((mid,), self.memories[mid]["text"]) for mid in self._index_ids])
        return self._index

    # --- query --------------------------------------------------------------------------------------
    def context(self, query: str, history: History, budget: int | None) -> MemoryContext:
        index = self._live_index()
        chosen = [] if index is None else [self._index_ids[h.index] for h in index.search(query, self.query_k)]
        ranked = list(chosen)
        text, tokens = self._render(chosen)
        while budget is not None and chosen and tokens > budget:
            chosen.pop()  # drop the lowest-ranked memory
            text, tokens = self._render(chosen)
        return MemoryContext(RenderedContext(text, (), tokens, 0), truncated=len(chosen) < len(ranked),
                             details={"retrieved_memories": ranked})

    def _render(self, ids: list[str]) -> tuple[str, int]:
        shown = sorted((self.memories[mid] for mid in ids), key=lambda m: (m["updated_at"] or "", m["id"]))
        lines = ["[Memories saved from those conversations, oldest first]"]
        lines += [f"- ({(m['updated_at'] or '')[:10]}) {m['text']}" for m in shown] or ["(no memories)"]
        text = "\n".join(lines)
        return text, estimate_tokens(text)

    # --- state --------------------------------------------------------------------------------------
    def export_state(self) -> dict[str, Any]:
        return {"memories": list(self.memories.values()), "retired": self.retired, "history": self.history,
                "ops": self.ops, "next_id": self._next_id}

    def load_state(self, state: dict[str, Any]) -> None:
        self.memories = {m["id"]: dict(m) for m in state["memories"]}
        self.retired = list(state["retired"])
        self.history = list(state["history"])
        self.ops = {**empty_ops(), **state["ops"]}
        self._next_id = int(state["next_id"])
        self._index = None

    def items(self) -> list[MemoryItem]:
        return [MemoryItem(m["text"], True, m["created_at"], m["updated_at"]) for m in self.memories.values()]
