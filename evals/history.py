"""Load one history (its conversations and messages, in order) from a benchmark file.

Samples carry only ids, so every solver loads its history here. Questions of one history run back to
back, so a small per-process cache turns N questions into one DuckDB query. The key includes the file's
modification time, so a regenerated benchmark is never served from a stale cache.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from memcurve.errors import StoreError
from memcurve.generators.store import open_store


@dataclass(frozen=True)
class Message:
    message_id: str
    conversation_id: str
    position: int
    speaker: str  # user | assistant
    text: str
    sent_at: datetime
    tokens: int


@dataclass(frozen=True)
class Conversation:
    conversation_id: str
    started_at: datetime
    messages: tuple[Message, ...]

    @property
    def tokens(self) -> int:
        return sum(m.tokens for m in self.messages)


@dataclass(frozen=True, eq=False)  # identity hash: caches key on the loaded object
class History:
    db: str
    history_id: str
    conversations: tuple[Conversation, ...]  # chronological (history_conversations.position)

    @functools.cached_property
    def messages(self) -> tuple[Message, ...]:
        return tuple(m for c in self.conversations for m in c.messages)

    @functools.cached_property
    def message_index(self) -> dict[str, Message]:
        return {m.message_id: m for m in self.messages}

    @functools.cached_property
    def conversation_index(self) -> dict[str, int]:
        """conversation id -> its position in the history (chronological)."""
        return {c.conversation_id: i for i, c in enumerate(self.conversations)}

    @property
    def tokens(self) -> int:
        return sum(c.tokens for c in self.conversations)


_HISTORY_SQL = """
SELECT hc.position, c.conversation_id, c.started_at,
       m.message_id, m.position, m.speaker, m.text, m.sent_at, m.tokens
FROM history_conversations hc
JOIN conversations c ON c.conversation_id = hc.conversation_id
JOIN messages m ON m.conversation_id = c.conversation_id
WHERE hc.history_id = ?
ORDER BY hc.position, m.position
"""


def load_history(db: str | Path, history_id: str) -> History:
    """The history `history_id` of benchmark `db` (cached per process)."""
    path = os.path.abspath(db)
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        raise StoreError(f"{path}: no such benchmark file") from None
    return _load_cached(path, mtime, history_id)


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, history_id: str) -> History:
    con = open_store(path, read_only=True)
    try:
        rows = con.execute(_HISTORY_SQL, [history_id]).fetchall()
    finally:
        con.close()
    if not rows:
        raise StoreError(f"{path}: history {history_id!r} not found (or it has no messages)")
    conversations: list[Conversation] = []
    current_id, started, messages = None, None, []
    for _, cid, started_at, mid, pos, speaker, text, sent_at, tokens in rows:
        if cid != current_id:
            if current_id is not None:
                conversations.append(Conversation(current_id, started, tuple(messages)))
            current_id, started, messages = cid, started_at, []
        messages.append(Message(mid, cid, pos, speaker, text, sent_at, tokens))
    conversations.append(Conversation(current_id, started, tuple(messages)))
    return History(db=path, history_id=history_id, conversations=tuple(conversations))


def clear_cache() -> None:
    """Forget loaded histories (tests, long-lived processes)."""
    _load_cached.cache_clear()
