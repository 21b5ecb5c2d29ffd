"""ConvoMem importer: evidence files and a pre-mixed batch in the Hugging Face layout, and malformed input."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from importer_fixtures import imported
from importer_queries import query, row_counts

from memcurve.errors import InputFormatError
from memcurve.generators.importers import import_dataset
from memcurve.generators.importers.convomem import EPOCH
from memcurve.generators.store import open_store, read_meta

ROOT = Path(__file__).parent / "fixtures" / "convomem"
EQ = ROOT / "core_benchmark" / "evidence_questions"
USER_FILE = EQ / "user_evidence" / "2_evidence" / "3f2a9c1e-0b7d-4e55-9a61-2d0c8e4f7a10_Sales_Manager.json"
BATCH = ROOT / "core_benchmark" / "pre_mixed_testcases" / "abstention_evidence" / "1_evidence" / "batched_000.json"
U = "core_benchmark/evidence_questions/user_evidence/2_evidence/3f2a9c1e-0b7d-4e55-9a61-2d0c8e4f7a10_Sales_Manager"
PM = "core_benchmark/pre_mixed_testcases/abstention_evidence/1_evidence/batched_000"


@pytest.fixture
def run(tmp_path):
    return imported("convomem", ROOT, tmp_path)


def test_folder_counts(run):
    db, summary = run
    counts = row_counts(db)
    assert counts == {"personas": 3, "conversations": 12, "messages": 32, "questions": 7, "evidence": 9,
                      "histories": 6, "history_conversations": 12, "history_questions": 7}
    lines = summary.splitlines()
    assert lines[1] == "questions per category: abstention 3, changing_facts 1, preferences 1, user_facts 2"
    assert lines[2] == "faults: unresolved evidence 2"
    assert lines[3] == "evidence located by: exact 4, normalised 3, partial 0, levenshtein 2"
    assert lines[4] == "test cases whose contextSize differs from their conversation count: 1"


def test_categories_from_folders(run):
    db, _ = run
    rows = query(db, "SELECT category, question_type, answer_kind, is_abstention, rubric IS NOT NULL "
                     "FROM questions ORDER BY question_id")
    assert rows == [
        ("changing_facts", "convomem/changing_evidence/2_evidence", "text", False, False),
        ("preferences", "convomem/preference_evidence/1_evidence", "rubric", False, True),
        ("user_facts", "convomem/user_evidence/2_evidence", "text", False, False),
        ("user_facts", "convomem/user_evidence/2_evidence", "text", False, False),
        ("abstention", "convomem/abstention_evidence/1_evidence", "abstention", True, False),
        ("abstention", "convomem/abstention_evidence/1_evidence", "abstention", True, False),
        ("abstention", "convomem/abstention_evidence/1_evidence", "abstention", True, False),
    ]


def test_evidence_items_get_their_own_history_and_persona(run):
    db, _ = run
    assert query(db, "SELECT history_id, persona_id, size FROM histories WHERE chain_id = ?", f"{U}:0") == [
        (f"{U}:0-n0002", "cm-9d8c7b6a-5e4f-4a3b-9c2d-1e0f9a8b7c6d", 2)]
    assert query(db, "SELECT count(DISTINCT persona_id) FROM questions WHERE question_type NOT LIKE '%abstention%'"
                 ) == [(1,)]  # one person across the three evidence files


def test_evidence_located_by_text(run):
    db, _ = run
    ev = lambda q: [r[0] for r in query(db, "SELECT message_id FROM evidence WHERE question_id = ? "  # noqa: E731
                                            "ORDER BY ordinal", q)]
    assert ev(f"{U}:0") == [f"{U}:0:c000:2", f"{U}:0:c001:2"]  # a substring; a curly apostrophe (normalised)
    assert ev(f"{U}:1") == [f"{U}:1:c000:2"]  # 'early on Friday' vs 'early Friday' (Levenshtein); goggles: none
    assert query(db, "SELECT evidence_count FROM questions WHERE question_id = ?", f"{U}:1") == [(1,)]
    assert ev(f"{PM}:0:q001") == [f"{PM}:0:c000:0"]  # 'Denvr', 'windo' typos (Levenshtein)
    assert ev(f"{PM}:0:q000") == [f"{PM}:0:c002:0"]
    assert ev(f"{PM}:1:q000") == [f"{PM}:1:c001:0"]  # the flossing span is nowhere: unresolved


def test_pre_mixed_test_case_is_one_history_with_all_its_questions(run):
    db, _ = run
    assert query(db, "SELECT question_id FROM history_questions WHERE history_id = ? ORDER BY 1", f"{PM}:0-n0003") == [
        (f"{PM}:0:q000",), (f"{PM}:0:q001",)]
    rows = query(db, "SELECT hc.position, c.kind, c.topic, c.persona_id FROM history_conversations hc "
                     "JOIN conversations c USING (conversation_id) WHERE hc.history_id = ? ORDER BY 1", f"{PM}:0-n0003")
    assert [r[1] for r in rows] == ["evidence", "filler", "evidence"]
    assert rows[1][2] == "f5e1c7a6-5555-4e6f-8071-000000000009"
    assert {r[3] for r in rows} == {f"cm-{PM}:0"}
    attrs = json.loads(query(db, "SELECT attributes FROM personas WHERE persona_id = ?", f"cm-{PM}:0")[0][0])
    assert attrs["person_ids"] == ["0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9", "9d8c7b6a-5e4f-4a3b-9c2d-1e0f9a8b7c6d"]
    assert attrs["context_size"] == 3


def test_synthetic_timestamps_follow_the_order(run):
    db, _ = run
    rows = query(db, "SELECT c.started_at FROM history_conversations hc JOIN conversations c USING "
                     "(conversation_id) WHERE hc.history_id = ? ORDER BY hc.position", f"{PM}:1-n0003")
    assert [r[0] for r in rows] == [EPOCH, EPOCH + timedelta(days=1), EPOCH + timedelta(days=2)]
    assert query(db, "SELECT asked_at FROM questions WHERE question_id = ?", f"{PM}:1:q000") == [
        (datetime(2024, 1, 4, 9, 0),)]
    sent = query(db, "SELECT sent_at FROM messages WHERE conversation_id = ? ORDER BY position", f"{U}:0:c001")
    assert [r[0] for r in sent] == [EPOCH + timedelta(days=1, minutes=m) for m in range(4)]


def test_meta_lists_every_input_file(run):
    db, _ = run
    meta = read_meta(open_store(db))
    assert meta["source"] == "convomem" and meta["input"] == "4 files"
    names = [f["name"] for f in json.loads(meta["input_files"])]
    assert names == sorted(names) and f"{PM}.json" in names and len(names) == 4
    assert json.loads(meta["import_notes"])["evidence located: levenshtein"] == 2


def test_single_file_inside_the_hf_layout(tmp_path):
    summary = import_dataset("convomem", USER_FILE, tmp_path / "one.duckdb", force=False)
    assert "2 questions" in summary and "user_facts 2" in summary
    assert query(tmp_path / "one.duckdb", "SELECT min(question_id) FROM questions") == [
        ("3f2a9c1e-0b7d-4e55-9a61-2d0c8e4f7a10_Sales_Manager:0",)]


def test_category_hint_from_the_item(tmp_path):
    data = json.loads(USER_FILE.read_text())
    data["evidence_items"][0]["category"] = "assistant_facts_evidence"
    data["evidence_items"][1]["category"] = "user_facts"
    src = tmp_path / "loose.json"
    src.write_text(json.dumps(data))
    import_dataset("convomem", src, tmp_path / "out.duckdb", force=False)
    assert query(tmp_path / "out.duckdb", "SELECT category FROM questions ORDER BY question_id") == [
        ("assistant_facts",), ("user_facts",)]


def test_file_outside_the_layout_without_hint_is_an_error(tmp_path):
    src = tmp_path / "loose.json"
    shutil.copy(USER_FILE, src)
    with pytest.raises(InputFormatError, match=r"^loose.json: evidence_items\[0\]: field 'category' is a life area, not a category"):
        import_dataset("convomem", src, tmp_path / "out.duckdb", force=False)
    assert not (tmp_path / "out.duckdb").exists()


@pytest.mark.parametrize(("source", "change", "message"), [
    (USER_FILE, lambda d: d["evidence_items"][1]["conversations"][0]["messages"][1].update(speaker="Narrator"),
     "evidence_items[1]: field 'conversations[0].messages[1].speaker' is 'Narrator'; valid: User, Assistant"),
    (USER_FILE, lambda d: d["evidence_items"][0].pop("message_evidences"),
     "evidence_items[0]: field 'message_evidences' missing"),
    (USER_FILE, lambda d: d["evidence_items"][0]["message_evidences"][1].pop("text"),
     "evidence_items[0]: field 'message_evidences[1].text' missing"),
    (USER_FILE, lambda d: d.pop("evidence_items"), "top level: an object with keys checkpoint is neither a ConvoMem evidence file"),
    (BATCH, lambda d: d[1].pop("conversations"), "record 1: field 'conversations' missing"),
    (BATCH, lambda d: d[0]["evidenceItems"][1].update(answer=None),
     "record 0: evidenceItems[1]: field 'answer' missing"),
])
def test_malformed_record_names_file_record_and_field(tmp_path, source, change, message):
    folder = tmp_path / "in" / "abstention_evidence"
    folder.mkdir(parents=True)
    data = json.loads(source.read_text())
    change(data)
    (folder / "bad.json").write_text(json.dumps(data))
    out = tmp_path / "out.duckdb"
    with pytest.raises(InputFormatError) as err:
        import_dataset("convomem", tmp_path / "in", out, force=False)
    assert str(err.value) == f"abstention_evidence/bad.json: {message}" or str(err.value).startswith(
        f"abstention_evidence/bad.json: {message}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


@pytest.mark.parametrize(("text", "message"), [
    ('"just a string"', "expected a ConvoMem evidence file"),
    ('{"evidence_items": [', "malformed JSON at line 1"),
    ('[{"contextSize": 1, "evidenceItems": []', "malformed JSON after record -1|malformed JSON before the first"),
])
def test_malformed_file(tmp_path, text, message):
    src = tmp_path / "user_evidence" / "x.json"
    src.parent.mkdir()
    src.write_text(text)
    with pytest.raises(InputFormatError, match=message):
        import_dataset("convomem", src, tmp_path / "out.duckdb", force=False)
    assert not (tmp_path / "out.duckdb").exists()


def test_filler_pool_is_skipped(tmp_path):
    shutil.copytree(ROOT, tmp_path / "in")
    pool = tmp_path / "in" / "core_benchmark" / "filler_conversations"
    pool.mkdir()
    (pool / "9d8c7b6a.json").write_text('[{"id": "x", "messages": [{"speaker": "User", "text": "hi"}]}]')
    summary = import_dataset("convomem", tmp_path / "in", tmp_path / "out.duckdb", force=False)
    assert "12 conversations, 32 messages, 7 questions" in summary


def test_empty_folder(tmp_path):
    with pytest.raises(InputFormatError, match="no .json files"):
        import_dataset("convomem", tmp_path, tmp_path / "out.duckdb", force=False)
