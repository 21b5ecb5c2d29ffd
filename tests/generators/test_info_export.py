"""memcurve info and export: the numbers they print and the files they write, read back independently."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

import defects
from memcurve.cli import main
from memcurve.generators.config import build_config
from memcurve.errors import MemcurveError
from memcurve.generators.export import export
from memcurve.generators.generate import generate
from memcurve.generators.info import describe
from memcurve.generators.schema import SCHEMA_VERSION, TABLES
from memcurve.generators.store import content_hash, open_store


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "bench.duckdb"
    generate(build_config({"seed": 3, "personas": 2, "sizes": "1,3,10"}), out, force=False, progress=False)
    return out


def _hash(path: Path) -> str:
    con = open_store(path)
    try:
        return content_hash(con)
    finally:
        con.close()


def _section(text: str, title: str) -> list[str]:
    """The lines of the section whose first line starts with `title`, without the title."""
    for block in text.split("\n\n"):
        lines = block.splitlines()
        if lines[0].startswith(title):
            return lines[1:]
    raise AssertionError(f"no section {title!r} in:\n{text}")


def _row(lines: list[str], first: str) -> list[str]:
    for line in lines:
        cells = line.split()
        if cells and cells[0] == first:
            return cells[1:]
    raise AssertionError(f"no row {first!r} in {lines}")


# --- info -------------------------------------------------------------------------------------------------


def test_info_on_tiny_store_reports_its_exact_numbers(tiny_store):
    text = describe(tiny_store)
    assert text.splitlines()[0] == f"benchmark {tiny_store}"
    assert "source: tests.support" in text
    counts = _section(text, "rows")
    assert _row(counts, "questions") == ["3"]
    assert _row(counts, "history_conversations") == ["4"]
    assert "conversations by kind: evidence 1, filler 2" in text
    per_size = _section(text, "questions asked per history size")
    assert per_size[0].split() == ["category", "1", "3", "total"]
    assert _row(per_size, "temporal") == ["1", "1", "2"]
    assert _row(per_size, "total") == ["3", "3", "6"]
    with duckdb.connect(str(tiny_store), read_only=True) as con:
        size3_tokens = con.execute("SELECT sum(tokens) FROM messages").fetchone()[0]
        size1_tokens = con.execute("SELECT tokens FROM histories WHERE size = 1").fetchone()[0]
    tokens = _section(text, "history tokens per size")
    assert _row(tokens, "3") == ["1", str(size3_tokens), str(size3_tokens), str(size3_tokens), str(size3_tokens)]
    assert _row(tokens, "1")[1] == str(size1_tokens)
    overlap = _section(text, "question-evidence word overlap")
    # tiny overlaps: 0.0 (user_facts), 0.0 (abstention), 0.2 (temporal) -> bins <0.2: 2, <0.4: 1
    assert _row(overlap, "all") == ["3", "0.00", "0.00", "0.00", "0.10", "0.20", "0.07", "2", "1", "0", "0", "0"]
    assert _row(overlap, "temporal")[:2] == ["1", "0.20"]
    assert text.splitlines()[-1] == f"content hash: {_hash(tiny_store)}"


def test_info_on_generated_output_matches_sql(generated):
    text = describe(generated)
    with duckdb.connect(str(generated), read_only=True) as con:
        per_cat = dict(con.execute("SELECT category, count(*) FROM questions GROUP BY 1").fetchall())
        asked = dict(con.execute("SELECT size, count(*) FROM history_questions JOIN histories USING (history_id) "
                                 "GROUP BY 1").fetchall())
        max_tokens = dict(con.execute("SELECT size, max(tokens) FROM histories GROUP BY 1").fetchall())
        n_overlap = con.execute("SELECT count(*) FROM questions WHERE word_overlap >= 0.8").fetchone()[0]
    cats = _section(text, "questions per category")
    for category, n in per_cat.items():
        assert _row(cats, category)[0] == f"{n:,}"
    per_size = _section(text, "questions asked per history size")
    sizes = per_size[0].split()[1:-1]
    totals = _row(per_size, "total")
    assert {int(s): int(t.replace(",", "")) for s, t in zip(sizes, totals)} == asked
    tokens = _section(text, "history tokens per size")
    for size, top in max_tokens.items():
        assert _row(tokens, str(size))[3] == f"{top:,}"
    assert _row(_section(text, "question-evidence word overlap"), "all")[-1] == str(n_overlap)
    assert f"content hash: {_hash(generated)}" in text


def test_cli_info_prints_the_hash(tiny_store, capsys):
    assert main(["info", str(tiny_store)]) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith(f"content hash: {_hash(tiny_store)}")


# --- export -----------------------------------------------------------------------------------------------


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_export_round_trips_every_table(generated, tmp_path, fmt):
    out = tmp_path / "export"
    written = export(generated, fmt, out)
    assert sorted(p.name for p in written) == sorted(["manifest.json", *(f"{t}.{fmt}" for t in TABLES)])
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == fmt
    assert manifest["schema_version"] == str(SCHEMA_VERSION)
    assert manifest["content_hash"] == _hash(generated)
    assert manifest["source"] == "memcurve.generate"
    # JSON Lines has no schema: read every row to infer it (a column null in the first rows, such as
    # facts.valid_to of lasting facts, would otherwise be typed NULL)
    reader = pl.read_parquet if fmt == "parquet" else lambda path: pl.read_ndjson(path, infer_schema_length=None)
    with duckdb.connect(str(generated), read_only=True) as con:
        for table, (_, order) in TABLES.items():
            expected = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            path = out / f"{table}.{fmt}"
            if fmt == "jsonl" and expected == 0:  # an empty table is an empty JSON Lines file
                assert path.read_bytes() == b"" and manifest["tables"][table]["rows"] == 0, table
                continue
            frame = reader(path)
            assert frame.height == expected == manifest["tables"][table]["rows"], table
            assert manifest["tables"][table]["order_by"] == order
            key = order.split(",")[0].strip()
            first_keys = [r[0] for r in con.execute(f"SELECT {key} FROM {table} ORDER BY {order}").fetchall()]
            assert frame[key].to_list() == first_keys, table
        questions = reader(out / f"questions.{fmt}")
        db_answer = con.execute("SELECT aliases, answer FROM questions ORDER BY question_id LIMIT 1").fetchone()
    assert questions["aliases"][0].to_list() == db_answer[0]
    assert questions["answer"][0] == db_answer[1]


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_export_twice_gives_identical_bytes(generated, tmp_path, fmt):
    export(generated, fmt, tmp_path / "a")
    export(generated, fmt, tmp_path / "b")
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")


def test_export_into_empty_existing_folder_works(tiny_store, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    export(tiny_store, "jsonl", out)
    assert (out / "messages.jsonl").read_text().count("\n") == 6


def test_export_refuses_a_non_empty_folder_and_leaves_it_alone(tiny_store, tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(MemcurveError, match="busy: folder is not empty"):
        export(tiny_store, "parquet", out)
    assert main(["export", str(tiny_store), "--format", "jsonl", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy", "tiny.duckdb"]


def test_failed_export_leaves_nothing(tiny_store, tmp_path, monkeypatch):
    import memcurve.generators.export as export_module

    def boom(con):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_module, "content_hash", boom)  # fails after the table files are written
    with pytest.raises(RuntimeError, match="disk full"):
        export(tiny_store, "parquet", tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.duckdb"]


def test_cli_export_both_formats(tiny_store, tmp_path, capsys):
    for fmt in ("parquet", "jsonl"):
        assert main(["export", str(tiny_store), "--format", fmt, "--out", str(tmp_path / fmt)]) == 0
        assert capsys.readouterr().out.strip() == f"wrote {len(TABLES) + 1} files to {tmp_path / fmt}"  # tables + manifest
    assert pl.read_parquet(tmp_path / "parquet" / "questions.parquet").height == 3
    assert pl.read_ndjson(tmp_path / "jsonl" / "evidence.jsonl")["message_id"].to_list() == ["p000-c0001-m00"] * 3


def test_exported_rich_store_keeps_defect_free_values(tmp_path):
    db = defects.build_rich_store(tmp_path / "rich.duckdb")
    export(db, "parquet", tmp_path / "out")
    facts = pl.read_parquet(tmp_path / "out" / "facts.parquet")
    assert facts["fact_id"].to_list() == sorted(facts["fact_id"].to_list())
    chain = facts.filter(pl.col("slot") == "home_city").sort("valid_from")
    assert chain["value"].to_list() == ["Leeds", "York"]
    assert chain["superseded_by"].to_list() == ["p000-f0004", None]


def test_info_prints_how_long_each_superseded_value_held(tmp_path):
    db = defects.build_rich_store(tmp_path / "rich.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    (held,) = con.execute("SELECT date_diff('day', valid_from, valid_to) FROM facts "
                          "WHERE slot = 'home_city' AND superseded_by IS NOT NULL").fetchone()
    con.close()
    lines = _section(describe(db), "days a changing fact kept each superseded value")
    assert lines[0].split() == ["slot", "values", "min", "p10", "median", "p90", "max", "<30", "30-89", "90-179",
                                "180-364", "365-729", ">=730"]
    bins = [held < 30, 30 <= held < 90, 90 <= held < 180, 180 <= held < 365, 365 <= held < 730, held >= 730]
    expected = ["1", *[str(held)] * 5, *("1" if b else "0" for b in bins)]
    assert _row(lines, "home_city") == expected
    assert _row(lines, "all") == expected


def test_info_says_none_when_no_value_was_superseded(tiny_store):
    assert "days a changing fact kept each superseded value (valid_from to valid_to): none" in describe(tiny_store)

