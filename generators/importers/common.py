"""Shared pieces of the public-dataset importers: errors that name the record, row batches, dates, meta.

Every importer reads one dataset format and writes the tables of generators.schema through
`atomic_store` (so a failed import leaves nothing behind) through the shared row writer (generators.rows).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from memcurve.errors import InputFormatError
from memcurve.generators.overlap import question_overlap, word_overlap  # noqa: F401  (the generator's, shared)
from memcurve.generators.rows import RowBuffer
from memcurve.generators.store import created_at, write_meta
from memcurve.generators.tokens import estimate_tokens

IMPORTER_VERSION = "1"
SPEAKERS = ("user", "assistant")
# DuckDB's default memory limit is most of the machine; an import only needs a small buffer pool.
DUCKDB_MEMORY_LIMIT = "384MB"


# ----------------------------------------------------------------------------------------------- errors
@dataclass(frozen=True)
class Where:
    """A record of an input file, so every error names the file, the record and the field at fault."""

    file: str
    record: str  # e.g. "record 17 (question_id 'abc')"

    def error(self, field_name: str, problem: str = "missing") -> InputFormatError:
        return InputFormatError(f"{self.file}: {self.record}: field {field_name!r} {problem}")

    def get(self, obj: Mapping, key: str, kinds: type | tuple[type, ...], *, path: str = "") -> Any:
        """obj[key], checked to be one of `kinds` (bool is never accepted as a number)."""
        name = f"{path}{key}"
        if not isinstance(obj, Mapping):
            raise self.error(path.rstrip(".") or "(record)", f"has type {type(obj).__name__}, expected object")
        if obj.get(key) is None:
            raise self.error(name)
        value = obj[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _as_tuple(kinds)):
            raise self.error(name, f"has type {type(value).__name__}, expected {_kind_names(kinds)}")
        return value

    def get_first(self, obj: Mapping, keys: tuple[str, ...], kinds: type | tuple[type, ...]) -> Any:
        """The first of several accepted spellings of a field (e.g. evidence_items / evidenceItems)."""
        for key in keys:
            if isinstance(obj, Mapping) and obj.get(key) is not None:
                return self.get(obj, key, kinds)
        raise self.error(" or ".join(keys))


def _as_tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _kind_names(kinds: type | tuple[type, ...]) -> str:
    names = {str: "string", int: "integer", float: "number", list: "list", dict: "object", bool: "boolean"}
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kinds))


def scalar_text(where: Where, obj: Mapping, key: str, *, path: str = "") -> str:
    """A text field that some records hold as a number (LongMemEval and LoCoMo answers): always str."""
    value = where.get(obj, key, (str, int, float), path=path)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


# ----------------------------------------------------------------------------------------------- faults
FAULT_DETAIL_LIMIT = 200  # examples kept per kind of fault (the counts are always exact)


class FaultLog(Counter):
    """Faults of the source data, by kind: exact counts plus the ids of the first FAULT_DETAIL_LIMIT cases.

    Importers keep faulty records (the dataset is what it is) and record here what was wrong, so
    `memcurve info` can show which evidence links are broken, which sessions repeat, and so on.
    """

    def __init__(self) -> None:
        super().__init__()
        self.details: dict[str, list[str]] = {}

    def note(self, kind: str, detail: str, count: int = 1) -> None:
        self[kind] += count
        examples = self.details.setdefault(kind, [])
        if len(examples) < FAULT_DETAIL_LIMIT:
            examples.append(detail)


# ------------------------------------------------------------------------------------------------ dates
_LME_DATE = re.compile(r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})\s*(?:\([A-Za-z]{2,9}\))?\s*(\d{1,2}):(\d{2})\s*$")
_LOCOMO_DATE = re.compile(
    r"^\s*(\d{1,2}):(\d{2})\s*([ap])\.?m\.?\s+on\s+(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})\s*$", re.IGNORECASE
)
_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}


def parse_longmemeval_date(where: Where, field_name: str, text: Any) -> datetime:
    """'2023/05/30 (Tue) 23:40' -> datetime (the weekday in brackets is informative only)."""
    match = _LME_DATE.match(text) if isinstance(text, str) else None
    if match is None:
        raise where.error(field_name, f"is not a date like '2023/05/30 (Tue) 23:40': {text!r}")
    year, month, day, hour, minute = map(int, match.groups())
    return _checked_datetime(where, field_name, text, year, month, day, hour, minute)


def parse_locomo_date(where: Where, field_name: str, text: Any) -> datetime:
    """'1:56 pm on 8 May, 2023' -> datetime (full or three-letter month names)."""
    match = _LOCOMO_DATE.match(text) if isinstance(text, str) else None
    month = _month_number(match.group(5)) if match else None
    if match is None or month is None:
        raise where.error(field_name, f"is not a date like '1:56 pm on 8 May, 2023': {text!r}")
    hour, minute = int(match.group(1)), int(match.group(2))
    if not 1 <= hour <= 12:
        raise where.error(field_name, f"has hour {hour} on a 12-hour clock: {text!r}")
    hour = hour % 12 + (12 if match.group(3).lower() == "p" else 0)
    return _checked_datetime(where, field_name, text, int(match.group(6)), month, int(match.group(4)), hour, minute)


def _month_number(name: str) -> int | None:
    name = name.lower()
    for full, number in _MONTHS.items():
        if name == full or (len(name) >= 3 and full.startswith(name)):
            return number
    return None


def _checked_datetime(where: Where, field_name: str, text: str, *parts: int) -> datetime:
    try:
        return datetime(*parts)
    except ValueError:
        raise where.error(field_name, f"is not a valid date: {text!r}") from None


# ------------------------------------------------------------------------------------------ text helpers
def answer_kind(answer: str) -> str:
    """'number' for a bare number, else 'text' (dates in these datasets are free text)."""
    return "number" if re.fullmatch(r"-?\d+(?:\.\d+)?", answer.strip()) else "text"


# --------------------------------------------------------------------------------------------- row batches
@dataclass
class Rows:
    """The shared row writer (generators.rows) plus import conveniences, flushed in batches of messages."""

    con: duckdb.DuckDBPyConnection
    batch_messages: int = 20_000
    counts: Counter = field(default_factory=Counter)
    buffer: RowBuffer = field(default_factory=RowBuffer)

    def add(self, table: str, *values: Any) -> None:
        self.buffer.add(table, *values)
        self.counts[table] += 1

    def persona(self, persona_id: str, name: str, attributes: Mapping[str, Any]) -> None:
        self.add("personas", persona_id, name, json.dumps(attributes, sort_keys=True, ensure_ascii=False))

    def message(self, message_id: str, conversation_id: str, position: int, speaker: str, text: str,
                sent_at: datetime) -> int:
        """Add a message and return its token estimate (histories sum them)."""
        tokens = estimate_tokens(text)
        self.add("messages", message_id, conversation_id, position, speaker, text, sent_at, tokens)
        return tokens

    def maybe_flush(self) -> None:
        if self.buffer.pending("messages") >= self.batch_messages:
            self.flush()

    def flush(self) -> None:
        self.buffer.flush(self.con)


def prepare_connection(con: duckdb.DuckDBPyConnection) -> None:
    """Keep DuckDB's buffer pool small: imports stream, so a large pool only inflates peak memory."""
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    con.execute("SET preserve_insertion_order = false")


# ------------------------------------------------------------------------------------------ files and meta
def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def first_json_char(path: Path) -> str:
    """The first non-blank character of a JSON file ('[' or '{'), or '' for an empty file."""
    with path.open("rb") as fh:
        while chunk := fh.read(4096):
            stripped = chunk.lstrip(b" \t\r\n\xef\xbb\xbf")
            if stripped:
                return chr(stripped[0])
    return ""


def write_import_meta(con: duckdb.DuckDBPyConnection, source: str, inputs: list[tuple[str, str]],
                      faults: Mapping[str, Any]) -> None:
    """meta for an import: source, input names and sha256, importer version, faults; seed/config empty."""
    write_meta(con, {
        "source": source,
        "input": inputs[0][0] if len(inputs) == 1 else f"{len(inputs)} files",
        "input_sha256": inputs[0][1] if len(inputs) == 1 else _combined_sha(inputs),
        "input_files": [{"name": n, "sha256": h} for n, h in inputs],
        "importer_version": IMPORTER_VERSION,
        "import_faults": dict(faults),
        "import_fault_details": getattr(faults, "details", {}),
        "seed": "0",
        "config": {},
        "created_at": created_at(),
    })


def _combined_sha(inputs: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for name, sha in inputs:
        digest.update(f"{name}\t{sha}\n".encode())
    return digest.hexdigest()


def summary_text(source: str, out: Path, con: duckdb.DuckDBPyConnection, faults: Mapping[str, int]) -> str:
    """The one-paragraph report an import prints: table counts, questions per category, faults."""
    count = lambda table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
    per_category = con.execute(
        "SELECT category, count(*) FROM questions GROUP BY category ORDER BY category").fetchall()
    lines = [
        f"imported {source} into {out}: {count('personas')} personas, {count('conversations')} conversations, "
        f"{count('messages')} messages, {count('questions')} questions, {count('evidence')} evidence links, "
        f"{count('histories')} histories",
        "questions per category: " + (", ".join(f"{c} {n}" for c, n in per_category) or "none"),
    ]
    found = {k: v for k, v in faults.items() if v}
    lines.append("faults: " + (", ".join(f"{k} {v}" for k, v in sorted(found.items())) if found else "none"))
    return "\n".join(lines)
