"""Errata as data: the packaged LoCoMo audit (all ten conversations of dial481/locomo-audit), every entry
checked, applied per error type on request and recorded in meta."""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import datetime

import pytest
from importer_fixtures import FIXTURES, imported, locomo_with_audited
from importer_queries import query

from memcurve.errors import InputFormatError
from memcurve.generators.importers import import_dataset
from memcurve.generators.importers.corrections import load_corrections, parse_corrections
from memcurve.generators.store import open_store, read_meta

LME_ORACLE = FIXTURES / "longmemeval_oracle.json"

# The audit's own totals: README.md (156 issues: 99 score-corrupting, 57 citation-only) and
# audit/summary_conv_N.txt (per conversation and error type).
UPSTREAM_BY_TYPE = {"WRONG_CITATION": 57, "HALLUCINATION": 33, "TEMPORAL_ERROR": 26, "ATTRIBUTION_ERROR": 24,
                    "AMBIGUOUS": 13, "INCOMPLETE": 3}
UPSTREAM_BY_CONVERSATION = {0: 27, 1: 7, 2: 12, 3: 22, 4: 17, 5: 10, 6: 15, 7: 13, 8: 16, 9: 17}
UPSTREAM_CONV_0 = {"TEMPORAL_ERROR": 2, "ATTRIBUTION_ERROR": 3, "HALLUCINATION": 5, "WRONG_CITATION": 12,
                   "AMBIGUOUS": 3, "INCOMPLETE": 2}


def _doc() -> dict:
    from importlib import resources

    path = resources.files("memcurve.generators.importers").joinpath("errata", "locomo.json")
    return json.loads(path.read_text("utf-8"))


def test_packaged_file_names_source_commit_date_and_licence():
    errata = load_corrections("locomo")
    doc = _doc()
    assert errata.version == "2026-12-02.1" and doc["source_date"] == "2026-02"
    assert "dial481/locomo-audit" in errata.source and "ded8d0f08903d72b5a5eeda4fee5ced76126e7bc" in errata.source
    assert errata.licence.startswith("CC BY-NC 4.0")


def test_every_upstream_entry_is_transcribed_with_the_audits_own_counts():
    entries = load_corrections("locomo").entries  # loading checks every entry's fields and types
    assert len(entries) == 156 == sum(UPSTREAM_BY_TYPE.values())
    assert Counter(e["error_type"] for e in entries.values()) == UPSTREAM_BY_TYPE
    by_conversation = Counter(int(q.split("_")[1]) for q in entries)
    assert by_conversation == UPSTREAM_BY_CONVERSATION
    assert Counter(e["error_type"] for q, e in entries.items() if q.startswith("locomo_0_")) == UPSTREAM_CONV_0
    score_corrupting = [e for e in entries.values() if e["error_type"] != "WRONG_CITATION"]
    assert len(score_corrupting) == 99
    assert _doc()["upstream_totals"]["by_type"] == UPSTREAM_BY_TYPE
    assert {int(k): v for k, v in _doc()["upstream_totals"]["by_conversation"].items()} == UPSTREAM_BY_CONVERSATION


def test_rules_per_error_type():
    rules = load_corrections("locomo").rules
    assert {t: r["replace"] for t, r in rules.items()} == {
        "WRONG_CITATION": ["evidence"], "HALLUCINATION": ["answer", "evidence"],
        "TEMPORAL_ERROR": ["answer", "evidence"], "INCOMPLETE": ["answer", "evidence"],
        "ATTRIBUTION_ERROR": ["answer", "evidence"], "AMBIGUOUS": []}
    assert [t for t, r in rules.items() if r.get("flag")] == ["AMBIGUOUS"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda e: e.pop("golden_answer"), r"corrections\[3\]: missing field 'golden_answer'"),
    (lambda e: e.update(category="2"), r"corrections\[3\]: field 'category' has type str, expected int"),
    (lambda e: e.update(error_type="TYPO"), r"corrections\[3\]: error_type 'TYPO' has no rule; known: AMBIGUOUS"),
    (lambda e: e.update(correct_evidence=["D1:1", 3]), r"corrections\[3\]: field 'correct_evidence' must list"),
    (lambda e: e.update(question_id="conv-26:q1"), r"corrections\[3\]: question_id 'conv-26:q1' is not locomo_"),
    (lambda e: e.update(reasoning="why"), r"corrections\[3\]: unknown field 'reasoning'"),
    (lambda e: e.update(question_id="locomo_0_qa1"), r"corrections\[3\]: question_id 'locomo_0_qa1' repeats"),
])
def test_malformed_entry_is_one_line_naming_entry_and_field(change, message):
    doc = copy.deepcopy(_doc())
    change(doc["corrections"][3])
    with pytest.raises(InputFormatError, match=f"^errata/locomo.json: {message}") as err:
        parse_corrections(doc, "errata/locomo.json")
    assert "\n" not in str(err.value)


def test_import_applies_each_rule_and_records_it(tmp_path):
    # qa1 WRONG_CITATION, qa2 sits there with the typo fixed (the audit quotes "educaton"), qa4 WRONG_CITATION,
    # qa5 TEMPORAL_ERROR, qa43 AMBIGUOUS
    src = locomo_with_audited(tmp_path, ("locomo_0_qa1", "locomo_0_qa4", "locomo_0_qa5", "locomo_0_qa43"))
    plain, _ = imported("locomo", src, tmp_path / "plain")
    fixed, summary = imported("locomo", src, tmp_path / "fixed", corrections=True)
    sql = "SELECT question_id, answer, evidence_count FROM questions WHERE question_id IN " \
          "('conv-26:q001', 'conv-26:q004', 'conv-26:q005', 'conv-26:q043') ORDER BY 1"
    assert query(plain, sql) == [("conv-26:q001", "2022", 0), ("conv-26:q004", "Transgender woman", 0),
                                 ("conv-26:q005", "The sunday before 25 May 2023", 1),
                                 ("conv-26:q043", "abstract art", 0)]
    # evidence-only: the answer stays; the corrected ids replace the cited ones (D3:1 is in the mini file,
    # D11:14 is not: counted as unresolved); answer and evidence: the corrected answer; flagged: as distributed
    assert query(fixed, sql) == [("conv-26:q001", "2022", 0), ("conv-26:q004", "Transgender woman", 1),
                                 ("conv-26:q005", "The Saturday before 25 May 2023 (approximately May 20, 2023)", 1),
                                 ("conv-26:q043", "abstract art", 0)]
    assert query(fixed, "SELECT message_id FROM evidence WHERE question_id = 'conv-26:q004'") == [("conv-26:D3:1",)]
    assert "corrections" not in read_meta(open_store(plain))
    record = json.loads(read_meta(open_store(fixed))["corrections"])
    assert record["version"] == "2026-12-02.1" and record["file"] == "errata/locomo.json"
    assert [(a["question_id"], a["error_type"], a["replaced"], a["original_answer"], a["corrected_answer"])
            for a in record["applied"]] == [
        ("conv-26:q001", "WRONG_CITATION", ["evidence"], "2022", "2022"),
        ("conv-26:q004", "WRONG_CITATION", ["evidence"], "Transgender woman", "Transgender woman"),
        ("conv-26:q005", "TEMPORAL_ERROR", ["answer", "evidence"], "The sunday before 25 May 2023",
         "The Saturday before 25 May 2023 (approximately May 20, 2023)")]
    assert record["applied"][1]["original_evidence"] == ["D1:5"]
    assert record["applied"][1]["corrected_evidence"] == ["D3:1", "D11:14"]
    assert record["flagged"] == [{"question_id": "conv-26:q043", "source_id": "locomo_0_qa43",
                                  "error_type": "AMBIGUOUS", "proposed_answer": load_corrections("locomo").entries[
                                      "locomo_0_qa43"]["correct_answer"]}]
    skipped = {s["question_id"]: s["reason"] for s in record["skipped"]}
    assert skipped["locomo_0_qa2"] == "question text differs from the input file"
    assert skipped["locomo_9_qa151"] == "no such question in the input"
    assert len(skipped) == 156 - 4
    assert summary.splitlines()[-1] == ("corrections 2026-12-02.1 (dial481/locomo-audit (Penfield Labs)): 3 applied "
                                        "(1 answer and evidence, 2 evidence only), 1 flagged, 152 skipped")


def test_a_question_whose_original_answer_differs_is_not_corrected(tmp_path):
    src = locomo_with_audited(tmp_path, ("locomo_0_qa5",))
    data = json.loads(src.read_text())
    data[0]["qa"][5]["answer"] = "The Sunday before 25 May 2023"  # another version of the file
    src.write_text(json.dumps(data))
    fixed, _ = imported("locomo", src, tmp_path, corrections=True)
    record = json.loads(read_meta(open_store(fixed))["corrections"])
    assert record["applied"] == []
    assert {s["question_id"]: s["reason"] for s in record["skipped"]}["locomo_0_qa5"] == \
        "original answer differs from the input file"


def test_corrections_for_a_dataset_without_errata_is_one_line(tmp_path):
    with pytest.raises(InputFormatError,
                       match="^--corrections: no corrections for convomem; available for: locomo, longmemeval$"):
        import_dataset("convomem", tmp_path, tmp_path / "out.duckdb", force=False, corrections=True)


# ---------------------------------------------------------------- LongMemEval: repeated filler sessions


def _filler(text: str) -> list[dict]:
    return [{"role": "user", "content": text}, {"role": "assistant", "content": f"About {text}: noted."}]


def _with_repeats(tmp_path):
    """The oracle fixture with three instances renamed to questions issue #54 lists: the first gets the listed
    filler twice with the same turns, the second twice with different turns, the third never."""
    data = json.loads((LME_ORACLE).read_text())
    for inst, (qid, sid, turns) in zip(data, [("58bf7951", "07b7a667_1", [_filler("tea"), _filler("tea")]),
                                              ("1e043500", "d5d1f9c4", [_filler("tea"), _filler("coffee")]),
                                              ("001be529", None, [])]):
        inst["question_id"] = qid
        for day, session in zip((10, 12), turns):
            inst["haystack_session_ids"].append(sid)
            inst["haystack_dates"].append(f"2023/01/{day} (Tue) 09:00")
            inst["haystack_sessions"].append(session)
    path = tmp_path / "lme.json"
    path.write_text(json.dumps(data))
    return path


def test_longmemeval_corrections_drop_the_later_copy_of_an_identical_repeat(tmp_path):
    src = _with_repeats(tmp_path)
    plain, _ = imported("longmemeval", src, tmp_path / "plain")
    fixed, summary = imported("longmemeval", src, tmp_path / "fixed", corrections=True)
    sql = "SELECT history_id, size FROM histories ORDER BY 1"
    assert query(plain, sql) == [("lme-001be529-n0001", 1), ("lme-1e043500-n0005", 5), ("lme-58bf7951-n0003", 3)]
    assert query(fixed, sql) == [("lme-001be529-n0001", 1), ("lme-1e043500-n0005", 5), ("lme-58bf7951-n0002", 2)]
    assert query(fixed, "SELECT conversation_id, started_at FROM conversations WHERE persona_id = 'lme-58bf7951' "
                        "ORDER BY 2") == [("58bf7951:07b7a667_1", datetime(2023, 1, 10, 9, 0)),
                                          ("58bf7951:answer_280352e9", datetime(2023, 5, 20, 2, 21))]
    record = json.loads(read_meta(open_store(fixed))["corrections"])
    assert record["applied"] == [{"question_id": "58bf7951", "source_id": "58bf7951", "error_type": "REPEATED_SESSION",
                                  "action": "repeats dropped", "session_id": "07b7a667_1", "kept": "2023-01-10 09:00",
                                  "dropped": ["2023-01-12 09:00"]}]
    skipped = {s["question_id"]: s["reason"] for s in record["skipped"]}
    assert skipped["1e043500"] == "the copies of session d5d1f9c4 differ"
    assert skipped["001be529"] == "session sharegpt_SYbLHTK_0 appears 0 time(s) in the haystack, not repeated"
    assert skipped["gpt4_4929293b"] == "no such question in the input" and len(skipped) == 12
    assert "repeated session ids 2" in summary  # the input's fault is still counted
    assert summary.splitlines()[-1] == ("corrections 2026-12-02.1 (xiaowu0162/LongMemEval issue #54): 1 applied "
                                        "(1 repeats dropped), 0 flagged, 12 skipped")


def test_longmemeval_errata_list_the_issues_13_pairs():
    errata = load_corrections("longmemeval")
    assert len(errata.entries) == 13 and errata.entries["gpt4_c27434e8_abs"]["session_id"] == "8c64ce26_3"
    assert "98d7416c24c778c2fee6e6f3006e7a073259d48f" in errata.source
