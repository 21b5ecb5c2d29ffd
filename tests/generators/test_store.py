"""generators.store: opening checks the schema version, writing is atomic, hashing is about content only."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from memcurve.errors import StoreError
from memcurve.generators.schema import SCHEMA_VERSION, TABLE_NAMES
from memcurve.generators.store import (atomic_store, content_hash, insert_rows, memcurve_version, open_store, read_meta,
                              table_hash, write_meta)
from support import build_tiny_store


def set_meta(path: Path, key: str, value: str | None) -> None:
    with duckdb.connect(str(path)) as con:
        if value is None:
            con.execute("DELETE FROM meta WHERE key = ?", [key])
        else:
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def hash_of(path: Path) -> str:
    con = open_store(path)
    try:
        return content_hash(con)
    finally:
        con.close()


# --- opening ----------------------------------------------------------------------------------------------


def test_open_store_reads_a_current_benchmark(tiny_store):
    con = open_store(tiny_store)
    try:
        meta = read_meta(con)
        assert meta["schema_version"] == str(SCHEMA_VERSION)
        assert meta["memcurve_version"] == memcurve_version()
        assert json.loads(meta["config"]) == {"tiny": True}
        assert meta["seed"] == "0"
        with pytest.raises(duckdb.Error):  # read-only by default
            con.execute("DELETE FROM questions")
    finally:
        con.close()


def test_other_schema_version_names_the_file_and_both_versions(tiny_store):
    set_meta(tiny_store, "schema_version", "99")
    with pytest.raises(StoreError) as info:
        open_store(tiny_store)
    message = str(info.value)
    assert message.startswith(f"{tiny_store}: schema version 99, ")
    assert f"reads version {SCHEMA_VERSION}" in message
    assert "\n" not in message


def test_non_duckdb_file_is_refused(tmp_path):
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("this is a text file, not a database\n" * 50)
    with pytest.raises(StoreError, match=rf"^{bogus}: not a DuckDB file \("):
        open_store(bogus)
    assert bogus.read_text().startswith("this is a text file")  # untouched


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(StoreError, match=rf"^{tmp_path / 'absent.duckdb'}: no such benchmark file$"):
        open_store(tmp_path / "absent.duckdb")
    assert files_in(tmp_path) == []  # opening never creates a file


def test_duckdb_file_without_meta_is_not_a_benchmark(tmp_path):
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    with pytest.raises(StoreError, match="not a memcurve benchmark \\(no meta table\\)"):
        open_store(other)


def test_meta_without_schema_version_is_not_a_benchmark(tiny_store):
    set_meta(tiny_store, "schema_version", None)
    with pytest.raises(StoreError, match="meta has no schema_version"):
        open_store(tiny_store)


# --- atomic writing ---------------------------------------------------------------------------------------


def test_atomic_store_leaves_nothing_when_the_block_raises(tmp_path):
    target = tmp_path / "bench.duckdb"
    with pytest.raises(RuntimeError, match="generator crashed"):
        with atomic_store(target) as con:
            write_meta(con, {"source": "test"})
            insert_rows(con, "personas", {"persona_id": ["p000"], "name": ["A"], "attributes": ["{}"]})
            raise RuntimeError("generator crashed")
    assert files_in(tmp_path) == []


def test_atomic_store_keeps_the_old_file_when_a_forced_rewrite_fails(tmp_path):
    target = build_tiny_store(tmp_path / "bench.duckdb")
    before = target.read_bytes()
    with pytest.raises(KeyboardInterrupt):
        with atomic_store(target, force=True) as con:
            write_meta(con, {"source": "test"})
            raise KeyboardInterrupt
    assert target.read_bytes() == before
    assert files_in(tmp_path) == ["bench.duckdb"]


def test_atomic_store_refuses_to_overwrite_without_force(tmp_path):
    target = build_tiny_store(tmp_path / "bench.duckdb")
    before = target.read_bytes()
    with pytest.raises(StoreError, match=rf"^{target}: already exists \(use --force to replace it\)$"):
        with atomic_store(target) as con:
            pytest.fail("the block must not run")  # pragma: no cover
    assert target.read_bytes() == before
    assert files_in(tmp_path) == ["bench.duckdb"]


def test_atomic_store_with_force_replaces_the_file(tmp_path):
    target = build_tiny_store(tmp_path / "bench.duckdb")
    with atomic_store(target, force=True) as con:
        write_meta(con, {"source": "replacement", "seed": 5})
    con = open_store(target)
    try:
        assert read_meta(con)["source"] == "replacement"
        assert con.execute("SELECT count(*) FROM questions").fetchone()[0] == 0
    finally:
        con.close()
    assert files_in(tmp_path) == ["bench.duckdb"]


def test_atomic_store_checks_the_target_folder(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        with atomic_store(tmp_path / "missing" / "bench.duckdb"):
            pass  # pragma: no cover
    (tmp_path / "adir").mkdir()
    with pytest.raises(StoreError, match="is a directory"):
        with atomic_store(tmp_path / "adir", force=True):
            pass  # pragma: no cover
    assert files_in(tmp_path) == ["adir"]


def test_atomic_store_creates_every_table(tmp_path):
    with atomic_store(tmp_path / "empty.duckdb") as con:
        write_meta(con, {"source": "test"})
    con = open_store(tmp_path / "empty.duckdb")
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert tables == set(TABLE_NAMES)


# --- writing helpers and hashing --------------------------------------------------------------------------


def test_insert_rows_rejects_unknown_tables_and_skips_empty_columns(tmp_path):
    with atomic_store(tmp_path / "b.duckdb") as con:
        with pytest.raises(ValueError, match="unknown table 'people'"):
            insert_rows(con, "people", {"x": [1]})
        insert_rows(con, "personas", {"persona_id": [], "name": [], "attributes": []})
        assert con.execute("SELECT count(*) FROM personas").fetchone()[0] == 0


def test_write_meta_json_encodes_non_strings(tmp_path):
    with atomic_store(tmp_path / "b.duckdb") as con:
        write_meta(con, {"seed": 7, "config": {"b": 1, "a": [1, 2]}, "source": "x"})
        meta = read_meta(con)
    assert meta["seed"] == "7"
    assert meta["config"] == '{"a": [1, 2], "b": 1}'
    assert meta["source"] == "x"


def test_content_hash_is_about_content(tmp_path):
    a = build_tiny_store(tmp_path / "a.duckdb")
    b = build_tiny_store(tmp_path / "b.duckdb")
    assert hash_of(a) == hash_of(b)
    assert len(hash_of(a)) == 64
    set_meta(b, "created_at", "2030-01-01T00:00:00")  # run-specific: left out of the hash
    assert hash_of(a) == hash_of(b)
    with duckdb.connect(str(b)) as con:
        con.execute("UPDATE messages SET text = text || '!' WHERE message_id = 'p000-c0000-m00'")
    assert hash_of(a) != hash_of(b)
    con_a, con_b = open_store(a), open_store(b)
    try:
        changed = [t for t in TABLE_NAMES if table_hash(con_a, t) != table_hash(con_b, t)]
    finally:
        con_a.close(), con_b.close()
    assert changed == ["messages"]


def test_content_hash_ignores_physical_row_order(tmp_path):
    a = build_tiny_store(tmp_path / "a.duckdb")
    b = build_tiny_store(tmp_path / "b.duckdb")
    with duckdb.connect(str(b)) as con:  # rewrite evidence in reverse insertion order
        con.execute("CREATE TEMP TABLE e AS SELECT * FROM evidence ORDER BY question_id DESC")
        con.execute("DELETE FROM evidence")
        con.execute("INSERT INTO evidence SELECT * FROM e")
    assert hash_of(a) == hash_of(b)
