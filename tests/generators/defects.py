"""Test helpers for validation: a small hand-built benchmark that covers every check, and functions that
plant one defect each into a copy of a good benchmark (tiny, hand-built or generated).

Every planter finds its target with SQL, so it works on any benchmark that has the needed rows, and
returns the id the right check must report.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from memcurve.generators.overlap import question_overlap
from memcurve.generators.store import atomic_store, insert_rows, write_meta
from memcurve.generators.tokens import estimate_tokens

ABSTAIN = "There is no information in prior conversations to answer this question."
START = datetime(2024, 3, 4, 10, 0)
ASKED_AT = datetime(2024, 4, 1, 12, 0)

# conversation number -> (kind, topic, day offset, [(speaker, text), ...])
_CONVERSATIONS = {
    0: ("filler", "bread", 0, [("user", "Why did my sourdough come out flat?"),
                               ("assistant", "Your starter was probably past its peak; feed it and try again.")]),
    1: ("evidence", "moving", 2, [("user", "Packing boxes all week, the move to Leeds is on Saturday."),
                                  ("assistant", "Label each box by room and keep a first-night bag.")]),
    2: ("filler", "sister visit", 4, [("user", "My sister is coming with her dog Pepper, any tips for two dogs?"),
                                      ("assistant", "Introduce them on neutral ground and walk them together.")]),
    3: ("evidence", "podcast", 6, [("user", "I need something to listen to on the train."),
                                   ("assistant", "Try the podcast Deep Field, it is calm and well researched.")]),
    4: ("evidence", "dog walk", 9, [("user", "Biscuit pulled so hard on the lead this morning."),
                                    ("assistant", "A front-clip harness helps a lot with pulling.")]),
    5: ("filler", "spreadsheet", 12, [("user", "How do I freeze the top row in a spreadsheet?"),
                                      ("assistant", "Use View, then Freeze, then 1 row.")]),
    6: ("evidence", "moving again", 15, [("user", "Leeds did not work out, we are settling into York now."),
                                         ("assistant", "York is lovely; the walls walk is a good first weekend.")]),
    7: ("filler", "tea", 18, [("user", "Is green tea fine to drink in the evening?"),
                              ("assistant", "It has some caffeine, so keep it to the afternoon.")]),
}

# (fact id, subject, slot, value, conversation number that plants it in message 0 or 1)
_FACTS = [
    ("p000-f0000", "user", "home_city", "Leeds", 1, 0),
    ("p000-f0001", "sister", "pet_name", "Pepper", 2, 0),  # a registered hard negative
    ("p000-f0002", "assistant", "podcast_recommendation", "Deep Field", 3, 1),
    ("p000-f0003", "user", "pet_name", "Biscuit", 4, 0),
    ("p000-f0004", "user", "home_city", "York", 6, 0),
    ("p001-f0000", "user", "pet_name", "Mango", None, None),  # another persona's value (planted elsewhere)
]

# question id -> (category, question_type, text, answer, aliases, slot, evidence conversation numbers)
QUESTIONS = {
    "p000-q0000": ("user_facts", "user_facts/pet_name", "What's my pup called?", "Biscuit", [], "pet_name", [4]),
    "p000-q0001": ("assistant_facts", "assistant_facts/podcast", "Which show did you suggest for my commute?",
                   "Deep Field", [], "podcast_recommendation", [3]),
    "p000-q0002": ("changing_facts", "changing_facts/home_city", "Which city do I live in these days?",
                   "York", [], "home_city", [1, 6]),
    "p000-q0003": ("abstention", "abstention/cat_name", "What's my cat called?", ABSTAIN, [], "cat_name", [4]),
    "p000-q0004": ("temporal", "temporal/days_between",
                   "How many days were there between my move to Leeds and the one to York?", "13", [], None, [1, 6]),
}
QUESTION_IDS = {q[0]: qid for qid, q in QUESTIONS.items()}  # category -> question id
CHAIN = "p000-h00"
HISTORIES = {f"{CHAIN}-n0006": [1, 2, 3, 4, 5, 6], f"{CHAIN}-n0008": list(range(8))}


def cid(n: int) -> str:
    return f"p000-c{n:04d}"


def build_rich_store(path: str | Path) -> Path:
    """Write a one-persona benchmark with a fact of each checked kind, a hard negative and a changing chain."""
    path = Path(path)
    conv = {k: [] for k in ("conversation_id", "persona_id", "started_at", "topic", "kind")}
    msg = {k: [] for k in ("message_id", "conversation_id", "position", "speaker", "text", "sent_at", "tokens")}
    sent: dict[str, datetime] = {}
    for n, (kind, topic, day, turns) in _CONVERSATIONS.items():
        start = START + timedelta(days=day)
        for col, val in zip(conv, (cid(n), "p000", start, topic, kind)):
            conv[col].append(val)
        for pos, (speaker, text) in enumerate(turns):
            mid = f"{cid(n)}-m{pos:02d}"
            sent[mid] = start + timedelta(minutes=2 * pos)
            for col, val in zip(msg, (mid, cid(n), pos, speaker, text, sent[mid], estimate_tokens(text))):
                msg[col].append(val)
    facts = {k: [] for k in ("fact_id", "persona_id", "subject", "slot", "value", "valid_from", "valid_to",
                             "superseded_by", "message_id")}
    for fid, subject, slot, value, n, pos in _FACTS:
        mid = f"{cid(n)}-m{pos:02d}" if n is not None else "p001-c0000-m00"
        row = (fid, fid[:4], subject, slot, value, sent.get(mid, START), None, None, mid)
        for col, val in zip(facts, row):
            facts[col].append(val)
    # Leeds -> York
    facts["valid_to"][0] = facts["valid_from"][4]
    facts["superseded_by"][0] = "p000-f0004"
    questions = {k: [] for k in ("question_id", "persona_id", "category", "question_type", "text", "answer",
                                 "aliases", "rubric", "answer_kind", "slot", "asked_at", "is_abstention",
                                 "evidence_count", "word_overlap", "conversation_overlap", "overlap_level")}
    evidence = {"question_id": [], "message_id": [], "ordinal": []}
    for qid, (cat, qtype, text, answer, aliases, slot, ev) in QUESTIONS.items():
        kind = "abstention" if cat == "abstention" else "number" if cat == "temporal" else "text"
        evidence_texts = [_CONVERSATIONS[n][3][1 if qid == "p000-q0001" else 0][1] for n in ev]
        conversation_texts = [t for n in ev for _, t in _CONVERSATIONS[n][3]]
        row = (qid, "p000", cat, qtype, text, answer, aliases, None, kind, slot, ASKED_AT, cat == "abstention",
               len(ev), *question_overlap(text, evidence_texts, conversation_texts))
        for col, val in zip(questions, row):
            questions[col].append(val)
        for ordinal, n in enumerate(ev):
            evidence["question_id"].append(qid)
            evidence["message_id"].append(f"{cid(n)}-m00" if qid != "p000-q0001" else f"{cid(n)}-m01")
            evidence["ordinal"].append(ordinal)
    tokens = dict(zip(msg["conversation_id"], msg["tokens"]))
    with atomic_store(path, force=True) as con:
        write_meta(con, {"seed": 0, "source": "tests.defects", "config": {"rich": True}})
        insert_rows(con, "personas", {"persona_id": ["p000"], "name": ["Sam Okafor"], "attributes": ["{}"]})
        insert_rows(con, "conversations", conv)
        insert_rows(con, "messages", msg)
        insert_rows(con, "facts", facts)
        insert_rows(con, "questions", questions)
        insert_rows(con, "evidence", evidence)
        insert_rows(con, "histories", {
            "history_id": list(HISTORIES), "persona_id": ["p000"] * len(HISTORIES),
            "chain_id": [CHAIN] * len(HISTORIES), "size": [len(v) for v in HISTORIES.values()],
            "tokens": [sum(tokens[cid(n)] for n in v) for v in HISTORIES.values()],
            "target_tokens": [None] * len(HISTORIES),
        })
        hc = {"history_id": [], "position": [], "conversation_id": []}
        hq = {"history_id": [], "question_id": []}
        for hid, convs in HISTORIES.items():
            for pos, n in enumerate(convs):
                hc["history_id"].append(hid), hc["position"].append(pos), hc["conversation_id"].append(cid(n))
            for qid in QUESTIONS:
                hq["history_id"].append(hid), hq["question_id"].append(qid)
        insert_rows(con, "history_conversations", hc)
        insert_rows(con, "history_questions", hq)
    return path


# --- defect planters: each edits a copy in place and returns the id the right check must report ---------


def copy_db(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def _one(con: duckdb.DuckDBPyConnection, sql: str, what: str, params: list | None = None) -> tuple:
    row = con.execute(sql, params or []).fetchone()
    if row is None:
        raise LookupError(f"no target for defect: {what}")
    return row


def plant_competing_value(db: Path) -> list[str]:
    """Rewrite a filler message in a history asking a slot question so it states another recorded value
    for that slot (in the persona's own voice). Returns the questions it competes with: that one and every
    other question of the slot with another answer that has the message in one of its histories."""
    with duckdb.connect(str(db)) as con:
        candidates = con.execute("""
            SELECT q.question_id, min(f.value)
            FROM questions q JOIN facts f ON f.slot = q.slot AND lower(f.value) <> lower(q.answer)
                                          AND NOT list_contains(q.aliases, f.value)
            WHERE q.category IN ('user_facts', 'assistant_facts') AND q.slot IS NOT NULL
            GROUP BY 1 ORDER BY 1
        """).fetchall()
        for qid, value in candidates:  # the first question with a filler in one of its histories
            (message_id,) = con.execute("""
                SELECT min(m.message_id)
                FROM history_questions hq
                     JOIN history_conversations hc ON hc.history_id = hq.history_id
                     JOIN conversations c ON c.conversation_id = hc.conversation_id AND c.kind = 'filler'
                     JOIN messages m ON m.conversation_id = c.conversation_id AND m.speaker = 'user'
                WHERE hq.question_id = ? AND m.message_id NOT IN (SELECT message_id FROM facts)
            """, [qid]).fetchone()
            if message_id is not None:
                break
        else:
            raise LookupError("no target for defect: a filler in a history asking a slot question")
        con.execute("UPDATE messages SET text = text || ? WHERE message_id = ?",
                    [f" Oh, and {value} says hi.", message_id])
        affected = con.execute("""
            SELECT DISTINCT q.question_id
            FROM questions q JOIN history_questions hq USING (question_id)
                 JOIN history_conversations hc ON hc.history_id = hq.history_id
                 JOIN messages m ON m.conversation_id = hc.conversation_id AND m.message_id = ?
            WHERE q.slot = (SELECT slot FROM questions WHERE question_id = ?) AND lower(q.answer) <> lower(?)
                  AND NOT list_contains(q.aliases, ?)
            ORDER BY 1
        """, [message_id, qid, value, value]).fetchall()
    return [a for (a,) in affected]


def delete_evidence_message(db: Path) -> tuple[str, list[str]]:
    """Delete one evidence message. Returns it and every question that cites it."""
    with duckdb.connect(str(db)) as con:
        (message_id,) = _one(con, "SELECT min(message_id) FROM evidence HAVING count(*) > 0", "evidence")
        con.execute("DELETE FROM messages WHERE message_id = ?", [message_id])
        qids = [r[0] for r in con.execute(
            "SELECT DISTINCT question_id FROM evidence WHERE message_id = ? ORDER BY 1", [message_id]).fetchall()]
    return message_id, qids


def wrong_temporal_answer(db: Path) -> str:
    """Change one temporal answer to a value the recomputation cannot give. Returns the question id."""
    with duckdb.connect(str(db)) as con:
        qid, answer = _one(con, "SELECT question_id, answer FROM questions WHERE question_type LIKE 'temporal/%' "
                                "ORDER BY question_id LIMIT 1", "a temporal question")
        con.execute("UPDATE questions SET answer = ? WHERE question_id = ?", [answer + "0", qid])
    return qid


def quote_into_question(db: Path) -> str:
    """Reword one answerable question to quote its evidence message (the stating one, not an acknowledgement
    that restates it), leaving the recorded overlap as it was
    (a text edited after generation). Returns the question id."""
    with duckdb.connect(str(db)) as con:
        qid, _, quote = _one(con, """
            SELECT q.question_id, q.text, m.text FROM questions q JOIN evidence e USING (question_id)
                 JOIN messages m USING (message_id)
            WHERE q.overlap_level <> 'high' AND NOT e.restates ORDER BY q.question_id LIMIT 1""",
            "a question below high overlap")
        con.execute("UPDATE questions SET text = ? WHERE question_id = ?", [f'About "{quote}": what did I say?', qid])
    return qid


def duplicate_conversation(db: Path) -> str:
    """Append a copy of a history's first conversation at its end. Returns the history id."""
    with duckdb.connect(str(db)) as con:
        hid, conversation_id, last = _one(con, """
            SELECT history_id, arg_min(conversation_id, position), max(position) FROM history_conversations
            GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 1""", "a history of 2+ conversations")
        con.execute("INSERT INTO history_conversations VALUES (?, ?, ?)", [hid, last + 1, conversation_id])
    return hid


def wrong_changing_final(db: Path) -> str:
    """Set a changing-facts answer to the chain's first (superseded) value. Returns the question id."""
    with duckdb.connect(str(db)) as con:
        qid, old = _one(con, """
            SELECT q.question_id, f.value
            FROM questions q JOIN evidence e ON e.question_id = q.question_id
                 JOIN facts f ON f.message_id = e.message_id AND f.slot = q.slot
            WHERE q.category = 'changing_facts' AND f.superseded_by IS NOT NULL AND lower(f.value) <> lower(q.answer)
            ORDER BY q.question_id, f.valid_from LIMIT 1""", "a changing-facts question")
        con.execute("UPDATE questions SET answer = ?, aliases = [] WHERE question_id = ?", [old, qid])
    return qid


def plant_abstention_slot(db: Path) -> str:
    """Record a user fact for an abstention question's slot, planted by a filler. Returns the question id."""
    with duckdb.connect(str(db)) as con:
        qid, persona, slot, message_id, sent_at = _one(con, """
            SELECT q.question_id, q.persona_id, q.slot, min(m.message_id), min(m.sent_at)
            FROM questions q JOIN conversations c ON c.persona_id = q.persona_id AND c.kind = 'filler'
                 JOIN messages m ON m.conversation_id = c.conversation_id
            WHERE q.category = 'abstention' AND q.slot IS NOT NULL
            GROUP BY 1, 2, 3 ORDER BY 1 LIMIT 1""", "an abstention question with a slot")
        con.execute("INSERT INTO facts VALUES ('planted-defect', ?, 'user', ?, 'Whiskers', ?, NULL, NULL, ?)",
                    [persona, slot, sent_at, message_id])
    return qid
