"""summary: a rolling summary plus a recent window (MemGPT's recursive summary / HEMA's compact memory).

After each conversation one call rewrites the running summary from the old summary and the new
conversation (MemGPT, Packer et al. 2023, arXiv 2310.08560; HEMA, arXiv 2504.16754). At question time the context is the summary followed by the
last `recent` conversations verbatim. Choices the references leave open, made here: the summary covers
every conversation so far (also those still in the window, so nothing is lost when they leave it); it is
plain prose, capped at `max_summary_tokens` (estimated; the oldest sentences are cut first when the
model overshoots); a call that fails after its retries keeps the previous summary (a `failed` op).
"""

from __future__ import annotations

import re
from typing import Any

from memcurve.evals.context import RenderedContext, keep_recent, message_line, render
from memcurve.evals.history import Conversation, History
from memcurve.evals.memory.protocol import MemoryContext, MemoryItem, empty_ops, iso
from memcurve.generators.tokens import estimate_tokens

SUMMARY_INTRO = """Keep a short running summary of what the user has told the assistant: names of people and \
pets, where they live and work, likes and dislikes, health, plans, and events with their dates. Use only \
the summary so far and the new conversation. When a fact changes, keep only the new value.

Summary so far: (nothing yet)
New conversation on 2024-03-02:
User: My manager is Ottoline, can you help me write her an email?
Assistant: Sure, what is it about?
Updated summary: The user's manager is Ottoline.

Summary so far: The user's manager is Ottoline.
New conversation on 2024-03-09:
User: Ottoline left, my new manager is Esperanza. Also my cat Zinnia is sick.
Assistant: Sorry to hear that; I hope Zinnia feels better soon.
Updated summary: The user's manager is Esperanza (since 2024-03-09). The user has a cat named Zinnia.

"""
# Example names are invented and absent from generators/vocab (a small model copies examples).
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def summary_prompt(summary: str, conversation: Conversation) -> str:
    lines = [f"Summary so far: {summary or '(nothing yet)'}",
             f"New conversation on {conversation.started_at:%Y-%m-%d}:",
             *(message_line(m) for m in conversation.messages)]
    return SUMMARY_INTRO + "\n".join(lines) + "\nUpdated summary:"


def cap_tokens(text: str, limit: int) -> str:
    """Drop the oldest sentences until `text` fits `limit` estimated tokens (keeps the last one whole)."""
    sentences = _SENTENCE.split(text.strip())
    while len(sentences) > 1 and estimate_tokens(" ".join(sentences)) > limit:
        sentences.pop(0)
    return " ".join(sentences)


class RollingSummary:
    """Running summary (one call per conversation) + the last `recent` conversations verbatim."""

    name = "summary"

    def __init__(self, recent: int = 2, max_summary_tokens: int = 300, summary_tokens: int = 200):
        self.recent, self.max_summary_tokens, self.summary_tokens = int(recent), int(max_summary_tokens), int(summary_tokens)
        self.summary = ""
        self.conversations: list[str] = []
        self.updated_at: str | None = None
        self.ops = empty_ops()

    def config(self) -> dict[str, Any]:
        return {"recent": self.recent, "max_summary_tokens": self.max_summary_tokens,
                "summary_tokens": self.summary_tokens, "prompt": SUMMARY_INTRO}

    async def ingest(self, conversation: Conversation, llm) -> None:
        self.conversations.append(conversation.conversation_id)
        new = await llm.text_call(summary_prompt(self.summary, conversation), _non_empty,
                                  max_tokens=self.summary_tokens, stop_seqs=["\n\n", "\nNew conversation", "\nSummary so far"])
        if new is None:
            self.ops["failed"] += 1
            return
        self.summary = cap_tokens(new, self.max_summary_tokens)
        self.updated_at = iso(conversation.started_at)
        self.ops["UPDATE"] += 1

    def context(self, query: str, history: History, budget: int | None) -> MemoryContext:
        head = f"[Summary of the earlier conversations]\n{self.summary or '(no summary)'}"
        head_tokens = estimate_tokens(head)
        by_id = {c.conversation_id: c for c in history.conversations}
        window = [by_id[cid] for cid in self.conversations[-self.recent:] if cid in by_id] if self.recent else []
        room = None if budget is None else max(0, budget - head_tokens)
        kept, dropped = keep_recent(window, room)
        recent = render(history, [m.message_id for c in kept for m in c.messages])
        text = head + (f"\n\n[The most recent conversations, verbatim]\n{recent.text}" if recent.text else "")
        rendered = RenderedContext(text, recent.message_ids, head_tokens + recent.tokens, recent.conversations)
        return MemoryContext(rendered, truncated=dropped > 0, details={"recent_conversations": [c.conversation_id for c in kept]})

    def export_state(self) -> dict[str, Any]:
        return {"summary": self.summary, "conversations": self.conversations, "updated_at": self.updated_at, "ops": self.ops}

    def load_state(self, state: dict[str, Any]) -> None:
        self.summary, self.updated_at = state["summary"], state["updated_at"]
        self.conversations = list(state["conversations"])
        self.ops = {**empty_ops(), **state["ops"]}

    def items(self) -> list[MemoryItem]:
        """One item per summary sentence: each is a claim that can be supported or hallucinated."""
        sentences = [s for s in _SENTENCE.split(self.summary.strip()) if s] if self.summary else []
        return [MemoryItem(s, True, None, self.updated_at) for s in sentences]

    def verbatim_conversations(self) -> list[str]:
        """Conversation ids shown verbatim at question time (the window), for operation scores."""
        return self.conversations[-self.recent:] if self.recent else []


def _non_empty(text: str) -> str:
    text = " ".join(text.split())
    if len(text) < 3:
        raise ValueError("empty summary")
    return text
