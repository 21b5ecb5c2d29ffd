"""ConvoMem's other distributed forms: the repository's TestCase objects (one file or a folder tree), the same
object wrapped as a batch, category names from every naming the repository uses, and errors in the file's keys."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from importer_queries import query, row_counts

from memcurve.errors import InputFormatError
from memcurve.generators.importers import import_dataset
from memcurve.generators.importers.convomem import CATEGORY_NAMES

TREE = Path(__file__).parent / "fixtures" / "convomem_test_cases"
CASE = TREE / "locomo" / "category_1_basic_facts" / "dataset_0.json"


def test_test_case_object_gives_its_conversations_fillers_and_context_size(tmp_path):
    out = tmp_path / "case.duckdb"
    summary = import_dataset("convomem", CASE, out, force=False)
    assert row_counts(out) == {"personas": 1, "conversations": 5, "messages": 12, "questions": 2, "evidence": 2,
                               "histories": 1, "history_conversations": 5, "history_questions": 2}
    assert query(out, "SELECT history_id, size FROM histories") == [("dataset_0-n0005", 5)]
    kinds = query(out, "SELECT c.topic, c.kind FROM history_conversations h JOIN conversations c "
                       "USING (conversation_id) ORDER BY h.position")
    assert kinds == [("fx_filler_a", "filler"), ("fx_0_session_1", "evidence"), ("fx_filler_b", "filler"),
                     ("fx_0_session_2", "evidence"), ("fx_filler_c", "filler")]
    (attributes,) = query(out, "SELECT attributes FROM personas")[0]
    assert json.loads(attributes) == {"source": "convomem", "person_ids": ["fx_0"], "context_size": 5,
                                      "fillers": 3}
    rows = query(out, "SELECT q.question_id, q.category, q.question_type, m.text FROM questions q "
                      "JOIN evidence e USING (question_id) JOIN messages m USING (message_id) ORDER BY 1")
    assert rows == [
        ("dataset_0:q000", "multi_hop", "convomem/category_1_basic_facts",
         "The one on Elm Street, Thursdays at six."),
        ("dataset_0:q001", "multi_hop", "convomem/category_1_basic_facts",
         "My sister Ines moved to Porto last month."),
    ]
    assert "faults: none" in summary and "contextSize differs" not in summary


def test_folder_tree_of_test_cases(tmp_path):
    out = tmp_path / "tree.duckdb"
    summary = import_dataset("convomem", TREE, out, force=False)
    assert query(out, "SELECT history_id, size FROM histories ORDER BY 1") == [
        ("locomo/category_1_basic_facts/dataset_0-n0005", 5), ("locomo/category_5_abstention/dataset_0-n0003", 3)]
    assert summary.splitlines()[1] == "questions per category: abstention 1, multi_hop 2"
    assert query(out, "SELECT answer_kind, is_abstention FROM questions WHERE category = 'abstention'") == [
        ("abstention", True)]


def test_same_object_wrapped_in_a_batch_imports_the_same(tmp_path):
    batch = tmp_path / "batched_000.json"
    batch.write_text("[" + CASE.read_text() + "]")
    one, wrapped = tmp_path / "one.duckdb", tmp_path / "wrapped.duckdb"
    import_dataset("convomem", CASE, one, force=False)
    import_dataset("convomem", batch, wrapped, force=False)
    assert row_counts(one) == row_counts(wrapped)
    sql = "SELECT category, text, answer, evidence_count FROM questions ORDER BY question_id"
    assert query(one, sql) == query(wrapped, sql)


def test_loose_file_takes_the_items_locomo_category(tmp_path):
    loose = tmp_path / "loose.json"
    shutil.copy(CASE, loose)
    import_dataset("convomem", loose, tmp_path / "out.duckdb", force=False)
    assert query(tmp_path / "out.duckdb", "SELECT DISTINCT category, question_type FROM questions") == [
        ("multi_hop", "convomem/locomo_category_1")]


@pytest.mark.parametrize("name, category", [
    ("locomo_category_1", "multi_hop"), ("locomo_category_2", "temporal"), ("locomo_category_3", "open_domain"),
    ("locomo_category_4", "single_hop"), ("locomo_category_5", "abstention"), ("category_4_multi_session", "single_hop"),
    ("knowledge_updates", "changing_facts"), ("multi_session", "aggregation"), ("UserFactsEvidence", "user_facts"),
    ("implicit_connection_evidence", "implicit_connections"), ("TemporalEvidence", "temporal"),
])
def test_every_category_naming_is_mapped_explicitly(name, category):
    assert CATEGORY_NAMES[name] == category


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "dataset_0.json"
    path.write_text(json.dumps(data))
    return path


def test_errors_quote_the_files_own_keys(tmp_path):
    data = json.loads(CASE.read_text())
    del data["evidenceItems"][1]["question"]
    with pytest.raises(InputFormatError, match=r"^dataset_0.json: evidenceItems\[1\]: field 'question' missing$"):
        import_dataset("convomem", _write(tmp_path, data), tmp_path / "out.duckdb", force=False)
    data = json.loads(CASE.read_text())
    data["evidenceItems"][0]["category"] = "locomo_category_9"
    with pytest.raises(InputFormatError, match=r"^dataset_0.json: evidenceItems\[0\]: field 'category' does not name"):
        import_dataset("convomem", _write(tmp_path, data), tmp_path / "out.duckdb", force=False)
    assert not (tmp_path / "out.duckdb").exists()


def test_camel_case_evidence_file_errors_say_evidenceItems(tmp_path):
    data = json.loads(CASE.read_text())
    evidence_file = {"evidenceItems": data["evidenceItems"], "checkpoint": "abc123"}
    del evidence_file["evidenceItems"][0]["answer"]
    with pytest.raises(InputFormatError, match=r"^dataset_0.json: evidenceItems\[0\]: field 'answer' missing$"):
        import_dataset("convomem", _write(tmp_path, evidence_file), tmp_path / "out.duckdb", force=False)


def test_evidence_file_is_not_read_as_a_test_case(tmp_path):
    data = json.loads(CASE.read_text())
    out = tmp_path / "out.duckdb"
    import_dataset("convomem", _write(tmp_path, {"evidenceItems": data["evidenceItems"], "checkpoint": "abc"}), out,
                   force=False)
    assert query(out, "SELECT count(*), max(size) FROM histories") == [(2, 1)]  # each item its own history


@pytest.mark.parametrize("data, message", [
    ({"conversations": [], "contextSize": 0}, "an object with keys contextSize, conversations is neither"),
    ({"items": []}, "an object with keys items is neither"),
    ({"evidence_items": [], "evidenceItems": []}, "has both evidence_items and evidenceItems"),
])
def test_object_of_neither_shape_is_refused(tmp_path, data, message):
    with pytest.raises(InputFormatError, match=f"^dataset_0.json: top level: {message}"):
        import_dataset("convomem", _write(tmp_path, data), tmp_path / "out.duckdb", force=False)


def test_batch_record_of_neither_shape_names_the_record(tmp_path):
    path = tmp_path / "batched_000.json"
    path.write_text(json.dumps([json.loads(CASE.read_text()), {"conversations": []}]))
    with pytest.raises(InputFormatError, match=r"^batched_000.json: record 1: an object with keys conversations"):
        import_dataset("convomem", path, tmp_path / "out.duckdb", force=False)
