"""`memcurve export`: every table of a benchmark as Parquet or JSON Lines, for tools that do not read DuckDB.

Layout of `memcurve export DB --format parquet|jsonl --out DIR`:

    DIR/
      manifest.json              what the folder holds (below)
      meta.<ext>                 one file per table of generators.schema, named after the table,
      personas.<ext>             with the schema's columns and types; <ext> is parquet or jsonl
      conversations.<ext>
      messages.<ext>
      facts.<ext>
      questions.<ext>
      evidence.<ext>
      histories.<ext>
      history_conversations.<ext>
      history_questions.<ext>

Rows are written in each table's key order (the ORDER BY key in generators.schema.TABLES), so the same
benchmark always exports to the same bytes. JSON Lines holds one object per row; timestamps are ISO-like
strings ("2024-01-08 09:00:00"), lists are JSON arrays and JSON columns are embedded objects. Parquet keeps
DuckDB's types (TIMESTAMP, VARCHAR[], INTEGER, ...).

manifest.json:

    {
      "format": "parquet",                 # or "jsonl"
      "schema_version": "1",               # of the exported benchmark (meta.schema_version)
      "content_hash": "…",                 # generators.store.content_hash of the benchmark
      "memcurve_version": "0.1.0",         # that wrote the benchmark (meta.memcurve_version)
      "exported_with": "0.1.0",            # memcurve version that exported it
      "source": "memcurve.generate",       # meta.source
      "tables": {"messages": {"file": "messages.parquet", "rows": 818, "order_by": "message_id"}, ...}
    }

The folder is written next to DIR under a temporary name (`.DIR.memcurve-tmp-<pid>-<n>`, removed by the next
export once that process is gone) and renamed into place when complete, so an interrupted export leaves
nothing behind. DIR must not exist yet, or be empty. Ctrl-C or SIGTERM inside a DuckDB query surfaces as an
interrupt (exit 130/143), never as DuckDB's "Query interrupted" error.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

from memcurve.errors import MemcurveError
from memcurve.generators.schema import TABLES
import duckdb

from memcurve.generators.store import (
    content_hash,
    memcurve_version,
    open_store,
    read_meta,
    remove_stale_temps,
    temp_path,
)

FORMATS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "jsonl": "(FORMAT json)"}


def export(path: Path, fmt: str, out_dir: Path) -> list[Path]:
    """Export every table of the benchmark at `path` into `out_dir`; returns the files written."""
    if fmt not in FORMATS:
        raise MemcurveError(f"unknown export format {fmt!r}; valid: {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    _check_target(out_dir)
    con = open_store(path)
    remove_stale_temps(out_dir)
    tmp = temp_path(out_dir)
    try:
        con.execute("SET enable_progress_bar = false")
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        meta = read_meta(con)
        tables = {}
        for table, (_, order) in TABLES.items():
            name = f"{table}.{fmt}"
            target = str(tmp / name).replace("'", "''")
            con.execute(f"COPY (SELECT * FROM {table} ORDER BY {order}) TO '{target}' {FORMATS[fmt]}")
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            tables[table] = {"file": name, "rows": rows, "order_by": order}
        manifest = {
            "format": fmt,
            "schema_version": meta.get("schema_version"),
            "content_hash": content_hash(con),
            "memcurve_version": meta.get("memcurve_version"),
            "exported_with": memcurve_version(),
            "source": meta.get("source"),
            "tables": tables,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        con.close()
        if out_dir.is_dir():
            out_dir.rmdir()  # empty (checked above); rename needs the name free
        os.replace(tmp, out_dir)
    except duckdb.InterruptException:  # Ctrl-C inside a query: DuckDB's own error for it
        _discard(con, tmp)
        raise KeyboardInterrupt from None
    except BaseException:
        _discard(con, tmp)
        raise
    return [out_dir / "manifest.json", *(out_dir / t["file"] for t in tables.values())]


def _discard(con, tmp: Path) -> None:
    with contextlib.suppress(Exception):
        con.close()
    shutil.rmtree(tmp, ignore_errors=True)


def _check_target(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise MemcurveError(f"{out_dir}: exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise MemcurveError(f"{out_dir}: folder is not empty; choose a new --out folder")
    parent = out_dir.parent
    existing = next((p for p in (parent, *parent.parents) if p.exists()), Path("."))
    if not os.access(existing, os.W_OK):
        raise MemcurveError(f"{out_dir}: folder {existing} is not writable")
