"""Imports pass `memcurve validate`'s structural checks; the known dataset faults are exactly what it flags."""

from __future__ import annotations

from pathlib import Path

from memcurve.generators.importers import import_dataset
from memcurve.generators.validate import validate

FIXTURES = Path(__file__).parent / "fixtures"
FACT_CHECKS = ("no_competing_value", "changing_final", "abstention_unplanted", "temporal_recomputed")


def imported(tmp_path: Path, fmt: str, source: Path) -> Path:
    out = tmp_path / f"{fmt}.duckdb"
    import_dataset(fmt, source, out, force=False)
    return out


def test_oracle_and_locomo_imports_validate(tmp_path):
    for fmt, source in (("longmemeval", FIXTURES / "longmemeval_oracle.json"),
                        ("locomo", FIXTURES / "locomo10_mini.json")):
        report = validate(imported(tmp_path, fmt, source))
        assert report.ok, report.render()
        assert all(report.check(name).skipped for name in FACT_CHECKS)  # imports plant no facts


def test_longmemeval_s_faults_are_the_ones_validate_reports(tmp_path):
    report = validate(imported(tmp_path, "longmemeval", FIXTURES / "longmemeval_s.json"))
    assert report.failed_checks == ["answer_in_evidence", "history_order"]
    # issue #8: the question is dated before the last session; the importer keeps and counts it
    assert report.check("history_order").failing_ids == ["lme-6ade9755-n0005"]
    # a knowledge-update gold ("In the garage") paraphrases its evidence ("moved my bike into the garage")
    assert report.check("answer_in_evidence").failing_ids == ["6ade9755"]
    assert report.check("evidence_present").ok and report.check("nesting").ok


def test_convomem_import_is_structurally_valid(tmp_path):
    report = validate(imported(tmp_path, "convomem", FIXTURES / "convomem"))
    assert [name for name in report.failed_checks if name != "answer_in_evidence"] == []
    # an aggregated N=2 user fact ("Nine people: ...") is computed, so its text is in no single message
    assert len(report.check("answer_in_evidence").failing_ids) == 1


def test_checks_that_do_not_apply_to_an_import_say_not_applicable(tmp_path):
    report = validate(imported(tmp_path, "locomo", FIXTURES / "locomo10_mini.json"))
    lines = report.render().splitlines()
    for name in FACT_CHECKS:
        line = next(x for x in lines if x.split()[1:2] == [name])
        assert line.startswith("n/a ") and "0 questions examined; not applicable: imported data (locomo)" in line
    evidence = next(x for x in lines if x.split()[1:2] == ["evidence_present"])
    assert evidence.split()[:4] == ["ok", "evidence_present", "8", "questions"]  # every question examined
