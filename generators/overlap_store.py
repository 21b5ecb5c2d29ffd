"""Question overlaps measured on a store's texts: what `validate` compares with the recorded columns, and what
a rewrite of the texts (generators.writer) writes back.

One persona at a time, so only that persona's evidence conversations are held in memory; a persona's message
texts recur (its fillers sit inside its evidence conversations), so their content words are computed once.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pyarrow as pa

from memcurve.generators.overlap import content_words, overlap_level, overlaps

Measured = tuple[float, float, str]  # word_overlap, conversation_overlap, overlap_level


def measured_overlaps(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, Measured, Measured]]:
    """(question id, recorded overlaps, overlaps measured on the stored texts) of every question whose evidence
    messages all exist. Overlap is measured against the messages that state the evidence, not against an
    acknowledgement that restates it (evidence.restates)."""
    personas = [r[0] for r in con.execute("SELECT DISTINCT persona_id FROM questions ORDER BY 1").fetchall()]
    for persona in personas:
        questions = con.execute("""
            SELECT q.question_id, q.text, q.word_overlap, q.conversation_overlap, q.overlap_level,
                   coalesce(list(e.message_id ORDER BY e.ordinal) FILTER (WHERE e.message_id IS NOT NULL), [])
            FROM questions q LEFT JOIN evidence e ON e.question_id = q.question_id AND NOT e.restates
            WHERE q.persona_id = ? GROUP BY ALL ORDER BY q.question_id
        """, [persona]).fetchall()
        text_of, conversation_of, members = {}, {}, {}
        for cid, mid, text in con.execute("""
            SELECT m.conversation_id, m.message_id, m.text FROM messages m
            WHERE m.conversation_id IN (
                SELECT m2.conversation_id FROM questions q JOIN evidence e ON e.question_id = q.question_id
                     JOIN messages m2 ON m2.message_id = e.message_id WHERE q.persona_id = ?)
            ORDER BY m.conversation_id, m.position
        """, [persona]).fetchall():
            text_of[mid], conversation_of[mid] = text, cid
            members.setdefault(cid, []).append(text)
        words: dict[str, set[str]] = {}

        def of(text: str) -> set[str]:
            found = words.get(text)
            if found is None:
                found = words[text] = content_words(text)
            return found

        for qid, text, message, conversation, level, evidence in questions:
            found = [m for m in evidence if m in text_of]
            if len(found) < len(evidence):  # a missing evidence message is evidence_present's failure
                continue
            convs = dict.fromkeys(conversation_of[m] for m in found)
            m, c = overlaps(text, [of(text_of[i]) for i in found], [of(t) for cid in convs for t in members[cid]])
            yield qid, (message, conversation, level), (m, c, overlap_level(m, c, len(found)))


def overlap_problem(recorded: Measured, measured: Measured) -> str | None:
    """Why the recorded overlaps differ from the measured ones, or None."""
    if abs(recorded[0] - measured[0]) > 5e-5 or abs(recorded[1] - measured[1]) > 5e-5 or recorded[2] != measured[2]:
        return (f"recorded overlap {recorded[0]:.4f}/{recorded[1]:.4f} ({recorded[2]}), the texts give "
                f"{measured[0]:.4f}/{measured[1]:.4f} ({measured[2]})")
    return None


def refresh_overlaps(con: duckdb.DuckDBPyConnection) -> int:
    """Write the measured overlaps over the recorded ones (after texts were rewritten); return rows changed."""
    changed = [(qid, *measured) for qid, recorded, measured in measured_overlaps(con)
               if overlap_problem(recorded, measured)]
    if changed:
        table = pa.table({"question_id": [r[0] for r in changed], "m": [r[1] for r in changed],
                          "c": [r[2] for r in changed], "level": [r[3] for r in changed]})
        con.register("_overlap_update", table)
        con.execute("""UPDATE questions SET word_overlap = u.m, conversation_overlap = u.c, overlap_level = u.level
                       FROM _overlap_update u WHERE questions.question_id = u.question_id""")
        con.unregister("_overlap_update")
    return len(changed)
