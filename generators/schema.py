"""The DuckDB schema: the one contract between generators, importers, solvers and analysis.

Each table's columns are declared once, here, with their DuckDB type and the Arrow type rows are built
with; the DDL, the row writer (generators.rows) and the importers all read these declarations.
Every table is listed with the key that orders it, so hashing and exporting are deterministic.
Bump SCHEMA_VERSION whenever a column changes meaning or a table changes shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

SCHEMA_VERSION = 4  # 2: conversation_sources (real-chat provenance); 3: token sizes, overlap ladder;
# 4: evidence.restates (acknowledgements that repeat a stated fact)


@dataclass(frozen=True)
class Column:
    """One column: name, DuckDB type (with NOT NULL where it applies), Arrow type of its rows, meaning."""

    name: str
    duckdb: str
    arrow: pa.DataType
    note: str = ""


@dataclass(frozen=True)
class Table:
    """A table: its columns in order, its primary key, and the ORDER BY key used for hashing and export."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    order: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def ddl(self) -> str:
        return self.ddl_without_key[:-2] + f",\n    PRIMARY KEY ({', '.join(self.primary_key)})\n)"

    @property
    def ddl_without_key(self) -> str:
        """The table without its primary key, for a bulk load that adds the key once at the end
        (generators.store.atomic_store(keys_later=True)): one index build instead of one per insert."""
        lines = [f"    {c.name} {c.duckdb}" for c in self.columns]
        return f"CREATE TABLE {self.name} (\n" + ",\n".join(lines) + "\n)"

    @property
    def add_key(self) -> str:
        return f"ALTER TABLE {self.name} ADD PRIMARY KEY ({', '.join(self.primary_key)})"


_S, _I, _T = pa.string(), pa.int32(), pa.timestamp("us")
_TEXT, _TEXT_NULL = "VARCHAR NOT NULL", "VARCHAR"
_INT, _TS = "INTEGER NOT NULL", "TIMESTAMP NOT NULL"


def _table(name: str, key: tuple[str, ...], *columns: Column, order: str | None = None) -> Table:
    return Table(name, columns, key, order or ", ".join(key))


_DECLARED = (
    _table("meta", ("key",),
           Column("key", _TEXT, _S, "schema_version, memcurve_version, seed, config, source, created_at, ..."),
           Column("value", _TEXT, _S)),
    _table("personas", ("persona_id",),
           Column("persona_id", _TEXT, _S, "p003"),
           Column("name", _TEXT, _S),
           Column("attributes", "JSON NOT NULL", _S, "age, job, home city, ... (free form, for prompts and reading)")),
    _table("conversations", ("conversation_id",),
           Column("conversation_id", _TEXT, _S, "p003-c0042"),
           Column("persona_id", _TEXT, _S),
           Column("started_at", _TS, _T),
           Column("topic", _TEXT, _S),
           Column("kind", _TEXT, _S, "evidence | filler | imported")),
    _table("messages", ("message_id",),
           Column("message_id", _TEXT, _S, "p003-c0042-m07"),
           Column("conversation_id", _TEXT, _S),
           Column("position", _INT, _I, "0-based order inside the conversation"),
           Column("speaker", _TEXT, _S, "user | assistant"),
           Column("text", _TEXT, _S),
           Column("sent_at", _TS, _T),
           Column("tokens", _INT, _I, "estimate from memcurve.generators.tokens")),
    _table("facts", ("fact_id",),
           Column("fact_id", _TEXT, _S),
           Column("persona_id", _TEXT, _S),
           Column("subject", _TEXT, _S, "user | assistant | someone else (a hard negative: 'my sister')"),
           Column("slot", _TEXT, _S, "pet_name, home_city, ..."),
           Column("value", _TEXT, _S),
           Column("valid_from", _TS, _T),
           Column("valid_to", "TIMESTAMP", _T, "NULL while still true"),
           Column("superseded_by", _TEXT_NULL, _S, "fact_id of the value that replaced this one"),
           Column("message_id", _TEXT, _S, "the message that planted it")),
    _table("questions", ("question_id",),
           Column("question_id", _TEXT, _S, "p003-q0017"),
           Column("persona_id", _TEXT, _S),
           Column("category", _TEXT, _S, "see generators.categories"),
           Column("question_type", _TEXT, _S, "finer label: template name or the source dataset's own type"),
           Column("text", _TEXT, _S),
           Column("answer", _TEXT, _S, "the gold answer (or the rubric's short form)"),
           Column("aliases", "VARCHAR[] NOT NULL", pa.list_(_S), "other accepted spellings of the answer"),
           Column("rubric", _TEXT_NULL, _S, "what a good reply must do (preferences, implicit connections)"),
           Column("answer_kind", _TEXT, _S, "text | number | date | rubric | abstention"),
           Column("slot", _TEXT_NULL, _S, "the fact slot the question is about, if any"),
           Column("asked_at", _TS, _T),
           Column("is_abstention", "BOOLEAN NOT NULL", pa.bool_()),
           Column("evidence_count", _INT, _I),
           Column("word_overlap", "DOUBLE NOT NULL", pa.float64(),
                  "content-word overlap of question and evidence messages, 0..1 (generators.overlap)"),
           Column("conversation_overlap", "DOUBLE NOT NULL", pa.float64(),
                  "the same against the whole evidence conversations (>= word_overlap)"),
           Column("overlap_level", _TEXT, _S, "high | medium | low | none: the band of the two overlaps")),
    _table("evidence", ("question_id", "message_id"),
           Column("question_id", _TEXT, _S),
           Column("message_id", _TEXT, _S),
           Column("ordinal", _INT, _I, "order of the evidence in time"),
           Column("restates", "BOOLEAN NOT NULL DEFAULT false", pa.bool_(),
                  "the message repeats a fact another evidence message states (the assistant acknowledging it); "
                  "questions.evidence_count counts the others"),
           order="question_id, ordinal"),
    _table("histories", ("history_id",),
           Column("history_id", _TEXT, _S, "p003-h02-n0030"),
           Column("persona_id", _TEXT, _S),
           Column("chain_id", _TEXT, _S, "p003-h02: histories of one chain are nested by size"),
           Column("size", _INT, _I, "number of conversations"),
           Column("tokens", _INT, _I, "sum of the messages' tokens, counted by meta.tokenizer"),
           Column("target_tokens", "INTEGER", _I,
                  "the size asked for in tokens (generate --sizes 8k,1m); NULL when sizes count conversations")),
    _table("history_conversations", ("history_id", "position"),
           Column("history_id", _TEXT, _S),
           Column("position", _INT, _I, "chronological order inside the history"),
           Column("conversation_id", _TEXT, _S)),
    _table("history_questions", ("history_id", "question_id"),
           Column("history_id", _TEXT, _S),
           Column("question_id", _TEXT, _S)),
    _table("conversation_sources", ("conversation_id",),
           Column("conversation_id", _TEXT, _S, "a conversation whose text came from a real chat corpus"),
           Column("source", _TEXT, _S, "the corpus file as given"),
           Column("sha256", _TEXT, _S, "of the whole corpus file"),
           Column("record_id", _TEXT, _S, "the chat's own id in the file, or its position")),
)

SCHEMA: dict[str, Table] = {t.name: t for t in _DECLARED}
# Table name -> (DDL, ORDER BY key used for hashing and export).
TABLES: dict[str, tuple[str, str]] = {t.name: (t.ddl, t.order) for t in _DECLARED}
TABLE_NAMES: tuple[str, ...] = tuple(SCHEMA)
# meta keys that change from run to run and so stay out of the content hash
VOLATILE_META_KEYS = ("created_at",)


def column_names(table: str) -> tuple[str, ...]:
    return SCHEMA[table].column_names
