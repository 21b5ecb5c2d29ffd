"""Cached benchmark files (the generated defaults, imported JSON) are checked by content hash before reuse.

Why: a cached file whose tables were lost or whose pages fail DuckDB's checksum used to fail every run
and was never rebuilt, because reuse only checked that the file opened. Now whoever builds a cached file
records its content hash (generators.store.content_hash) in `<file>.content-sha256`; before reuse the
file must open as a current benchmark with every table, read through completely (DuckDB verifies each
page's checksum as it reads) and hash to the recorded value. Anything else (including a file without a
record) is rebuilt, and the rebuild is reported once per file and process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import duckdb

from memcurve.errors import StoreError
from memcurve.generators.store import content_hash, open_store, temp_path

log = logging.getLogger(__name__)
_reported: set[str] = set()


def hash_record(path: Path) -> Path:
    return path.with_name(path.name + ".content-sha256")


def damage(path: Path) -> str | None:
    """Why the cached file at `path` cannot be reused, or None if it is intact (missing: 'missing')."""
    path = Path(path)
    if not path.is_file():
        return "missing"
    try:
        expected = hash_record(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return "no content hash recorded"
    try:
        con = open_store(path)
        try:
            actual = content_hash(con)
        finally:
            con.close()
    except StoreError as exc:
        return str(exc)
    except duckdb.Error as exc:  # e.g. a page whose checksum fails
        return f"unreadable ({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__})"
    if actual != expected:
        return f"content hash {actual[:12]} differs from the recorded {expected[:12]}"
    return None


def record_hash(path: Path) -> str:
    """Record the content hash of the freshly built file at `path`; return it."""
    path = Path(path)
    con = open_store(path)
    try:
        digest = content_hash(con)
    finally:
        con.close()
    record = hash_record(path)
    tmp = temp_path(record)
    tmp.write_text(digest + "\n", encoding="utf-8")
    os.replace(tmp, record)
    return digest


def cached(path: Path, build: Callable[[Path], None]) -> Path:
    """`path` if it is an intact cached benchmark, else `build(path)` (which must replace the file) and
    record its hash. A damaged file is reported once, then rebuilt."""
    path = Path(path)
    problem = damage(path)
    if problem is None:
        return path
    if problem != "missing" and str(path) not in _reported:
        _reported.add(str(path))
        log.warning("memcurve: cached benchmark %s cannot be reused (%s); rebuilding it", path, problem)
    path.parent.mkdir(parents=True, exist_ok=True)
    build(path)
    record_hash(path)
    return path
