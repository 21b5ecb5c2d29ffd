"""Every importer reads through the bounded JSON reader: hostile nesting, huge strings, truncation,
unreadable files and empty inputs are one line naming the file, and nothing is written."""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import pytest

from memcurve.cli import main
from memcurve.errors import InputFormatError
from memcurve.generators.importers import import_dataset, json_reader

FORMATS = ("convomem", "longmemeval", "locomo")


def _one_line_error(capsys, *argv) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("fmt", FORMATS)
def test_deeply_nested_file_is_refused_after_one_chunk(tmp_path, capsys, fmt):
    src = tmp_path / "d.json"
    src.write_text("[" * 200000 + "]" * 200000)  # 400 KB: 21 GB of ijson prefixes, or a RecursionError
    out = tmp_path / "o.duckdb"
    err = _one_line_error(capsys, "import", fmt, str(src), "--out", str(out))
    assert "d.json: JSON nested deeper than 64 levels" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_nested_objects_inside_a_record_are_refused_too(tmp_path, capsys, fmt):
    src = tmp_path / "d.json"
    src.write_text('[{"a": ' * 5000 + "1" + "}]" * 5000)
    err = _one_line_error(capsys, "import", fmt, str(src), "--out", str(tmp_path / "o.duckdb"))
    assert "nested deeper than 64" in err


def test_truncated_convomem_array_is_one_line(tmp_path, capsys):
    src = tmp_path / "batched_000.json"
    src.write_text('[{"contextSize": 1, "evidenceItems": [], "conversations": [')
    err = _one_line_error(capsys, "import", "convomem", str(src), "--out", str(tmp_path / "o.duckdb"))
    assert "batched_000.json: malformed JSON before the first record (parse error: premature EOF)" in err
    assert "right here" not in err


def test_empty_convomem_array_is_refused(tmp_path, capsys):
    src = tmp_path / "empty.json"
    src.write_text("[]")
    err = _one_line_error(capsys, "import", "convomem", str(src), "--out", str(tmp_path / "o.duckdb"))
    assert "no ConvoMem questions found" in err
    assert not (tmp_path / "o.duckdb").exists()


def test_unreadable_file_is_one_line(tmp_path, capsys, monkeypatch):
    src = tmp_path / "locked.json"
    src.write_text("[]")
    real_open = Path.open

    def refuse(self, *args, **kwargs):  # chmod 000 does not stop root, so refuse the way the OS would
        if self.name == "locked.json":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    for fmt in FORMATS:
        err = _one_line_error(capsys, "import", fmt, str(src), "--out", str(tmp_path / "o.duckdb"))
        assert "locked.json" in err and "Permission denied" in err


def test_string_longer_than_the_bound_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(json_reader, "MAX_STRING_BYTES", 1 << 20)
    src = tmp_path / "s.json"
    src.write_text('[{"question_id": "' + "x" * (3 << 20) + '"}]')
    with pytest.raises(InputFormatError, match="s.json: a string longer than 1 MB"):
        import_dataset("longmemeval", src, tmp_path / "o.duckdb")


def _random_document(rng: random.Random, depth: int = 1):
    def text():
        return "".join(rng.choice(['a', '[', '{', '"', '\\', ']', '}', '\n', 'é', ' ']) for _ in range(rng.randint(0, 30)))
    if depth > 6 or rng.random() < 0.3:
        return text()
    if rng.random() < 0.5:
        return [_random_document(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {text(): _random_document(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_reader_tracks_depth_exactly_across_any_chunk_boundary():
    """Strings full of brackets, quotes and backslashes, split at every kind of boundary, parse unchanged
    and leave the depth at zero."""
    rng = random.Random(1)
    for _ in range(200):
        doc = [_random_document(rng) for _ in range(5)]
        data = json.dumps(doc, ensure_ascii=rng.random() < 0.5).encode()
        step = rng.choice([1, 2, 3, 7, 64, 4096])

        class Chunked(io.BytesIO):
            def read(self, n=-1):
                return super().read(min(n, step) if n is not None and n >= 0 else step)

        reader = json_reader.BoundedReader(Chunked(data), "x.json")
        assert list(json_reader.stream_items(reader, "x.json")) == doc
        assert reader.depth == 0


def test_depth_exactly_at_the_bound_is_accepted():
    ok = ("[" * json_reader.MAX_DEPTH + "]" * json_reader.MAX_DEPTH).encode()
    reader = json_reader.BoundedReader(io.BytesIO(ok), "ok.json")
    assert json_reader.load_document(reader, "ok.json") is not None
    too_deep = b"[" + ok + b"]"
    with pytest.raises(InputFormatError, match="nested deeper than 64"):
        json_reader.load_document(json_reader.BoundedReader(io.BytesIO(too_deep), "deep.json"), "deep.json")


TEST_CASE = Path(__file__).parent / "fixtures" / "convomem_test_cases" / "locomo" / "category_1_basic_facts" / \
    "dataset_0.json"


def test_malformed_test_case_object_is_one_line(tmp_path, capsys):
    src = tmp_path / "dataset_0.json"
    src.write_text(TEST_CASE.read_text()[:400])  # cut inside its first evidence item
    err = _one_line_error(capsys, "import", "convomem", str(src), "--out", str(tmp_path / "o.duckdb"))
    assert re.fullmatch(r"memcurve: error: dataset_0\.json: malformed JSON at line \d+ column \d+ \(.+\)\n", err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset_0.json"]


def test_oversized_test_case_object_is_refused_and_the_same_case_streamed_in_a_batch_is_not(
        tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(json_reader, "MAX_DOCUMENT_BYTES", 1 << 20)
    case = json.loads(TEST_CASE.read_text())
    case["conversations"][0]["messages"][0]["text"] += " and so on" * 120_000  # 1.2 MB in one TestCase object
    src = tmp_path / "dataset_0.json"
    src.write_text(json.dumps(case))
    err = _one_line_error(capsys, "import", "convomem", str(src), "--out", str(tmp_path / "o.duckdb"))
    assert err == ("memcurve: error: dataset_0.json: larger than 1 MB, too large to parse whole; not a dataset "
                   "file memcurve imports (ConvoMem and LongMemEval arrays of records are streamed)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset_0.json"]
    batch = tmp_path / "batched_000.json"
    batch.write_text("[" + json.dumps(case) + "]")
    assert main(["import", "convomem", str(batch), "--out", str(tmp_path / "batch.duckdb")]) == 0
