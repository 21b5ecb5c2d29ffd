"""Replacing a conversation's text in a store: the one place that knows which rows follow a message's text.

Used by the writer (model-written text) and by real fillers (`fillers_from`): messages are renumbered, the
facts and evidence that point at a kept message follow its new id, and history token totals are recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import duckdb

from memcurve.generators.rows import RowBuffer
from memcurve.generators.tokens import estimate_tokens


def replace_messages(con: duckdb.DuckDBPyConnection, conversation_id: str, stem: str,
                     turns: Sequence[tuple[str, str]], times: Sequence[datetime],
                     keep: Mapping[int, str] | None = None) -> list[str]:
    """Write `turns` as the conversation's messages `<stem>-m00...`; `keep` maps a new position to the old
    message id whose facts and evidence move to it. Returns the new ids."""
    new_ids = [f"{stem}-m{i:02d}" for i in range(len(turns))]
    con.execute("DELETE FROM messages WHERE conversation_id = ?", [conversation_id])
    rows = RowBuffer()
    for i, (speaker, text) in enumerate(turns):
        rows.add("messages", new_ids[i], conversation_id, i, speaker, text, times[i], estimate_tokens(text))
    rows.flush(con)
    for position, old in (keep or {}).items():
        if old != new_ids[position]:
            con.execute("UPDATE facts SET message_id = ? WHERE message_id = ?", [new_ids[position], old])
            con.execute("UPDATE evidence SET message_id = ? WHERE message_id = ?", [new_ids[position], old])
    return new_ids


def message_stem(first_message_id: str, conversation_id: str) -> str:
    """p003-c0042-m00 -> p003-c0042 (the generator's convention); otherwise the conversation id."""
    return first_message_id.rsplit("-m", 1)[0] if "-m" in first_message_id else conversation_id


def refresh_history_tokens(con: duckdb.DuckDBPyConnection) -> None:
    """History token totals follow the messages' text."""
    con.execute("""
        UPDATE histories SET tokens = t.tokens FROM (
            SELECT hc.history_id, sum(m.tokens)::INTEGER AS tokens
            FROM history_conversations hc JOIN messages m USING (conversation_id) GROUP BY hc.history_id) t
        WHERE histories.history_id = t.history_id""")
