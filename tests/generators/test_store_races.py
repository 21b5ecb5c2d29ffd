"""Races and leftovers of the writers: exclusive final move, stale temp files, SIGTERM, damaged stores,
foreign files, interrupted export, atomic report folders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import duckdb
import pytest

from memcurve.cli import main
from memcurve.errors import StoreError
from memcurve.generators.store import (
    TMP_MARKER,
    atomic_folder,
    atomic_store,
    connect,
    open_store,
    remove_stale_temps,
    temp_path,
    write_meta,
)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_second_writer_of_a_new_file_fails_at_the_final_move(tmp_path):
    """Both writers pass the up-front check; the one that finishes second must not replace the first."""
    out = tmp_path / "t.duckdb"
    first = atomic_store(out)
    con_a = first.__enter__()
    write_meta(con_a, {"source": "first"})
    with pytest.raises(StoreError, match="already exists .*another run"):
        with atomic_store(out) as con_b:
            write_meta(con_b, {"source": "second"})
            first.__exit__(None, None, None)  # the first writer finishes while the second is still working
    con = open_store(out)
    assert con.execute("SELECT value FROM meta WHERE key = 'source'").fetchone()[0] == "first"
    con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.duckdb"]


def test_force_replaces_and_leaves_no_temp(tmp_path):
    out = tmp_path / "t.duckdb"
    for source in ("a", "b"):
        with atomic_store(out, force=True) as con:
            write_meta(con, {"source": source})
    con = open_store(out)
    assert con.execute("SELECT value FROM meta WHERE key = 'source'").fetchone()[0] == "b"
    con.close()
    assert [p.name for p in tmp_path.iterdir()] == ["t.duckdb"]


def test_stale_temps_of_dead_writers_are_removed_live_ones_kept(tmp_path):
    target = tmp_path / "t.duckdb"
    dead, live = _dead_pid(), os.getppid()
    stale = [tmp_path / f".t.duckdb{TMP_MARKER}{dead}-0", tmp_path / f".t.duckdb{TMP_MARKER}{dead}-0.wal"]
    for p in stale:
        p.write_bytes(b"half")
    stale_dir = tmp_path / f".t.duckdb{TMP_MARKER}{dead}-3.old"
    stale_dir.mkdir()
    kept = [tmp_path / f".t.duckdb{TMP_MARKER}{live}-0", tmp_path / ".t.duckdb.tmp-1", tmp_path / "other.txt",
            tmp_path / f".u.duckdb{TMP_MARKER}{dead}"]
    for p in kept:
        p.write_bytes(b"keep")
    removed = remove_stale_temps(target)
    assert sorted(removed) == sorted([*stale, stale_dir])
    assert all(p.exists() for p in kept) and not any(p.exists() for p in [*stale, stale_dir])
    assert temp_path(target).name.startswith(f".t.duckdb{TMP_MARKER}{os.getpid()}-")


def test_writer_cleans_stale_temps_first(tmp_path):
    target = tmp_path / "t.duckdb"
    leftover = tmp_path / f".t.duckdb{TMP_MARKER}{_dead_pid()}-0"
    leftover.write_bytes(b"x")
    with atomic_store(target) as con:
        write_meta(con, {"source": "x"})
    assert [p.name for p in tmp_path.iterdir()] == ["t.duckdb"]


def test_sigterm_during_generate_exits_143_and_leaves_nothing(tmp_path):
    from support import generate_until_writing

    proc = generate_until_writing(tmp_path)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (143, 130), err
    assert "Traceback" not in err and "interrupted" in err
    assert list(tmp_path.iterdir()) == []


def _damaged(tmp_path):
    db = tmp_path / "damaged.duckdb"
    with atomic_store(db) as con:
        write_meta(con, {"source": "x"})
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE messages")
        con.execute("DROP TABLE evidence")
    return db


@pytest.mark.parametrize("command", [["info"], ["validate"], ["export", "--format", "jsonl", "--out", "EXP"]])
def test_store_with_meta_but_missing_tables_is_one_line(tmp_path, capsys, command):
    db = _damaged(tmp_path)
    argv = [c.replace("EXP", str(tmp_path / "exp")) for c in command]
    code, out, err = _cli(capsys, argv[0], str(db), *argv[1:])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "messages, evidence are missing" in err and str(db) in err
    assert not (tmp_path / "exp").exists()


def test_sqlite_file_is_refused_without_loading_extensions(tmp_path, capsys):
    import sqlite3

    path = tmp_path / "x.duckdb"
    sqlite3.connect(path).execute("CREATE TABLE t (a)").connection.commit()
    code, _, err = _cli(capsys, "info", str(path))
    assert code == 2 and err.count("\n") == 1 and "not a DuckDB file" in err


def test_connections_never_autoload_or_autoinstall(tmp_path):
    with connect(tmp_path / "c.duckdb") as con:
        row = con.execute("SELECT current_setting('autoinstall_known_extensions'), "
                          "current_setting('autoload_known_extensions')").fetchone()
    assert row == (False, False)


@pytest.mark.parametrize("error", [duckdb.InterruptException("INTERRUPT Error: Interrupted!"),
                                   RuntimeError("Query interrupted")])  # what DuckDB raises for a Ctrl-C mid-COPY
def test_export_interrupted_inside_a_query_exits_130_and_leaves_nothing(tmp_path, capsys, monkeypatch, tiny_store,
                                                                       error):
    import memcurve.generators.export as export_module

    real = export_module.content_hash

    def interrupted(con):
        real(con)
        raise error

    monkeypatch.setattr(export_module, "content_hash", interrupted)
    out = tmp_path / "exp"
    code, stdout, err = _cli(capsys, "export", str(tiny_store), "--format", "parquet", "--out", str(out))
    assert code == 130 and "interrupted" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.duckdb"]


def test_atomic_folder_refuses_without_force_and_swaps_with_it(tmp_path):
    target = tmp_path / "report"
    target.mkdir()
    (target / "report.md").write_text("old\n")
    with pytest.raises(StoreError, match="not empty .*--force"):
        with atomic_folder(target):
            pass
    with pytest.raises(RuntimeError):
        with atomic_folder(target, force=True) as tmp:
            (tmp / "report.md").write_text("half\n")
            raise RuntimeError("crash mid-write")
    assert (target / "report.md").read_text() == "old\n"
    with atomic_folder(target, force=True) as tmp:
        (tmp / "report.md").write_text("new\n")
    assert (target / "report.md").read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_other_runtime_errors_are_not_taken_for_interrupts(tmp_path, monkeypatch, tiny_store):
    import memcurve.generators.export as export_module

    monkeypatch.setattr(export_module, "content_hash", lambda con: (_ for _ in ()).throw(RuntimeError("a bug")))
    with pytest.raises(RuntimeError, match="a bug"):
        main(["export", str(tiny_store), "--format", "jsonl", "--out", str(tmp_path / "exp")])


def test_report_refuses_to_overwrite_without_force(tmp_path, capsys, small_eval_logs):
    out = tmp_path / "r"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    code, _, err = _cli(capsys, "report", str(small_eval_logs), "--out", str(out))
    assert code == 2 and "--force" in err and err.count("\n") == 1
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    code, stdout, _ = _cli(capsys, "report", str(small_eval_logs), "--out", str(out), "--force")
    assert code == 0 and (out / "report.md").is_file() and not (out / "mine.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
