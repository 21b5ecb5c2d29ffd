"""Real fillers: a generated store's template fillers replaced by screened chats from downloaded corpora.

Only plain fillers are replaced (conversations of kind 'filler' that plant no fact and hold no evidence: hard
negatives stay, since validation relies on their facts rows). Chats are dealt in a seeded shuffle, never twice to
one persona; when a persona has more fillers than there are chats, the rest keep their template text, counted.
Messages start at the conversation's start time and follow at a typing pace; provenance (source file, its sha256,
the record id) is returned per replaced conversation.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import duckdb

from memcurve.generators.chat_sources import SourceChat
from memcurve.generators.retext import message_stem, refresh_history_tokens, replace_messages

SECONDS_BEFORE_REPLY = 20
SECONDS_PER_WORD = 0.6  # reading plus typing: a 100-word reply follows a minute later


@dataclass(frozen=True)
class Provenance:
    conversation_id: str
    source: str
    sha256: str
    record_id: str


def plain_fillers(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, object, str]]:
    """(conversation_id, persona_id, started_at, first message id) of every replaceable filler, in id order."""
    return con.execute("""
        SELECT c.conversation_id, c.persona_id, c.started_at, min(m.message_id)
        FROM conversations c JOIN messages m USING (conversation_id)
        WHERE c.kind = 'filler'
          AND NOT EXISTS (SELECT 1 FROM messages mm JOIN facts f USING (message_id)
                          WHERE mm.conversation_id = c.conversation_id)
          AND NOT EXISTS (SELECT 1 FROM messages mm JOIN evidence e USING (message_id)
                          WHERE mm.conversation_id = c.conversation_id)
        GROUP BY ALL ORDER BY c.persona_id, c.conversation_id""").fetchall()


def swap_fillers(con: duckdb.DuckDBPyConnection, chats: Sequence[SourceChat], seed: int) -> tuple[list[Provenance], dict]:
    fillers = plain_fillers(con)
    order = list(range(len(chats)))
    random.Random(f"fillers_from:{seed}").shuffle(order)
    provenance: list[Provenance] = []
    kept_template = 0
    cursor = 0
    by_persona: dict[str, list] = {}
    for row in fillers:
        by_persona.setdefault(row[1], []).append(row)
    for persona_id, rows in by_persona.items():
        for n, (conversation_id, _, started_at, first_id) in enumerate(rows):
            if n >= len(order):
                kept_template += 1
                continue
            chat = chats[order[(cursor + n) % len(order)]]
            replace_messages(con, conversation_id, message_stem(first_id, conversation_id), chat.turns,
                             typing_times(started_at, chat.turns))
            con.execute("UPDATE conversations SET topic = ? WHERE conversation_id = ?",
                        [f"real chat {chat.record_id}"[:200], conversation_id])
            provenance.append(Provenance(conversation_id, chat.source, chat.sha256, chat.record_id))
        cursor += len(rows)
    refresh_history_tokens(con)
    return provenance, {"fillers": len(fillers), "replaced": len(provenance), "kept_template": kept_template,
                        "chats_available": len(chats)}


def typing_times(start, turns: Sequence[tuple[str, str]]) -> list:
    times, t = [], start
    for i, (_, text) in enumerate(turns):
        if i:
            t = t + timedelta(seconds=SECONDS_BEFORE_REPLY + round(SECONDS_PER_WORD * len(text.split())))
        times.append(t)
    return times
