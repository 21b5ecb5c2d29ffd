"""Each table's columns are declared once: the DDL, the Arrow row types and the row writer agree."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa
import pytest

from memcurve.generators.rows import ROW_TABLES, RowBuffer
from memcurve.generators.schema import SCHEMA, SCHEMA_VERSION, TABLE_NAMES
from memcurve.generators.store import atomic_store, open_store


def test_ddl_creates_the_declared_columns_and_types():
    con = duckdb.connect()
    for table in SCHEMA.values():
        con.execute(table.ddl)
        described = con.execute(f"DESCRIBE {table.name}").fetchall()
        assert [row[0] for row in described] == list(table.column_names)
        for (name, duck_type, null, key, *_), column in zip(described, table.columns):
            assert column.duckdb.split()[0] == duck_type, name
            assert (null == "NO") == ("NOT NULL" in column.duckdb or name in table.primary_key), name


def test_row_buffer_types_follow_the_declaration():
    rows = RowBuffer()
    rows.add("questions", "q1", "p1", "user_facts", "t", "What?", "blue", ["navy"], None, "text", None,
             datetime(2024, 1, 1), False, 1, 0.25, 0.5, "medium")
    arrow = rows.arrow("questions")
    assert arrow.schema.types == [c.arrow for c in SCHEMA["questions"].columns]
    assert arrow.schema.field("aliases").type == pa.list_(pa.string())
    assert set(ROW_TABLES) == set(TABLE_NAMES) - {"meta"}


def test_row_buffer_refuses_a_row_with_a_missing_column():
    with pytest.raises(ValueError):
        RowBuffer().add("evidence", "q1", "m1")


def test_flush_writes_typed_rows_and_empties_the_buffer(tmp_path):
    rows = RowBuffer()
    rows.add("personas", "p1", "Ana", '{"job": "nurse"}')
    rows["messages"]["message_id"].extend(["m1", "m2"])
    rows["messages"]["conversation_id"].extend(["c1", "c1"])
    rows["messages"]["position"].extend([0, 1])
    rows["messages"]["speaker"].extend(["user", "assistant"])
    rows["messages"]["text"].extend(["hi", "hello"])
    rows["messages"]["sent_at"].extend([0, 60_000_000])  # microseconds since the epoch, as the generator emits
    rows["messages"]["tokens"].extend([1, 1])
    with atomic_store(tmp_path / "b.duckdb") as con:
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        written = rows.flush(con)
    assert written == {"personas": 1, "messages": 2}
    assert rows.pending("messages") == 0
    con = open_store(tmp_path / "b.duckdb")
    assert con.execute("SELECT max(sent_at) FROM messages").fetchone()[0] == datetime(1970, 1, 1, 0, 1)
