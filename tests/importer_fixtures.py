"""Builders shared by the importer, corrections and official-metric tests: an import into a temp store, a
refused input, and a LoCoMo-shaped file carrying the audit's own questions where the packaged corrections
point, so `--corrections` has real matches to apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memcurve.errors import InputFormatError
from memcurve.generators.importers import import_dataset
from memcurve.generators.importers.corrections import load_corrections

FIXTURES = Path(__file__).parent / "generators" / "importers" / "fixtures"
LOCOMO_MINI = FIXTURES / "locomo10_mini.json"


def imported(fmt: str, src: Path, tmp_path: Path, **options) -> tuple[Path, str]:
    """(store, summary) of importing `src` as `fmt` into a fresh store under `tmp_path`."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / f"{fmt}.duckdb"
    return out, import_dataset(fmt, src, out, force=False, **options)


def assert_refused(fmt: str, tmp_path: Path, name: str, text: str, message: str) -> InputFormatError:
    """`text` written as `name` is refused with an error matching `message`, and no store is written."""
    src = tmp_path / name
    src.write_text(text)
    with pytest.raises(InputFormatError, match=message) as err:
        import_dataset(fmt, src, tmp_path / "out.duckdb", force=False)
    assert not (tmp_path / "out.duckdb").exists()
    return err.value


def locomo_with_audited(tmp_path: Path, source_ids: tuple[str, ...]) -> Path:
    """locomo10_mini.json with each audited question (`locomo_<sample>_qa<j>`) at its position, as the audit
    quotes it (text, original answer, category, cited evidence). Positions up to j that the mini file lacks
    are filled with plain questions no entry describes."""
    data = json.loads(LOCOMO_MINI.read_text())
    entries = load_corrections("locomo").entries
    for source_id in source_ids:
        entry = entries[source_id]
        sample, j = (int(part) for part in source_id.removeprefix("locomo_").split("_qa"))
        qa = data[sample]["qa"]
        while len(qa) <= j:
            qa.append({"question": f"Which filler question is number {len(qa)}?", "answer": str(len(qa)),
                       "evidence": [], "category": 4})
        qa[j] = {"question": entry["question"], "answer": entry["golden_answer"],
                 "evidence": list(entry["cited_evidence"]), "category": entry["category"]}
    path = tmp_path / "locomo.json"
    path.write_text(json.dumps(data))
    return path
