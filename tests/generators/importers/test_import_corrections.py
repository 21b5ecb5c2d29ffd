"""Errata as data: the packaged LoCoMo corrections, applied on request and recorded in meta."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from importer_queries import query

from memcurve.errors import InputFormatError
from memcurve.generators.importers import import_dataset
from memcurve.generators.importers.corrections import load_corrections
from memcurve.generators.store import open_store, read_meta

FIXTURES = Path(__file__).parent / "fixtures"


def _fixture(tmp_path: Path) -> Path:
    data = json.loads((FIXTURES / "locomo10_mini.json").read_text())
    data[0]["qa"][1] = {"question": "When did Melanie paint a sunrise?", "answer": "2021", "evidence": ["D1:3"],
                        "category": 2}
    path = tmp_path / "locomo.json"
    path.write_text(json.dumps(data))
    return path


def test_packaged_file_names_source_date_and_licence():
    errata = load_corrections("locomo")
    assert errata.version == "2026-12-01.1"
    assert "dial481/locomo-audit" in errata.source and errata.licence.startswith("CC BY-NC 4.0")
    assert errata.entries["locomo_0_qa1"]["correct_answer"] == "2022"


def test_import_with_corrections_changes_the_answer_and_records_it(tmp_path):
    src = _fixture(tmp_path)
    plain, fixed = tmp_path / "plain.duckdb", tmp_path / "fixed.duckdb"
    import_dataset("locomo", src, plain, force=False)
    summary = import_dataset("locomo", src, fixed, force=False, corrections=True)
    sql = "SELECT answer FROM questions WHERE question_id = 'conv-26:q001'"
    assert query(plain, sql) == [("2021",)] and query(fixed, sql) == [("2022",)]
    assert "corrections" not in read_meta(open_store(plain))
    record = json.loads(read_meta(open_store(fixed))["corrections"])
    assert record["version"] == "2026-12-01.1" and record["file"] == "errata/locomo.json"
    assert record["applied"] == [{"question_id": "conv-26:q001", "source_id": "locomo_0_qa1",
                                  "error_type": "WRONG_CITATION", "original_answer": "2021",
                                  "corrected_answer": "2022"}]
    skipped = {s["question_id"]: s["reason"] for s in record["skipped"]}
    assert skipped["locomo_0_qa2"] == "question text differs from the input file"  # a different qa[2] here
    assert skipped["locomo_0_qa70"] == "no such question in the input"
    assert summary.splitlines()[-1] == f"corrections 2026-12-01.1 (dial481/locomo-audit (Penfield Labs)): 1 applied, " \
                                       f"{len(record['skipped'])} skipped"


def test_corrections_for_a_dataset_without_errata_is_one_line(tmp_path):
    with pytest.raises(InputFormatError, match="^--corrections: no corrections for convomem; available for: locomo$"):
        import_dataset("convomem", tmp_path, tmp_path / "out.duckdb", force=False, corrections=True)
