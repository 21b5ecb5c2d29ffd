"""LongMemEval importer: hand-written oracle and S fixtures, and malformed records."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from importer_fixtures import assert_refused, imported
from importer_queries import TABLES, query, row_counts

from memcurve.cli import main
from memcurve.errors import InputFormatError, MemcurveError
from memcurve.generators.importers import import_dataset
from memcurve.generators.schema import SCHEMA_VERSION
from memcurve.generators.store import content_hash, open_store, read_meta

FIXTURES = Path(__file__).parent / "fixtures"
ORACLE = FIXTURES / "longmemeval_oracle.json"
S_FILE = FIXTURES / "longmemeval_s.json"


@pytest.fixture
def oracle_db(tmp_path):
    out = tmp_path / "oracle.duckdb"
    import_dataset("longmemeval", ORACLE, out, force=False)
    return out


@pytest.fixture
def s_run(tmp_path):
    return imported("longmemeval", S_FILE, tmp_path)


@pytest.fixture
def s_db(s_run):
    return s_run[0]


@pytest.fixture
def s_summary(s_run):
    return s_run[1]


def test_oracle_counts_and_one_history_per_instance(oracle_db):
    counts = row_counts(oracle_db, (*TABLES, "facts"))
    assert counts == {"personas": 3, "conversations": 5, "messages": 16, "questions": 3, "evidence": 5,
                      "histories": 3, "history_conversations": 5, "history_questions": 3, "facts": 0}
    assert query(oracle_db, "SELECT history_id, persona_id, chain_id, size FROM histories ORDER BY 1") == [
        ("lme-0a995998-n0003", "lme-0a995998", "lme-0a995998", 3),
        ("lme-7161e7e2-n0001", "lme-7161e7e2", "lme-7161e7e2", 1),
        ("lme-e47becba-n0001", "lme-e47becba", "lme-e47becba", 1),
    ]
    assert query(oracle_db, "SELECT history_id, question_id FROM history_questions ORDER BY 1") == [
        ("lme-0a995998-n0003", "0a995998"), ("lme-7161e7e2-n0001", "7161e7e2"), ("lme-e47becba-n0001", "e47becba")]


def test_oracle_sessions_are_sorted_by_date(oracle_db):
    rows = query(oracle_db, """
        SELECT hc.position, c.conversation_id, c.started_at FROM history_conversations hc
        JOIN conversations c USING (conversation_id)
        WHERE hc.history_id = 'lme-0a995998-n0003' ORDER BY hc.position""")
    assert [r[1] for r in rows] == ["0a995998:answer_afa9873b_1", "0a995998:answer_afa9873b_2",
                                    "0a995998:answer_afa9873b_3"]
    assert [r[2] for r in rows] == [datetime(2023, 2, 1, 8, 30), datetime(2023, 2, 8, 19, 5),
                                    datetime(2023, 2, 15, 10, 12)]


def test_messages_keep_roles_order_and_session_dates(oracle_db):
    rows = query(oracle_db, "SELECT message_id, position, speaker, sent_at, tokens FROM messages "
                            "WHERE conversation_id = '0a995998:answer_afa9873b_2' ORDER BY position")
    start = datetime(2023, 2, 8, 19, 5)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (f"0a995998:answer_afa9873b_2:{i}", i, sp, start + timedelta(seconds=i))
        for i, sp in enumerate(["user", "assistant", "user", "assistant"])]
    assert all(r[4] > 0 for r in rows)
    tokens = query(oracle_db, "SELECT sum(tokens) FROM messages WHERE conversation_id LIKE '0a995998:%'")[0][0]
    assert query(oracle_db, "SELECT tokens FROM histories WHERE persona_id = 'lme-0a995998'")[0][0] == tokens


def test_categories_answers_and_int_answer(oracle_db, s_db):
    got = {r[0]: r[1:] for r in query(oracle_db, "SELECT question_id, category, question_type, answer, answer_kind, "
                                                 "is_abstention, asked_at FROM questions")}
    assert got["e47becba"] == ("user_facts", "single-session-user", "Business Administration", "text", False,
                               datetime(2023, 5, 30, 23, 40))
    assert got["0a995998"][:4] == ("aggregation", "multi-session", "3", "number")  # the int answer 3
    assert got["7161e7e2"][:2] == ("assistant_facts", "single-session-assistant")
    got = {r[0]: r[1:] for r in query(s_db, "SELECT question_id, category, question_type, answer_kind, "
                                            "is_abstention, rubric, answer FROM questions")}
    assert got["6ade9755"][:4] == ("changing_facts", "knowledge-update", "text", False)
    assert got["gpt4_b5c3d2e1"][:2] == ("temporal", "temporal-reasoning")
    preference = got["75832dbd"]
    assert preference[:4] == ("preferences", "single-session-preference", "rubric", False)
    assert preference[4] == preference[5] and preference[4].startswith("The user would prefer")


def test_abstention_comes_from_the_abs_id_not_the_type(s_db):
    row = query(s_db, "SELECT category, question_type, is_abstention, answer_kind, evidence_count "
                      "FROM questions WHERE question_id = 'c4a1ceb8_abs'")[0]
    assert row == ("abstention", "single-session-user", True, "abstention", 1)
    assert query(s_db, "SELECT count(*) FROM questions WHERE is_abstention")[0][0] == 1


def test_evidence_is_has_answer_turns_in_time_order(oracle_db, s_db):
    ev = lambda db, q: [r[0] for r in query(db, "SELECT message_id FROM evidence WHERE question_id = ? "  # noqa: E731
                                                "ORDER BY ordinal", q)]
    assert ev(oracle_db, "e47becba") == ["e47becba:answer_280352e9:0"]
    assert ev(oracle_db, "7161e7e2") == ["7161e7e2:answer_sharegpt_hChsWOp_0:1"]  # an assistant turn
    assert ev(oracle_db, "0a995998") == ["0a995998:answer_afa9873b_1:0", "0a995998:answer_afa9873b_2:2",
                                         "0a995998:answer_afa9873b_3:0"]
    assert ev(s_db, "6ade9755") == ["6ade9755:answer_7a1b2c3d_1:0", "6ade9755:answer_7a1b2c3d_2:0"]
    assert query(oracle_db, "SELECT evidence_count FROM questions WHERE question_id = '0a995998'")[0][0] == 3


def test_no_marked_turn_falls_back_to_answer_session_user_turns(s_db, s_summary):
    assert [r[0] for r in query(s_db, "SELECT message_id FROM evidence WHERE question_id = 'gpt4_b5c3d2e1' "
                                      "ORDER BY ordinal")] == ["gpt4_b5c3d2e1:answer_b5c3d2e1_1:0",
                                                               "gpt4_b5c3d2e1:answer_b5c3d2e1_2:0"]
    meta = read_meta(open_store(s_db))
    assert json.loads(meta["longmemeval_session_level_evidence"]) == ["gpt4_b5c3d2e1"]
    assert "questions with session-level evidence only 1" in s_summary


def test_conversation_kinds_and_topics(s_db):
    rows = dict(query(s_db, "SELECT conversation_id, kind FROM conversations WHERE persona_id = 'lme-6ade9755'"))
    assert rows == {"6ade9755:sharegpt_yywfHw5_0": "filler", "6ade9755:answer_7a1b2c3d_1": "evidence",
                    "6ade9755:ultrachat_412031": "filler", "6ade9755:answer_7a1b2c3d_2": "evidence",
                    "6ade9755:5f2e9a1c_3": "filler"}
    assert query(s_db, "SELECT topic FROM conversations WHERE conversation_id = '6ade9755:ultrachat_412031'") == [
        ("ultrachat_412031",)]


def test_early_question_date_is_kept_and_counted(s_db, s_summary):
    asked, last = query(s_db, "SELECT q.asked_at, max(c.started_at) FROM questions q JOIN conversations c "
                              "ON c.persona_id = q.persona_id WHERE q.question_id = '6ade9755' GROUP BY 1")[0]
    assert asked == datetime(2023, 5, 30, 9, 15) and last == datetime(2023, 5, 30, 21, 5)
    assert "question date before last session 1" in s_summary
    faults = json.loads(read_meta(open_store(s_db))["import_faults"])
    assert faults["question date before last session"] == 1


def test_summary_and_meta(s_db, s_summary):
    assert s_summary.splitlines()[0].endswith(
        "4 personas, 12 conversations, 26 messages, 4 questions, 6 evidence links, 4 histories")
    assert "questions per category: abstention 1, changing_facts 1, preferences 1, temporal 1" in s_summary
    meta = read_meta(open_store(s_db))
    assert meta["source"] == "longmemeval" and meta["input"] == "longmemeval_s.json"
    assert meta["input_sha256"] == hashlib.sha256(S_FILE.read_bytes()).hexdigest()
    assert meta["importer_version"] == "1" and meta["seed"] == "0" and meta["config"] == "{}"
    assert meta["schema_version"] == str(SCHEMA_VERSION) and "created_at" in meta


def test_same_input_same_content(tmp_path, s_db):
    again = tmp_path / "again.duckdb"
    import_dataset("longmemeval", S_FILE, again, force=False)
    assert content_hash(open_store(again)) == content_hash(open_store(s_db))


def test_repeated_session_id_gets_a_suffix(tmp_path):
    data = json.loads(ORACLE.read_text())
    inst = data[0]
    inst["haystack_session_ids"].append(inst["haystack_session_ids"][0])
    inst["haystack_dates"].append("2023/05/21 (Sun) 10:00")
    inst["haystack_sessions"].append(copy.deepcopy(inst["haystack_sessions"][0]))
    src = tmp_path / "dup.json"
    src.write_text(json.dumps(data))
    summary = import_dataset("longmemeval", src, tmp_path / "dup.duckdb", force=False)
    assert "repeated session ids 1" in summary
    assert [r[0] for r in query(tmp_path / "dup.duckdb", "SELECT conversation_id FROM history_conversations "
                                "WHERE history_id = 'lme-e47becba-n0002' ORDER BY position")] == [
        "e47becba:answer_280352e9", "e47becba:answer_280352e9~2"]


def test_cli_import(tmp_path, capsys):
    out = tmp_path / "cli.duckdb"
    assert main(["import", "longmemeval", str(ORACLE), "--out", str(out)]) == 0
    assert "3 questions" in capsys.readouterr().out
    assert main(["import", "longmemeval", str(ORACLE), "--out", str(out)]) == 2  # exists, no --force
    assert "already exists" in capsys.readouterr().err


# ------------------------------------------------------------------------------------- malformed input
def _break(record: int, change) -> list:
    data = json.loads(ORACLE.read_text())
    change(data[record])
    return data


MALFORMED = [
    (lambda d: d.pop("haystack_dates"), "record 1 (question_id '0a995998'): field 'haystack_dates' missing"),
    (lambda d: d.update(question_date="May 30th"),
     "record 1 (question_id '0a995998'): field 'question_date' is not a date like"),
    (lambda d: d["haystack_dates"].__setitem__(2, "2023/02/30 (Thu) 19:05"),
     "record 1 (question_id '0a995998'): field 'haystack_dates[2]' is not a valid date"),
    (lambda d: d.update(question_type="single-hop"),
     "record 1 (question_id '0a995998'): field 'question_type' is 'single-hop'; valid: single-session-user"),
    (lambda d: d["haystack_sessions"][1][0].update(role="system"),
     "record 1 (question_id '0a995998'): field 'haystack_sessions[1][0].role' is 'system'; valid: user, assistant"),
    (lambda d: d["haystack_sessions"][0][1].pop("content"),
     "record 1 (question_id '0a995998'): field 'haystack_sessions[0][1].content' missing"),
    (lambda d: d["haystack_dates"].pop(),
     "record 1 (question_id '0a995998'): field 'haystack_dates' has 2 entries but haystack_session_ids has 3"),
    (lambda d: d.update(answer=["a", "b"]),
     "record 1 (question_id '0a995998'): field 'answer' has type list, expected string or integer or number"),
    (lambda d: d.pop("question_id"), "record 1: field 'question_id' missing"),
    (lambda d: d["haystack_sessions"][2].__setitem__(1, "just text"),
     "record 1 (question_id '0a995998'): field 'haystack_sessions[2][1]' has type str, expected object"),
    (lambda d: d.update(question_id="e47becba"), "record 1 (question_id 'e47becba'): field 'question_id' repeats"),
]


@pytest.mark.parametrize(("change", "message"), MALFORMED)
def test_malformed_record_names_file_record_and_field(tmp_path, change, message):
    src = tmp_path / "longmemeval_bad.json"
    src.write_text(json.dumps(_break(1, change)))
    out = tmp_path / "out.duckdb"
    with pytest.raises(InputFormatError) as err:
        import_dataset("longmemeval", src, out, force=False)
    assert str(err.value).startswith(f"longmemeval_bad.json: {message}")
    assert "\n" not in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["longmemeval_bad.json"]  # no output, no temp file


@pytest.mark.parametrize(("text", "message"), [
    ('{"question_id": "x"}', "expected a JSON array"),
    ("[]", "no LongMemEval instances"),
    (ORACLE.read_text()[:1500], "malformed JSON after record 0"),
    ("[1, 2]", "record 0: expected an object, got int"),
])
def test_malformed_file(tmp_path, text, message):
    assert_refused("longmemeval", tmp_path, "lme.json", text, message)


def test_failed_import_leaves_existing_output_untouched(tmp_path, capsys):
    out = tmp_path / "bench.duckdb"
    import_dataset("longmemeval", ORACLE, out, force=False)
    before = hashlib.sha256(out.read_bytes()).hexdigest()
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(_break(2, lambda d: d.pop("answer_session_ids"))))
    assert main(["import", "longmemeval", str(src), "--out", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert err == ("memcurve: error: bad.json: record 2 (question_id '7161e7e2'): field 'answer_session_ids' "
                   "missing\n")
    assert hashlib.sha256(out.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "bench.duckdb"]


def test_unknown_format_and_missing_path(tmp_path):
    with pytest.raises(MemcurveError, match="unknown import format 'halumem'"):
        import_dataset("halumem", ORACLE, tmp_path / "x.duckdb", force=False)
    with pytest.raises(MemcurveError, match="no such file"):
        import_dataset("longmemeval", tmp_path / "missing.json", tmp_path / "x.duckdb", force=False)
