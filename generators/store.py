"""Open, create and hash benchmark files: typed access to the schema in generators.schema.

Writers build a whole benchmark in a temporary file next to the target and move it into place only
when it is complete (`atomic_store`), so a crash, Ctrl-C or SIGTERM never leaves a half-written benchmark.
Temporary names carry a marker and the writer's pid (`.<name>.memcurve-tmp-<pid>-<n>`), so leftovers of a
killed writer (kill -9) are recognised and removed by the next writer once that pid is gone. Without
--force the final move is exclusive: of two concurrent writers of the same new file, the second fails.

Every DuckDB connection is opened by `connect`, with extension autoload and autoinstall off: a file of
another format (e.g. SQLite) is refused instead of making DuckDB download a scanner extension.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from memcurve.errors import StoreError
from memcurve.generators.schema import SCHEMA, SCHEMA_VERSION, TABLE_NAMES, TABLES, VOLATILE_META_KEYS


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


DUCKDB_CONFIG = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}
TMP_MARKER = ".memcurve-tmp-"


def connect(path: str | Path = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The one way memcurve opens DuckDB: never loads or installs extensions behind the user's back."""
    return duckdb.connect(str(path), read_only=read_only, config=dict(DUCKDB_CONFIG))


def temp_path(target: Path) -> Path:
    """A fresh temporary name for `target`, next to it: `.<name>.memcurve-tmp-<pid>-<n>`."""
    return target.parent / f".{target.name}{TMP_MARKER}{os.getpid()}-{next(_TEMP_COUNTER)}"


_TEMP_COUNTER = itertools.count()


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove temporary files or folders for `target` left by writers that no longer run; return them."""
    removed = []
    prefix = f".{target.name}{TMP_MARKER}"
    folder = target.parent if str(target.parent) else Path(".")
    with contextlib.suppress(OSError):
        for leftover in folder.iterdir():
            rest = leftover.name[len(prefix):] if leftover.name.startswith(prefix) else ""
            pid = rest.removesuffix(".wal").removesuffix(".old").split("-")[0]
            if not pid.isdigit() or _pid_alive(int(pid)):
                continue
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
            removed.append(leftover)
    return removed


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def publish(tmp: Path, target: Path, *, force: bool) -> None:
    """Move the finished `tmp` to `target`: replacing it with `force`, else only if `target` is still free."""
    if force:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # atomic and exclusive: fails if another writer got there first
    except FileExistsError:
        raise StoreError(f"{target}: already exists (written by another run meanwhile; "
                         "use --force to replace it)") from None
    except OSError:  # a file system without hard links: reserve the name exclusively, then move over it
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            raise StoreError(f"{target}: already exists (written by another run meanwhile; "
                             "use --force to replace it)") from None
        os.replace(tmp, target)
        return
    tmp.unlink()


def check_folder_target(target: Path, *, force: bool) -> None:
    """Refuse, before any work, an output folder that exists with content (unless `force`) or is a file."""
    if target.exists() and not target.is_dir():
        raise StoreError(f"{target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise StoreError(f"{target}: folder exists and is not empty (use --force to replace it)")


@contextlib.contextmanager
def atomic_folder(path: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that replaces `path` only if the block succeeds (a report, for instance).

    An existing non-empty `path` is refused unless `force`; with `force` the old folder is swapped out
    and removed only after the new one is in place.
    """
    target = Path(path)
    check_folder_target(target, force=force)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(target)
        tmp = temp_path(target)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    except OSError as exc:
        raise StoreError(f"{target}: cannot create folder ({exc.strerror or exc})") from None
    try:
        yield tmp
        old = Path(f"{tmp}.old")
        if target.is_dir():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def create_schema(con: duckdb.DuckDBPyConnection, *, keys_later: bool = False) -> None:
    """Create every table of the current schema in an empty database; with `keys_later`, the tables other
    than meta get their primary keys from add_keys(), after the bulk load."""
    for table in SCHEMA.values():
        con.execute(table.ddl_without_key if keys_later and table.name != "meta" else table.ddl)


def add_keys(con: duckdb.DuckDBPyConnection) -> None:
    """The primary keys create_schema(keys_later=True) left out (a duplicate key fails here)."""
    for table in SCHEMA.values():
        if table.name != "meta":
            con.execute(table.add_key)


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
def atomic_store(path: str | Path, *, force: bool = False,
                 keys_later: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a fresh benchmark that replaces `path` only if the block succeeds.

    Refuses to replace an existing file unless `force`; checks the folder is writable before any work.
    `keys_later`: primary keys are added once after the block (a bulk load writes faster without them).
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
    remove_stale_temps(target)
    tmp = temp_path(target)
    _remove_db(tmp)
    try:
        con = connect(tmp)
    except duckdb.Error as exc:
        _remove_db(tmp)
        raise StoreError(f"{target}: cannot write ({_first_line(exc)})") from None
    except BaseException:  # Ctrl-C while DuckDB creates the file
        _remove_db(tmp)
        raise
    try:
        create_schema(con, keys_later=keys_later)
        yield con
        if keys_later:
            add_keys(con)
        con.execute("CHECKPOINT")
        con.close()
        publish(tmp, target, force=force)
        with contextlib.suppress(FileNotFoundError):
            Path(str(target) + ".wal").unlink()
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
        con = connect(p, read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"{p}: not a DuckDB file ({_first_line(exc)})") from None
    except OSError as exc:
        raise StoreError(f"{p}: cannot open ({exc.strerror or exc})") from None
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
    missing = missing_tables(con)
    if missing:
        con.close()
        raise StoreError(f"{p}: damaged benchmark: meta says schema version {SCHEMA_VERSION} but table(s) "
                         f"{', '.join(missing)} are missing; regenerate or re-import it")
    return con


def missing_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables of the schema that the open file lacks (a file whose meta survived but whose tables did not)."""
    present = {row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    return [t for t in TABLE_NAMES if t not in present]


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
