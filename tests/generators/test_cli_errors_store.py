"""The CLI on unreadable benchmark files: one stderr line naming the file, exit code 2, no traceback, and
nothing written or changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from memcurve.cli import main
from memcurve.generators.schema import SCHEMA_VERSION


def _wrong_version(tmp_path: Path, tiny: Path) -> Path:
    with duckdb.connect(str(tiny)) as con:
        con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    return tiny


def _not_duckdb(tmp_path: Path, tiny: Path) -> Path:
    bogus = tmp_path / "bogus.duckdb"
    bogus.write_bytes(b"PK\x03\x04 a zip file, not DuckDB " * 100)
    return bogus


def _missing(tmp_path: Path, tiny: Path) -> Path:
    return tmp_path / "nowhere.duckdb"


BAD_FILES = {
    "wrong_version": (_wrong_version, "schema version 99, but this memcurve"),
    "not_duckdb": (_not_duckdb, "not a DuckDB file"),
    "missing": (_missing, "no such benchmark file"),
}
COMMANDS = {
    "validate": lambda db, out: ["validate", str(db)],
    "info": lambda db, out: ["info", str(db)],
    "export": lambda db, out: ["export", str(db), "--format", "parquet", "--out", str(out)],
}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("bad", BAD_FILES)
def test_bad_benchmark_file_exits_2_with_one_line(tmp_path, tiny_store, capsys, command, bad):
    make, expected = BAD_FILES[bad]
    db = make(tmp_path, tiny_store)
    before = _snapshot(tmp_path)
    code = main(COMMANDS[command](db, tmp_path / "export"))
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"memcurve: error: {db}: ")
    assert expected in lines[0]
    assert "Traceback" not in captured.err
    assert _snapshot(tmp_path) == before  # nothing written, nothing changed


def test_wrong_version_message_names_both_versions(tmp_path, tiny_store, capsys):
    _wrong_version(tmp_path, tiny_store)
    assert main(["validate", str(tiny_store)]) == 2
    err = capsys.readouterr().err
    assert "schema version 99" in err and f"reads version {SCHEMA_VERSION}" in err


def test_real_process_exits_2_without_traceback(tmp_path, tiny_store):
    _wrong_version(tmp_path, tiny_store)
    result = subprocess.run([sys.executable, "-m", "memcurve.cli", "validate", str(tiny_store)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"memcurve: error: {tiny_store}: schema version 99")


def test_real_process_validate_passes_with_exit_0(tiny_store):
    result = subprocess.run([sys.executable, "-m", "memcurve.cli", "validate", str(tiny_store)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0].endswith("s)")
    assert "all checks passed" in result.stdout.splitlines()[0]


def test_unknown_export_format_is_a_one_line_error(tiny_store, tmp_path):
    from memcurve.errors import MemcurveError
    from memcurve.generators.export import export

    with pytest.raises(MemcurveError, match="unknown export format 'csv'; valid: parquet, jsonl"):
        export(tiny_store, "csv", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_export_onto_a_file_is_refused(tiny_store, tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("x")
    assert main(["export", str(tiny_store), "--format", "jsonl", "--out", str(target)]) == 2
    assert capsys.readouterr().err == f"memcurve: error: {target}: exists and is not a folder\n"
    assert target.read_text() == "x"
