"""Import LongMemEval (oracle, S or M; original or cleaned) into a memcurve store.

The file is one JSON array of instances, each with its own haystack. It is read with ijson one instance at
a time (M is 2.7 GB), so memory holds one instance plus one batch of rows.

Mapping, one instance at a time:
- persona `lme-<question_id>` (each instance is its own user) and one history `lme-<question_id>-n<size>`
  holding all haystack sessions in date order (the oracle file leaves them unsorted; ties keep file order);
- conversation `<question_id>:<session_id>` (session ids repeat across instances; a session id repeated
  inside one haystack, issue #54, gets `~2`, `~3`...), kind `evidence` for answer sessions else `filler`,
  topic = the session id; message `<conversation_id>:<turn index>`, sent 1 s apart from the session date;
- question id = the dataset's question_id; question_type verbatim; `_abs` in the id -> category abstention
  (never keyed on question_type, which abstention items share with their base type);
- evidence = the turns marked `has_answer: true`, in time order. An answer session with no marked turn adds
  no turn evidence (as LongMemEval's retrieval metrics do). Only when a question has no marked turn at all
  do the user turns of its answer sessions stand in, so session-level gold survives; those question ids are
  listed in meta `longmemeval_session_level_evidence` so turn-level metrics can skip them.
Known faults are kept, counted and listed by question id in meta `import_fault_details` (shown by
`memcurve info`): question dates before the last session (issue #8), repeated session ids and sessions that
repeat another session's turns under a new id (fillers drawn twice, upstream issue #54), answer sessions
missing from the haystack. With `--corrections`, the repeats issue #54 lists keep only their first copy.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from memcurve.errors import InputFormatError
from memcurve.generators.importers.common import (
    SPEAKERS,
    FaultLog,
    Rows,
    Where,
    answer_kind,
    first_json_char,
    parse_longmemeval_date,
    prepare_connection,
    scalar_text,
    summary_text,
    question_overlap,
    write_import_meta,
)
from memcurve.generators.importers.corrections import Corrections
from memcurve.generators.importers.json_reader import open_json, stream_items
from memcurve.generators.store import atomic_store, write_meta

CATEGORY_BY_TYPE = {
    "single-session-user": "user_facts",
    "single-session-assistant": "assistant_facts",
    "single-session-preference": "preferences",
    "temporal-reasoning": "temporal",
    "knowledge-update": "changing_facts",
    "multi-session": "aggregation",
}
TURN_STEP = timedelta(seconds=1)

FAULT_EARLY_QUESTION = "question date before last session"
FAULT_DUPLICATE_SESSION = "repeated session ids"
FAULT_DUPLICATE_CONTENT = "sessions repeating another session's turns under a new id"
FAULT_MISSING_ANSWER_SESSION = "answer sessions missing from haystack"
FAULT_SESSION_LEVEL = "questions with session-level evidence only"
FAULT_NO_EVIDENCE = "questions without evidence"


def import_longmemeval(path: Path, out: Path, *, force: bool = False, corrections: Corrections | None = None) -> str:
    """Stream a LongMemEval JSON array into `out`; return the summary. Raises InputFormatError on bad input.

    With `corrections` (the packaged errata: generators.importers.corrections), a session id its entry names
    keeps only its first copy in date order when every copy has the same turns; meta `corrections` records it.
    """
    name = path.name
    if first_json_char(path) != "[":
        raise InputFormatError(f"{name}: expected a JSON array of LongMemEval instances")
    faults = FaultLog()
    session_level: list[str] = []
    with atomic_store(out, force=force) as con:
        prepare_connection(con)
        rows = Rows(con)
        seen_ids: set[str] = set()
        index = -1
        with open_json(path, name) as reader:
            for index, instance in enumerate(stream_items(reader, name)):
                qid = _add_instance(rows, name, index, instance, faults, session_level, seen_ids, corrections)
                seen_ids.add(qid)
                rows.maybe_flush()
            sha = reader.hexdigest()
        if index < 0:
            raise InputFormatError(f"{name}: no LongMemEval instances in the array")
        rows.flush()
        write_import_meta(con, "longmemeval", [(name, sha)], faults)
        write_meta(con, {"longmemeval_session_level_evidence": sorted(session_level)})
        summary = summary_text("longmemeval", out, con, faults)
        if corrections is not None:
            write_meta(con, {"corrections": corrections.meta()})
            summary += "\n" + corrections.summary()
        return summary


def _add_instance(rows: Rows, name: str, index: int, inst: Any, faults: FaultLog, session_level: list[str],
                  seen_ids: set[str], corrections: Corrections | None = None) -> str:
    where = Where(name, f"record {index}")
    if not isinstance(inst, dict):
        raise InputFormatError(f"{name}: record {index}: expected an object, got {type(inst).__name__}")
    qid = where.get(inst, "question_id", str)
    where = Where(name, f"record {index} (question_id {qid!r})")
    if qid in seen_ids:
        raise where.error("question_id", "repeats an earlier record")
    qtype = where.get(inst, "question_type", str)
    if qtype not in CATEGORY_BY_TYPE:
        raise where.error("question_type", f"is {qtype!r}; valid: {', '.join(CATEGORY_BY_TYPE)}")
    question = where.get(inst, "question", str)
    answer = scalar_text(where, inst, "answer")
    asked_at = parse_longmemeval_date(where, "question_date", where.get(inst, "question_date", str))
    session_ids = where.get(inst, "haystack_session_ids", list)
    dates = where.get(inst, "haystack_dates", list)
    sessions = where.get(inst, "haystack_sessions", list)
    answer_ids = where.get(inst, "answer_session_ids", list)
    for field_name, values in (("haystack_dates", dates), ("haystack_sessions", sessions)):
        if len(values) != len(session_ids):
            raise where.error(field_name, f"has {len(values)} entries but haystack_session_ids has {len(session_ids)}")
    for k, sid in enumerate(session_ids):
        if not isinstance(sid, str):
            raise where.error(f"haystack_session_ids[{k}]", f"has type {type(sid).__name__}, expected string")
    for k, sid in enumerate(answer_ids):
        if not isinstance(sid, str):
            raise where.error(f"answer_session_ids[{k}]", f"has type {type(sid).__name__}, expected string")
    started = [parse_longmemeval_date(where, f"haystack_dates[{k}]", d) for k, d in enumerate(dates)]
    answer_set = set(answer_ids)
    missing = sorted(answer_set - set(session_ids))
    if missing:
        faults.note(FAULT_MISSING_ANSWER_SESSION, f"{qid}: {', '.join(missing)}", len(missing))

    dropped = _dropped_repeats(corrections, qid, session_ids, started, sessions) if corrections else set()
    persona_id = f"lme-{qid}"
    size = len(session_ids) - len(dropped)
    history_id = f"{persona_id}-n{size:04d}"
    rows.persona(persona_id, f"LongMemEval {qid}", {"source": "longmemeval", "question_id": qid,
                                                    "question_type": qtype})
    marked: list[tuple[str, str]] = []  # (message id, text) of has_answer turns, in time order
    answer_user_turns: list[tuple[str, str]] = []
    used: Counter = Counter()
    by_content: dict[str, str] = {}  # content digest -> the first session id with it
    total_tokens = 0
    session_texts: dict[str, list[str]] = {}  # conversation id -> its message texts (for conversation overlap)
    order = sorted(range(len(session_ids)), key=lambda k: (started[k], k))
    for k in order:
        if k in dropped:
            faults.note(FAULT_DUPLICATE_SESSION, f"{qid}: {session_ids[k]}")
    for position, k in enumerate(k for k in order if k not in dropped):
        sid = session_ids[k]
        used[sid] += 1
        conversation_id = f"{qid}:{sid}" if used[sid] == 1 else f"{qid}:{sid}~{used[sid]}"
        if used[sid] > 1:
            faults.note(FAULT_DUPLICATE_SESSION, f"{qid}: {sid}")
        is_answer = sid in answer_set
        rows.add("conversations", conversation_id, persona_id, started[k], sid, "evidence" if is_answer else "filler")
        rows.add("history_conversations", history_id, position, conversation_id)
        turns = sessions[k]
        if not isinstance(turns, list):
            raise where.error(f"haystack_sessions[{k}]", f"has type {type(turns).__name__}, expected list")
        digest = _session_digest(turns)
        if turns and used[sid] == 1 and by_content.setdefault(digest, sid) != sid:
            faults.note(FAULT_DUPLICATE_CONTENT, f"{qid}: {sid} repeats {by_content[digest]}")
        for t, turn in enumerate(turns):
            path = f"haystack_sessions[{k}][{t}]."
            role = where.get(turn, "role", str, path=path)
            if role not in SPEAKERS:
                raise where.error(f"{path}role", f"is {role!r}; valid: {', '.join(SPEAKERS)}")
            content = where.get(turn, "content", str, path=path)
            message_id = f"{conversation_id}:{t}"
            session_texts.setdefault(conversation_id, []).append(content)
            total_tokens += rows.message(message_id, conversation_id, t, role, content, started[k] + t * TURN_STEP)
            if turn.get("has_answer") is True:
                marked.append((message_id, content))
            elif is_answer and role == "user":
                answer_user_turns.append((message_id, content))

    evidence = marked
    if not marked and answer_user_turns:
        evidence = answer_user_turns
        session_level.append(qid)
        faults.note(FAULT_SESSION_LEVEL, qid)
    if not evidence:
        faults.note(FAULT_NO_EVIDENCE, qid)
    for ordinal, (message_id, _) in enumerate(evidence):
        rows.add("evidence", qid, message_id, ordinal, False)
    if started and asked_at < max(started):
        faults.note(FAULT_EARLY_QUESTION, f"{qid}: asked {asked_at:%Y-%m-%d %H:%M}, last session "
                                          f"{max(started):%Y-%m-%d %H:%M}")

    abstention = "_abs" in qid
    category = "abstention" if abstention else CATEGORY_BY_TYPE[qtype]
    preference = qtype == "single-session-preference" and not abstention
    kind = "abstention" if abstention else "rubric" if preference else answer_kind(answer)
    rows.add("questions", qid, persona_id, category, qtype, question, answer, [], answer if preference else None,
             kind, None, asked_at, abstention, len(evidence),
             *question_overlap(question, [t for _, t in evidence],
                               [t for m, _ in evidence for t in session_texts[m.rsplit(":", 1)[0]]]))
    rows.add("histories", history_id, persona_id, persona_id, size, total_tokens, None)
    rows.add("history_questions", history_id, qid)
    return qid


def _dropped_repeats(corrections: Corrections, qid: str, session_ids: list[str], started: list, sessions: list
                     ) -> set[int]:
    """Haystack indices of the later copies of the session the question's entry names, if every copy has the
    same turns (else none, and the entry is recorded as skipped)."""
    sid = corrections.repeat_to_drop(qid)
    if sid is None:
        return set()
    copies = sorted((k for k, s in enumerate(session_ids) if s == sid), key=lambda k: (started[k], k))
    if len(copies) < 2:
        corrections.skip(qid, f"session {sid} appears {len(copies)} time(s) in the haystack, not repeated")
        return set()
    if len({_session_digest(sessions[k]) if isinstance(sessions[k], list) else None for k in copies}) != 1:
        corrections.skip(qid, f"the copies of session {sid} differ")
        return set()
    corrections.record_drop(qid, sid, f"{started[copies[0]]:%Y-%m-%d %H:%M}",
                            [f"{started[k]:%Y-%m-%d %H:%M}" for k in copies[1:]])
    return set(copies[1:])


def _session_digest(turns: list) -> str:
    """Digest of a session's (role, content) turns: the same filler drawn twice hashes the same."""
    digest = hashlib.sha256()
    for turn in turns:
        if isinstance(turn, dict):
            digest.update(f"{turn.get('role')}\x1f{turn.get('content')}\x1e".encode("utf-8", "replace"))
    return digest.hexdigest()

