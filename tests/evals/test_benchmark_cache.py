"""Cached benchmarks are reused only when their content hash matches the one recorded at build time:
missing tables, failing DuckDB page checksums, edited rows or a missing record trigger one rebuild."""

import logging

import duckdb
import pytest

from memcurve.evals.benchmark_cache import cached, damage, hash_record
from memcurve.evals.dataset import cached_benchmark
from memcurve.generators.config import build_config
from memcurve.generators.store import content_hash, open_store

CONFIG = build_config({"seed": 5, "personas": 1, "sizes": "1,2", "categories": "user_facts",
                       "questions_per_category": 1})


def _hash(path):
    con = open_store(path)
    try:
        return content_hash(con)
    finally:
        con.close()


def _drop_tables(path):
    with duckdb.connect(str(path)) as con:
        con.execute("DROP TABLE evidence")


def _edit_rows(path):
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE questions SET answer = 'tampered'")


def _corrupt_pages(path):
    data = bytearray(path.read_bytes())
    for offset in range(len(data) // 3, len(data) - 4096, 4096):  # every block after the headers
        data[offset + 100:offset + 200] = b"\xff" * 100
    path.write_bytes(bytes(data))


def _lose_record(path):
    hash_record(path).unlink()


@pytest.mark.parametrize("damage_it", [_drop_tables, _edit_rows, _corrupt_pages, _lose_record])
def test_damaged_cached_benchmark_is_rebuilt_once(tmp_path, caplog, damage_it):
    path = cached_benchmark(CONFIG, tmp_path)
    good = _hash(path)
    assert damage(path) is None and hash_record(path).read_text().strip() == good
    damage_it(path)
    assert damage(path) is not None
    with caplog.at_level(logging.WARNING):
        again = cached_benchmark(CONFIG, tmp_path)
        assert cached_benchmark(CONFIG, tmp_path) == again  # intact now: reused silently
    assert again == path and _hash(path) == good and damage(path) is None
    assert len([r for r in caplog.records if "cannot be reused" in r.getMessage()]) == 1


def test_intact_cache_is_not_rebuilt(tmp_path):
    built = []
    path = cached(tmp_path / "x.duckdb", lambda p: built.append(p) or cached_benchmark(CONFIG, tmp_path).rename(p))
    assert cached(path, lambda p: built.append(p)) == path and len(built) == 1
