"""Import ConvoMem (evidence-question files and pre-mixed test cases) into a memcurve store.

PATH is one JSON file or a folder (every *.json below it in sorted order, e.g. a downloaded
`core_benchmark/` or the repository's `src/main/resources/test_cases/`, except the `filler_conversations/`
pool). ConvoMem is distributed in three shapes, told apart by their keys, never by guesswork:
- an evidence file (Hugging Face `evidence_questions/`): an object `{evidence_items | evidenceItems, checkpoint}`
  without `conversations` of its own;
- a TestCase object (the repository's `test_cases/locomo/category_*/dataset_*.json`): one object
  `{evidenceItems, conversations, contextSize}`, the mixed history shared by all its items;
- pre-mixed batches (Hugging Face `pre_mixed_testcases/`): an array of TestCase objects, streamed one test
  case at a time (a size-300 batch is about 850 MB).
An object with neither shape is refused with its own keys named; errors quote the file's spelling of a key
(`evidenceItems[3]` where the file says evidenceItems).

Mapping:
- category, from every naming the repository uses, mapped explicitly (CATEGORY_NAMES): the Hugging Face folder
  the file sits in (user_evidence -> user_facts, ...), the repository's LongMemEval folders (knowledge_updates ->
  changing_facts, multi_session -> aggregation, ...), the generator names (UserFactsEvidence, ...), and for the
  LoCoMo test cases the folder `category_<N>_<label>` or the item's `locomo_category_<N>`, mapped by LoCoMo's
  own codes (1 multi_hop, 2 temporal, 3 open_domain, 4 single_hop, 5 abstention, as the LoCoMo importer does;
  ConvoMem's folder labels "basic_facts" for 1 and "multi_session" for 4 are its own and kept only in
  question_type). An item's `category` of "Personal Life" / "Professional Life" is a life area, not a category.
  question_type `convomem/<folder or category name>[/<N>_evidence]`;
- an evidence item is one question over one history of its own conversations (persona `cm-<personId>`);
  a pre-mixed test case is one history of its mixed conversations with all its items' questions (persona
  `cm-<file>:<case>`, since it mixes several people; the source personIds are kept in its attributes);
- ids: `<file key>:<item or case>` with the file key its path below PATH without `.json`; conversations
  `<history key>:c<NNN>` (a filler reused by many test cases is stored once per test case, so each history's
  timeline stays consistent), messages `<conversation id>:<position>`;
- there are no timestamps: conversation k of a history starts EPOCH + k days at 09:00, messages follow one
  minute apart, the question is asked a day after the last conversation started. Changing facts rely on this
  order only, which is the dataset's own order;
- evidence is located by text (generators.importers.text_match), first in the item's own conversations, then
  anywhere in the history; unresolved spans are counted and the question keeps what was found;
- preferences and implicit connections: answer_kind rubric, rubric = the answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from memcurve.errors import InputFormatError
from memcurve.generators.importers.common import (
    FaultLog,
    Rows,
    Where,
    answer_kind,
    first_json_char,
    prepare_connection,
    scalar_text,
    summary_text,
    question_overlap,
    write_import_meta,
)
from memcurve.generators.importers.json_reader import BoundedReader, load_document, open_json, stream_items
from memcurve.generators.importers.text_match import METHODS, Candidate, locate
from memcurve.generators.store import atomic_store, write_meta

CATEGORY_BY_FOLDER = {
    "user_evidence": "user_facts",
    "assistant_facts_evidence": "assistant_facts",
    "changing_evidence": "changing_facts",
    "abstention_evidence": "abstention",
    "preference_evidence": "preferences",
    "implicit_connection_evidence": "implicit_connections",
}
FOLDER_BY_CATEGORY = {v: k for k, v in CATEGORY_BY_FOLDER.items()}
# LoCoMo codes as the LoCoMo importer maps them (its official evaluation code's meaning of each code)
LOCOMO_CODES = {1: "multi_hop", 2: "temporal", 3: "open_domain", 4: "single_hop", 5: "abstention"}
LOCOMO_FOLDERS = {"category_1_basic_facts": 1, "category_2_temporal": 2, "category_3_reasoning": 3,
                  "category_4_multi_session": 4, "category_5_abstention": 5}
# Every other name the repository gives a category: its evidence generators and its LongMemEval folders
CATEGORY_NAMES = {
    **CATEGORY_BY_FOLDER,
    **{f"locomo_category_{code}": name for code, name in LOCOMO_CODES.items()},
    **{folder: LOCOMO_CODES[code] for folder, code in LOCOMO_FOLDERS.items()},
    "UserFactsEvidence": "user_facts",
    "AssistantFactsEvidence": "assistant_facts",
    "ChangingEvidence": "changing_facts",
    "AbstentionEvidence": "abstention",
    "PreferenceEvidence": "preferences",
    "ImplicitConnectionEvidence": "implicit_connections",
    "TemporalEvidence": "temporal",
    "multi_session": "aggregation",
    "preferences": "preferences",
    "assistant_facts": "assistant_facts",
    "knowledge_updates": "changing_facts",
    "abstention": "abstention",
}
LIFE_AREAS = ("Personal Life", "Professional Life")  # an evidence item's `category` on Hugging Face
ITEM_KEYS = ("evidence_items", "evidenceItems")
RUBRIC_CATEGORIES = ("preferences", "implicit_connections")
FILLER_FOLDER = "filler_conversations"  # the fillers' source pool: no questions, already inside the test cases
EPOCH = datetime(2024, 1, 1, 9, 0)
CONVERSATION_STEP = timedelta(days=1)
TURN_STEP = timedelta(minutes=1)

FAULT_UNRESOLVED = "unresolved evidence"
NOTE_CONTEXT_SIZE = "test cases whose contextSize differs from their conversation count"


class _Import:
    """State of one ConvoMem import: the row batches, personas written so far, faults and match counts."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.personas: set[str] = set()
        self.faults = FaultLog()
        self.notes: Counter = Counter()


def import_convomem(path: Path, out: Path, *, force: bool = False) -> str:
    """Import a ConvoMem file or folder into `out`; return the summary."""
    files = _input_files(path)
    inputs: list[tuple[str, str]] = []
    with atomic_store(out, force=force) as con:
        prepare_connection(con)
        state = _Import(Rows(con))
        for file, key in files:
            inputs.append((key + ".json", _import_file(state, file, key)))
            state.rows.maybe_flush()
        state.rows.flush()
        if not state.rows.counts["questions"]:
            raise InputFormatError(f"{path}: no ConvoMem questions found (no evidence items or test cases)")
        write_import_meta(con, "convomem", inputs, state.faults)
        write_meta(con, {"import_notes": dict(state.notes)})
        return _summary(out, con, state)


def _input_files(path: Path) -> list[tuple[Path, str]]:
    """(file, key) pairs: the key is the path below PATH without .json, stable across machines."""
    if path.is_file():
        return [(path, path.stem)]
    files = sorted(p for p in path.rglob("*.json")
                   if not any(part.startswith(".") or part == FILLER_FOLDER for part in p.relative_to(path).parts))
    if not files:
        raise InputFormatError(f"{path}: no .json files below this folder")
    return [(p, p.relative_to(path).with_suffix("").as_posix()) for p in files]


def _folder_hints(file: Path) -> tuple[str | None, str | None]:
    """(category folder, '<N>_evidence') from the file's path, if it follows the Hugging Face layout."""
    parts = file.resolve().parts
    folder = next((p for p in reversed(parts) if p in CATEGORY_NAMES), None)
    n_dir = next((p for p in reversed(parts) if p.endswith("_evidence") and p.split("_")[0].isdigit()), None)
    return folder, n_dir


def _import_file(state: _Import, file: Path, key: str) -> str:
    """Import one file; return its sha256."""
    name = key + ".json"
    first = first_json_char(file)
    with open_json(file, name) as reader:
        if first == "{":
            data = _load_object(reader, name)
            items_key = _object_shape(name, data)
            if "conversations" in data:
                _import_test_case(state, file, name, key, Where(name, "top level"), data)
            else:
                items = Where(name, "top level").get(data, items_key, list)
                for i, item in enumerate(items):
                    _import_item(state, file, name, f"{key}:{i}", f"{items_key}[{i}]", item)
        elif first == "[":
            for index, case in enumerate(stream_items(reader, name)):
                if not isinstance(case, dict):
                    raise InputFormatError(f"{name}: record {index}: expected an object, got "
                                           f"{type(case).__name__}")
                _object_shape(name, case, where=f"record {index}")
                _import_test_case(state, file, name, f"{key}:{index}", Where(name, f"record {index}"), case)
                state.rows.maybe_flush()
        else:
            raise InputFormatError(f"{name}: expected a ConvoMem evidence file or TestCase (an object) or pre-mixed "
                                   "test cases (an array)")
        return reader.hexdigest()


def _load_object(reader: BoundedReader, name: str) -> dict:
    data = load_document(reader, name)
    if not isinstance(data, dict):
        raise InputFormatError(f"{name}: expected a JSON object at the top level")
    return data


def _object_shape(name: str, data: dict, *, where: str = "top level") -> str:
    """The key (as the file spells it) that holds the evidence items; refuse an object of neither shape.

    With `conversations` beside the items the object is a TestCase (its mixed history); without, an evidence
    file whose items carry their own conversations.
    """
    present = [k for k in ITEM_KEYS if k in data]
    if len(present) == 1:
        return present[0]
    keys = ", ".join(sorted(data)) or "none"
    if present:
        raise InputFormatError(f"{name}: {where}: has both evidence_items and evidenceItems; expected one")
    raise InputFormatError(f"{name}: {where}: an object with keys {keys} is neither a ConvoMem evidence file "
                           "{evidence_items, checkpoint} nor a TestCase {evidenceItems, conversations, contextSize}")


def _category(where: Where, file: Path, item: dict) -> tuple[str, str]:
    """(memcurve category, question_type) from the file's folder, else the item's own category name."""
    folder, n_dir = _folder_hints(file)
    if folder is None:
        hint = item.get("category")
        folder = hint if isinstance(hint, str) and hint in CATEGORY_NAMES else FOLDER_BY_CATEGORY.get(hint)
        if folder is None:
            what = "is a life area, not a category," if hint in LIFE_AREAS else "does not name a ConvoMem category"
            raise where.error("category", f"{what} and the file is not inside a folder that names one "
                                          f"({', '.join(CATEGORY_BY_FOLDER)}, category_<N>_<label>, ...)")
    return CATEGORY_NAMES[folder], f"convomem/{folder}" + (f"/{n_dir}" if n_dir else "")


def _import_item(state: _Import, file: Path, name: str, key: str, label: str, item: Any) -> None:
    """One evidence item: its own conversations become its history; one question."""
    where = _item_where(name, label, item)
    conversations = where.get(item, "conversations", list)
    person = item.get("personId") if isinstance(item.get("personId"), str) else None
    persona_id = f"cm-{person}" if person else f"cm-{key}"
    if persona_id not in state.personas:
        state.personas.add(persona_id)
        state.rows.persona(persona_id, f"ConvoMem person {(person or key)[:8]}",
                           {"source": "convomem", "person_id": person})
    history = _write_history(state, where, "conversations", key, persona_id, conversations)
    own = [c for group, conv in zip(history.candidates, conversations) if conv.get("containsEvidence") is not False
           for c in group]
    _write_question(state, where, file, key, persona_id, history, item, [own])


def _import_test_case(state: _Import, file: Path, name: str, key: str, where: Where, case: dict) -> None:
    """One TestCase: its conversations become one history asked all its items' questions."""
    conversations = where.get(case, "conversations", list)
    items_key = _object_shape(name, case, where=where.record)
    items = where.get(case, items_key, list)
    size = case.get("contextSize")
    if size is not None and size != len(conversations):
        state.notes[NOTE_CONTEXT_SIZE] += 1
    persona_id = f"cm-{key}"
    people = sorted({i["personId"] for i in items if isinstance(i, dict) and isinstance(i.get("personId"), str)})
    fillers = sum(1 for c in conversations if isinstance(c, dict) and c.get("containsEvidence") is False)
    state.rows.persona(persona_id, f"ConvoMem test case {key}",
                       {"source": "convomem", "person_ids": people, "context_size": size, "fillers": fillers})
    history = _write_history(state, where, "conversations", key, persona_id, conversations)
    by_source_id: dict[str, list[Candidate]] = {}
    for conv, candidates in zip(conversations, history.candidates):
        if isinstance(conv.get("id"), str):
            by_source_id.setdefault(conv["id"], []).extend(candidates)
    prefix = "" if where.record == "top level" else f"{where.record}: "
    for j, item in enumerate(items):
        item_where = _item_where(name, f"{prefix}{items_key}[{j}]", item)
        own_ids = [c.get("id") for c in item.get("conversations") or [] if isinstance(c, dict)]
        own = [cand for cid in dict.fromkeys(own_ids) if isinstance(cid, str) for cand in by_source_id.get(cid, [])]
        _write_question(state, item_where, file, f"{key}:q{j:03d}", persona_id, history, item, [own])


def _item_where(name: str, label: str, item: Any) -> Where:
    if not isinstance(item, dict):
        raise InputFormatError(f"{name}: {label}: expected an object, got {type(item).__name__}")
    return Where(name, label)


class _History:
    """A written history plus what evidence search needs: its messages, by speaker and in time order."""

    def __init__(self, history_id: str, size: int, asked_at: datetime) -> None:
        self.history_id = history_id
        self.size = size
        self.asked_at = asked_at
        self.candidates: list[list[Candidate]] = []  # per conversation, its messages
        self._index: dict[str, tuple[int, Candidate]] | None = None
        self._by_speaker: dict[str, list[Candidate]] | None = None

    def all_candidates(self) -> Iterator[Candidate]:
        for group in self.candidates:
            yield from group

    @property
    def index(self) -> dict[str, tuple[int, Candidate]]:
        """message id -> (time order, candidate)."""
        if self._index is None:
            self._index = {c.message_id: (n, c) for n, c in enumerate(self.all_candidates())}
        return self._index

    def by_speaker(self, speaker: str) -> tuple[list[Candidate], list[Candidate]]:
        """(messages of `speaker`, messages of the other speaker) over the whole history."""
        if self._by_speaker is None:
            self._by_speaker = {"user": [], "assistant": []}
            for c in self.all_candidates():
                self._by_speaker[c.speaker].append(c)
        other = "assistant" if speaker == "user" else "user"
        return self._by_speaker[speaker], self._by_speaker[other]


def _write_history(state: _Import, where: Where, field_name: str, key: str, persona_id: str,
                   conversations: list) -> _History:
    rows = state.rows
    history = _History(f"{key}-n{len(conversations):04d}", len(conversations),
                       EPOCH + len(conversations) * CONVERSATION_STEP)
    tokens = 0
    for k, conv in enumerate(conversations):
        path = f"{field_name}[{k}]."
        if not isinstance(conv, dict):
            raise where.error(f"{field_name}[{k}]", f"has type {type(conv).__name__}, expected object")
        messages = where.get(conv, "messages", list, path=path)
        conversation_id = f"{key}:c{k:03d}"
        started = EPOCH + k * CONVERSATION_STEP
        contains = conv.get("containsEvidence")
        kind = "evidence" if contains is True else "filler" if contains is False else "imported"
        topic = conv["id"] if isinstance(conv.get("id"), str) else f"conversation {k}"
        rows.add("conversations", conversation_id, persona_id, started, topic, kind)
        rows.add("history_conversations", history.history_id, k, conversation_id)
        group = []
        for m, message in enumerate(messages):
            speaker = _speaker(where, f"{path}messages[{m}].", message)
            text = where.get(message, "text", str, path=f"{path}messages[{m}].")
            message_id = f"{conversation_id}:{m}"
            tokens += rows.message(message_id, conversation_id, m, speaker, text, started + m * TURN_STEP)
            group.append(Candidate(message_id, speaker, text))
        history.candidates.append(group)
    rows.add("histories", history.history_id, persona_id, key, len(conversations), tokens, None)
    return history


def _speaker(where: Where, path: str, message: Any) -> str:
    speaker = where.get(message, "speaker", str, path=path).strip().lower()
    if speaker not in ("user", "assistant"):
        raise where.error(f"{path}speaker", f"is {message['speaker']!r}; valid: User, Assistant")
    return speaker


def _write_question(state: _Import, where: Where, file: Path, question_id: str, persona_id: str,
                    history: _History, item: dict, preferred: list[list[Candidate]]) -> None:
    rows = state.rows
    question = where.get(item, "question", str)
    answer = scalar_text(where, item, "answer")
    category, question_type = _category(where, file, item)
    spans = where.get(item, "message_evidences", list)
    found: dict[str, str] = {}
    for e, span in enumerate(spans):
        path = f"message_evidences[{e}]."
        text = where.get(span, "text", str, path=path)
        speaker = _speaker(where, path, span)
        scopes = []
        for group in preferred:
            scopes.append([c for c in group if c.speaker == speaker])
            scopes.append([c for c in group if c.speaker != speaker])
        scopes.extend(history.by_speaker(speaker))
        hit = locate(text, [s for s in scopes if s])
        if hit is None:
            state.faults.note(FAULT_UNRESOLVED, f"{question_id}: message_evidences[{e}] {text[:60]!r}")
            continue
        message_id, method = hit
        state.notes[f"evidence located: {method}"] += 1
        found.setdefault(message_id, text)
    ordered = sorted(found, key=lambda m: history.index[m][0])
    for ordinal, message_id in enumerate(ordered):
        rows.add("evidence", question_id, message_id, ordinal, False)
    evidence_texts = [history.index[m][1].text for m in ordered]
    conversation_texts = [c.text for group in history.candidates if any(c.message_id in found for c in group)
                          for c in group]
    rubric = answer if category in RUBRIC_CATEGORIES else None
    kind = "abstention" if category == "abstention" else "rubric" if rubric else answer_kind(answer)
    rows.add("questions", question_id, persona_id, category, question_type, question, answer, [], rubric, kind,
             None, history.asked_at, category == "abstention", len(ordered),
             *question_overlap(question, evidence_texts, conversation_texts))
    rows.add("history_questions", history.history_id, question_id)


def _summary(out: Path, con, state: _Import) -> str:
    text = summary_text("convomem", out, con, state.faults)
    located = [f"{m} {state.notes[f'evidence located: {m}']}" for m in METHODS]
    extra = [f"evidence located by: {', '.join(located)}"]
    if state.notes[NOTE_CONTEXT_SIZE]:
        extra.append(f"{NOTE_CONTEXT_SIZE}: {state.notes[NOTE_CONTEXT_SIZE]}")
    return "\n".join([text, *extra])
