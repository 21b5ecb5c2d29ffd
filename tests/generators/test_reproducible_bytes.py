"""Same seed and config, same bytes: the content hash always, exported files when SOURCE_DATE_EPOCH pins created_at."""

import hashlib

import pytest

from memcurve.cli import main
from memcurve.generators.schema import TABLES
from memcurve.generators.store import content_hash, open_store, read_meta

ARGS = ["--seed", "11", "--personas", "3", "--sizes", "1,3,10", "--questions-per-category", "2", "--quiet"]


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_two_generations_export_identical_bytes(tmp_path, monkeypatch, fmt):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    digests, hashes = [], []
    for run in ("a", "b"):
        db = tmp_path / f"{run}.duckdb"
        assert main(["generate", "--out", str(db), *ARGS]) == 0
        con = open_store(db)
        hashes.append(content_hash(con))
        assert read_meta(con)["created_at"] == "2026-01-01T00:00:00+00:00"
        con.close()
        assert main(["export", str(db), "--format", fmt, "--out", str(tmp_path / f"{run}-{fmt}")]) == 0
        digests.append(_digest(tmp_path / f"{run}-{fmt}"))
    assert hashes[0] == hashes[1]
    assert digests[0] == digests[1] and len(digests[0]) == len(TABLES) + 1  # every table + manifest.json


def test_bad_source_date_epoch_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    assert main(["generate", "--out", str(tmp_path / "x.duckdb"), *ARGS]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["memcurve: error: SOURCE_DATE_EPOCH='yesterday' is not a whole number of seconds"]
    assert not list(tmp_path.iterdir())
