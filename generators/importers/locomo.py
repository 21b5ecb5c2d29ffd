"""Import LoCoMo (`locomo10.json`) into a memcurve store.

Mapping, one sample (one long two-person conversation) at a time:
- persona `<sample_id>` (e.g. `conv-26`) named after both speakers; one history `<sample_id>-n<size>` with every
  session in date order and all of the sample's questions;
- conversation `<sample_id>:session_<N>` dated from `session_<N>_date_time` ("1:56 pm on 8 May, 2023"), kind
  `imported`, topic `session_<N>`; message `<sample_id>:<dia_id>`, sent 1 minute apart within the session;
- speakers: LoCoMo is two people talking, not a user and an assistant. The schema only knows those two
  roles, so speaker_a is stored as `user` and speaker_b as `assistant` (stable per person, unlike alternation),
  and every text starts with the real name ("Caroline: ...") so readers and models see who said it;
- image turns keep their caption in the text: "... [shares an image: <blip_caption>]";
- qa: question `<sample_id>:q<NNN>`, question_type `locomo/<code>-<name>`, evidence from the `dia_id` list
  (entries that name no turn are counted as unresolved; the question is kept with what resolved). Codes:
  1 multi_hop, 2 temporal, 3 open_domain, 4 single_hop (the official scorer's codes, not mem0's relabelling),
  5 abstention: the gold is "not mentioned"; the distractor from `adversarial_answer` is never stored as a
  correct answer, only in `rubric` as "distractor: <text> (...)" so judges can see what a wrong reply looks like.
- asked_at: one day after the start of the last session. Generated extras (observations, summaries, event
  summaries) are not imported: they are model output, not conversation.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from memcurve.errors import InputFormatError
from memcurve.generators.importers.common import (
    FaultLog,
    Rows,
    Where,
    answer_kind,
    parse_locomo_date,
    prepare_connection,
    scalar_text,
    summary_text,
    question_overlap,
    write_import_meta,
)
from memcurve.generators.importers.corrections import Corrections
from memcurve.generators.importers.json_reader import load_document, open_json
from memcurve.generators.store import atomic_store, write_meta

CATEGORIES = {1: ("multi_hop", "multi-hop"), 2: ("temporal", "temporal"), 3: ("open_domain", "open-domain"),
              4: ("single_hop", "single-hop"), 5: ("abstention", "adversarial")}
NOT_MENTIONED = "Not mentioned in the conversation."
TURN_STEP = timedelta(minutes=1)
QUESTION_DELAY = timedelta(days=1)
_DIA_ID = re.compile(r"D\s*(\d+)\s*:\s*(\d+)", re.IGNORECASE)

FAULT_UNRESOLVED = "unresolved evidence"
FAULT_DUPLICATE_DIA = "repeated dia_ids"
FAULT_UNSORTED = "sessions out of date order"


def import_locomo(path: Path, out: Path, *, force: bool = False, corrections: Corrections | None = None) -> str:
    """Import a LoCoMo JSON file (a list of samples) into `out`; return the summary.

    With `corrections` (the packaged errata: generators.importers.corrections), each audited question is
    corrected as its error type's rule says (answer and evidence, evidence only, or flagged) once its text,
    original answer and category are checked; meta `corrections` lists each change with its original answer.
    """
    name = path.name
    data, sha = _load_json(path)
    if not isinstance(data, list) or not data:
        raise InputFormatError(f"{name}: expected a non-empty JSON array of LoCoMo samples")
    faults = FaultLog()
    with atomic_store(out, force=force) as con:
        prepare_connection(con)
        rows = Rows(con)
        seen: set[str] = set()
        for index, sample in enumerate(data):
            seen.add(_add_sample(rows, name, index, sample, faults, seen, corrections))
        rows.flush()
        write_import_meta(con, "locomo", [(name, sha)], faults)
        summary = summary_text("locomo", out, con, faults)
        if corrections is not None:
            write_meta(con, {"corrections": corrections.meta()})
            summary += "\n" + corrections.summary()
        return summary


def _load_json(path: Path) -> tuple[Any, str]:
    """The parsed file (bounded: generators.importers.json_reader) and its sha256."""
    with open_json(path) as reader:
        return load_document(reader, path.name), reader.hexdigest()


def _add_sample(rows: Rows, name: str, index: int, sample: Any, faults: FaultLog, seen: set[str],
                corrections: Corrections | None = None) -> str:
    if not isinstance(sample, dict):
        raise InputFormatError(f"{name}: record {index}: expected an object, got {type(sample).__name__}")
    where = Where(name, f"record {index}")
    sample_id = where.get(sample, "sample_id", str)
    where = Where(name, f"record {index} (sample_id {sample_id!r})")
    if sample_id in seen:
        raise where.error("sample_id", "repeats an earlier record")
    conv = where.get(sample, "conversation", dict)
    speaker_a = where.get(conv, "speaker_a", str, path="conversation.")
    speaker_b = where.get(conv, "speaker_b", str, path="conversation.")
    roles = {speaker_a: "user", speaker_b: "assistant"}
    if speaker_a == speaker_b:
        raise where.error("conversation.speaker_b", f"is the same name as speaker_a ({speaker_a!r})")

    sessions = []  # (date, N, turns)
    n = 1
    while f"session_{n}" in conv:
        turns = where.get(conv, f"session_{n}", list, path="conversation.")
        date_key = f"session_{n}_date_time"
        date_text = where.get(conv, date_key, str, path="conversation.")
        started = parse_locomo_date(where, f"conversation.{date_key}", date_text)
        sessions.append((started, n, turns))
        n += 1
    if not sessions:
        raise where.error("conversation.session_1")
    if [s[0] for s in sessions] != sorted(s[0] for s in sessions):
        faults.note(FAULT_UNSORTED, sample_id)
    sessions.sort(key=lambda s: (s[0], s[1]))

    persona_id = sample_id
    history_id = f"{sample_id}-n{len(sessions):04d}"
    rows.persona(persona_id, f"{speaker_a} & {speaker_b}", {
        "source": "locomo", "sample_id": sample_id, "speaker_a": speaker_a, "speaker_b": speaker_b,
        "roles": {"user": speaker_a, "assistant": speaker_b}})
    by_dia: dict[tuple[int, int], tuple[int, str, str]] = {}  # (session, turn) -> (time order, message id, text)
    message_ids: Counter = Counter()
    order = 0
    total_tokens = 0
    for position, (started, n, turns) in enumerate(sessions):
        conversation_id = f"{sample_id}:session_{n}"
        rows.add("conversations", conversation_id, persona_id, started, f"session_{n}", "imported")
        rows.add("history_conversations", history_id, position, conversation_id)
        for t, turn in enumerate(turns):
            path = f"conversation.session_{n}[{t}]."
            speaker = where.get(turn, "speaker", str, path=path)
            if speaker not in roles:
                raise where.error(f"{path}speaker", f"is {speaker!r}; valid: {speaker_a!r}, {speaker_b!r}")
            dia_id = where.get(turn, "dia_id", str, path=path)
            text = turn.get("text") or ""
            if not isinstance(text, str):
                raise where.error(f"{path}text", f"has type {type(text).__name__}, expected string")
            caption = turn.get("blip_caption")
            if caption:
                text = f"{text} [shares an image: {caption}]".strip()
            if not text:
                raise where.error(f"{path}text")
            text = f"{speaker}: {text}"
            message_ids[dia_id] += 1
            message_id = f"{sample_id}:{dia_id}"
            if message_ids[dia_id] > 1:
                faults.note(FAULT_DUPLICATE_DIA, f"{sample_id}: {dia_id}")
                message_id = f"{message_id}#{message_ids[dia_id]}"
            total_tokens += rows.message(message_id, conversation_id, t, roles[speaker], text, started + t * TURN_STEP)
            key = _dia_key(dia_id)
            if key is not None and key not in by_dia:
                by_dia[key] = (order, message_id, text)
            order += 1

    asked_at = sessions[-1][0] + QUESTION_DELAY
    for j, qa in enumerate(where.get(sample, "qa", list)):
        if corrections is not None:
            qa = corrections.correct(f"locomo_{index}_qa{j}", f"{sample_id}:q{j:03d}", qa)
        _add_question(rows, where, sample_id, persona_id, history_id, j, qa, by_dia, asked_at, faults)
    rows.add("histories", history_id, persona_id, persona_id, len(sessions), total_tokens, None)
    return sample_id


def _add_question(rows: Rows, where: Where, sample_id: str, persona_id: str, history_id: str, j: int, qa: Any,
                  by_dia: dict, asked_at, faults: FaultLog) -> None:
    path = f"qa[{j}]."
    if not isinstance(qa, dict):
        raise where.error(f"qa[{j}]", f"has type {type(qa).__name__}, expected object")
    question = where.get(qa, "question", str, path=path)
    code = where.get(qa, "category", int, path=path)
    if code not in CATEGORIES:
        raise where.error(f"{path}category", f"is {code}; valid: 1 multi-hop, 2 temporal, 3 open-domain, "
                                             "4 single-hop, 5 adversarial")
    category, label = CATEGORIES[code]
    rubric = None
    if code == 5:
        answer, kind = NOT_MENTIONED, "abstention"
        for key in ("adversarial_answer", "answer"):
            if qa.get(key) is not None:
                distractor = scalar_text(where, qa, key, path=path)
                rubric = (f"distractor: {distractor} (a wrong answer; a good reply says the conversation "
                          "does not mention this)")
                break
    else:
        answer = scalar_text(where, qa, "answer", path=path)
        kind = answer_kind(answer)

    evidence_field = qa.get("evidence", [])
    if not isinstance(evidence_field, list):
        raise where.error(f"{path}evidence", f"has type {type(evidence_field).__name__}, expected list")
    found: dict[str, tuple[int, str]] = {}
    question_id = f"{sample_id}:q{j:03d}"
    for e, entry in enumerate(evidence_field):
        if not isinstance(entry, str):
            raise where.error(f"{path}evidence[{e}]", f"has type {type(entry).__name__}, expected string")
        keys = [(int(s), int(t)) for s, t in _DIA_ID.findall(entry)]
        if not keys:
            faults.note(FAULT_UNRESOLVED, f"{question_id}: evidence {entry!r} names no turn")
        for s, t in keys:
            if (s, t) in by_dia:
                order, message_id, text = by_dia[(s, t)]
                found[message_id] = (order, text)
            else:
                faults.note(FAULT_UNRESOLVED, f"{question_id}: evidence {entry!r}: no turn D{s}:{t}")
    ordered = sorted(found.items(), key=lambda item: item[1][0])
    sessions_of = {s for s, t in by_dia if by_dia[(s, t)][1] in found}
    for ordinal, (message_id, _) in enumerate(ordered):
        rows.add("evidence", question_id, message_id, ordinal, False)
    rows.add("questions", question_id, persona_id, category, f"locomo/{code}-{label}", question, answer, [], rubric,
             kind, None, asked_at, code == 5, len(ordered),
             *question_overlap(question, [t for _, (_, t) in ordered],
                               [text for (s, _), (_, _, text) in by_dia.items() if s in sessions_of]))
    rows.add("history_questions", history_id, question_id)


def _dia_key(dia_id: str) -> tuple[int, int] | None:
    match = _DIA_ID.fullmatch(dia_id.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None
