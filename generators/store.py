"""Open, create and hash benchmark files: typed access to the schema in generators.schema.

Writers build a whole benchmark in a temporary file next to the target and move it into place only
when it is complete (`atomic_store`), so a crash or Ctrl-C never leaves a half-written benchmark.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from memcurve.errors import StoreError
from memcurve.generators.schema import SCHEMA_VERSION, TABLE_NAMES, TABLES, VOLATILE_META_KEYS


def memcurve_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("memcurve")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


def created_at() -> str:
    """When a benchmark was written (UTC, ISO seconds); SOURCE_DATE_EPOCH pins it for byte-identical exports.

    The content hash never includes it; set SOURCE_DATE_EPOCH (the reproducible-builds convention) when
    two runs must also export identical meta files.
    """
    from datetime import datetime, timezone

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    except ValueError:
        raise StoreError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds") from None
    return moment.isoformat(timespec="seconds")


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table of the current schema in an empty database."""
    for ddl, _ in TABLES.values():
        con.execute(ddl)


def write_meta(con: duckdb.DuckDBPyConnection, meta: Mapping[str, Any]) -> None:
    """Write the meta table: schema and package versions plus the caller's keys (JSON-encoded if not str)."""
    rows = {"schema_version": str(SCHEMA_VERSION), "memcurve_version": memcurve_version()}
    for key, value in meta.items():
        rows[key] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", sorted(rows.items()))


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, columns: Mapping[str, list]) -> None:
    """Bulk-insert column lists (name -> values, in schema order) through Arrow: fast and typed by DuckDB."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}")
    arrow = pa.table(dict(columns))
    if arrow.num_rows == 0:
        return
    names = ", ".join(arrow.column_names)
    con.register("_memcurve_rows", arrow)
    try:
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _memcurve_rows")
    finally:
        con.unregister("_memcurve_rows")


@contextlib.contextmanager
def atomic_store(path: str | Path, *, force: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a fresh benchmark that replaces `path` only if the block succeeds.

    Refuses to replace an existing file unless `force`; checks the folder is writable before any work.
    """
    target = Path(path)
    if target.exists() and not force:
        raise StoreError(f"{target}: already exists (use --force to replace it)")
    if target.is_dir():
        raise StoreError(f"{target}: is a directory")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise StoreError(f"{target}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise StoreError(f"{target}: folder {folder} is not writable")
    tmp = folder / f".{target.name}.tmp-{os.getpid()}"
    _remove_db(tmp)
    try:
        con = duckdb.connect(str(tmp))
    except duckdb.Error as exc:
        _remove_db(tmp)
        raise StoreError(f"{target}: cannot write ({_first_line(exc)})") from None
    except BaseException:  # Ctrl-C while DuckDB creates the file
        _remove_db(tmp)
        raise
    try:
        create_schema(con)
        yield con
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, target)
        _remove_db(Path(str(target) + ".wal"))
    except BaseException:
        con.close()
        _remove_db(tmp)
        raise


def _remove_db(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def open_store(path: str | Path, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open a benchmark, checking that it is a memcurve file of the schema version this code reads."""
    p = Path(path)
    if not p.is_file():
        raise StoreError(f"{p}: no such benchmark file")
    try:
        con = duckdb.connect(str(p), read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"{p}: not a DuckDB file ({_first_line(exc)})") from None
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.Error:
        con.close()
        raise StoreError(f"{p}: not a memcurve benchmark (no meta table)") from None
    if row is None:
        con.close()
        raise StoreError(f"{p}: not a memcurve benchmark (meta has no schema_version)")
    if row[0] != str(SCHEMA_VERSION):
        con.close()
        raise StoreError(
            f"{p}: schema version {row[0]}, but this memcurve ({memcurve_version()}) reads version "
            f"{SCHEMA_VERSION}; regenerate or re-import it with a matching memcurve"
        )
    return con


def read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM meta ORDER BY key").fetchall())


def table_hash(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """MD5 over the table's rows in key order; meta leaves out run-specific keys such as created_at."""
    _, order = TABLES[table]
    where = ""
    if table == "meta":
        where = "WHERE key NOT IN (" + ", ".join(f"'{k}'" for k in VOLATILE_META_KEYS) + ")"
    sql = (
        f"SELECT coalesce(md5(string_agg(md5(CAST(t AS VARCHAR)), '' ORDER BY {order})), '') "
        f"FROM (SELECT * FROM {table} {where}) AS t"
    )
    return con.execute(sql).fetchone()[0]


def content_hash(con: duckdb.DuckDBPyConnection) -> str:
    """SHA-256 over every table's hash: the same seed and config give the same value."""
    digest = hashlib.sha256()
    for table in TABLE_NAMES:
        digest.update(f"{table}:{table_hash(con, table)}\n".encode())
    return digest.hexdigest()


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
