"""LoCoMo importer: a hand-written two-sample locomo10-style file, and malformed records."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from importer_fixtures import assert_refused, imported
from importer_queries import query, row_counts

from memcurve.errors import InputFormatError
from memcurve.generators.importers import import_dataset
from memcurve.generators.importers.locomo import NOT_MENTIONED
from memcurve.generators.store import open_store, read_meta

LOCOMO = Path(__file__).parent / "fixtures" / "locomo10_mini.json"


@pytest.fixture
def run(tmp_path):
    return imported("locomo", LOCOMO, tmp_path)


def test_counts_and_one_history_per_sample(run):
    db, summary = run
    counts = row_counts(db)
    assert counts == {"personas": 2, "conversations": 5, "messages": 13, "questions": 8, "evidence": 10,
                      "histories": 2, "history_conversations": 5, "history_questions": 8}
    assert query(db, "SELECT history_id, persona_id, size FROM histories ORDER BY 1") == [
        ("conv-26-n0003", "conv-26", 3), ("conv-30-n0002", "conv-30", 2)]
    assert query(db, "SELECT count(*) FROM history_questions WHERE history_id = 'conv-26-n0003'")[0][0] == 6
    assert summary.splitlines()[1] == ("questions per category: abstention 2, multi_hop 2, open_domain 1, "
                                       "single_hop 2, temporal 1")
    assert summary.splitlines()[2] == "faults: unresolved evidence 1"


def test_category_codes(run):
    db, _ = run
    got = query(db, "SELECT question_id, category, question_type, is_abstention FROM questions "
                    "WHERE persona_id = 'conv-26' ORDER BY 1")
    assert got == [
        ("conv-26:q000", "temporal", "locomo/2-temporal", False),
        ("conv-26:q001", "open_domain", "locomo/3-open-domain", False),
        ("conv-26:q002", "single_hop", "locomo/4-single-hop", False),
        ("conv-26:q003", "multi_hop", "locomo/1-multi-hop", False),
        ("conv-26:q004", "abstention", "locomo/5-adversarial", True),
        ("conv-26:q005", "single_hop", "locomo/4-single-hop", False),
    ]


def test_adversarial_distractor_is_never_the_gold(run):
    db, _ = run
    rows = query(db, "SELECT answer, aliases, rubric, answer_kind FROM questions WHERE category = 'abstention' "
                     "ORDER BY question_id")
    assert [r[0] for r in rows] == [NOT_MENTIONED, NOT_MENTIONED]
    assert all(r[1] == [] and r[3] == "abstention" for r in rows)
    assert rows[0][2].startswith("distractor: self-care is important (")
    assert rows[1][2].startswith("distractor: Contemporary (")  # a code-5 item that also carries `answer`


def test_int_answer_becomes_text(run):
    db, _ = run
    assert query(db, "SELECT answer, answer_kind FROM questions WHERE question_id = 'conv-26:q005'") == [
        ("2", "number")]


def test_sessions_dates_and_question_time(run):
    db, _ = run
    rows = query(db, "SELECT c.conversation_id, c.started_at, c.kind FROM history_conversations hc "
                     "JOIN conversations c USING (conversation_id) WHERE hc.history_id = 'conv-26-n0003' "
                     "ORDER BY hc.position")
    assert rows == [("conv-26:session_1", datetime(2023, 5, 8, 13, 56), "imported"),
                    ("conv-26:session_2", datetime(2023, 5, 25, 13, 14), "imported"),
                    ("conv-26:session_3", datetime(2023, 6, 9, 19, 55), "imported")]
    assert {r[0] for r in query(db, "SELECT asked_at FROM questions WHERE persona_id = 'conv-26'")} == {
        datetime(2023, 6, 10, 19, 55)}
    sent = [r[0] for r in query(db, "SELECT sent_at FROM messages WHERE conversation_id = 'conv-30:session_2' "
                                    "ORDER BY position")]
    assert sent == [datetime(2023, 1, 29, 14, 32), datetime(2023, 1, 29, 14, 32) + timedelta(minutes=1)]


def test_speakers_names_and_image_captions(run):
    db, _ = run
    rows = dict((r[0], r[1:]) for r in query(db, "SELECT message_id, speaker, text FROM messages"))
    assert rows["conv-26:D1:1"] == ("user", "Caroline: Hey Mel! Good to see you! How have you been?")
    assert rows["conv-26:D1:4"] == ("assistant", "Melanie: Wow, that's cool! Here is what I painted last week. "
                                                 "[shares an image: a painting of a sunset over a lake]")
    assert rows["conv-30:D2:2"][0] == "user"  # Jon is speaker_a
    attrs = json.loads(query(db, "SELECT attributes FROM personas WHERE persona_id = 'conv-26'")[0][0])
    assert attrs["roles"] == {"user": "Caroline", "assistant": "Melanie"}


def test_evidence_links_in_time_order(run):
    db, _ = run
    ev = lambda q: [r[0] for r in query(db, "SELECT message_id FROM evidence WHERE question_id = ? "  # noqa: E731
                                            "ORDER BY ordinal", q)]
    assert ev("conv-26:q003") == ["conv-26:D2:1", "conv-26:D3:1"]  # listed D3:1 first
    assert ev("conv-26:q002") == ["conv-26:D1:4"]
    assert ev("conv-26:q005") == ["conv-26:D2:3"]  # D9:9 names no turn: counted, question kept
    assert query(db, "SELECT evidence_count FROM questions WHERE question_id = 'conv-26:q005'") == [(1,)]
    assert ev("conv-30:q001") == []


def test_meta(run):
    db, _ = run
    meta = read_meta(open_store(db))
    assert meta["source"] == "locomo" and meta["input"] == "locomo10_mini.json"
    assert meta["input_sha256"] == hashlib.sha256(LOCOMO.read_bytes()).hexdigest()
    assert json.loads(meta["import_faults"])["unresolved evidence"] == 1


def _break(change) -> list:
    data = json.loads(LOCOMO.read_text())
    change(data[1])
    return data


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["conversation"].pop("session_2_date_time"),
     "record 1 (sample_id 'conv-30'): field 'conversation.session_2_date_time' missing"),
    (lambda d: d["conversation"].update(session_1_date_time="teatime on 20 January, 2023"),
     "record 1 (sample_id 'conv-30'): field 'conversation.session_1_date_time' is not a date like"),
    (lambda d: d["conversation"].update(session_1_date_time="4:04 pm on 31 February, 2023"),
     "record 1 (sample_id 'conv-30'): field 'conversation.session_1_date_time' is not a valid date"),
    (lambda d: d["conversation"]["session_2"][1].update(speaker="Joan"),
     "record 1 (sample_id 'conv-30'): field 'conversation.session_2[1].speaker' is 'Joan'; valid: 'Jon', 'Gina'"),
    (lambda d: d["conversation"]["session_1"][0].pop("dia_id"),
     "record 1 (sample_id 'conv-30'): field 'conversation.session_1[0].dia_id' missing"),
    (lambda d: d["qa"][0].update(category=7),
     "record 1 (sample_id 'conv-30'): field 'qa[0].category' is 7; valid: 1 multi-hop"),
    (lambda d: d["qa"][0].pop("answer"), "record 1 (sample_id 'conv-30'): field 'qa[0].answer' missing"),
    (lambda d: d["qa"][0].update(evidence="D1:1"),
     "record 1 (sample_id 'conv-30'): field 'qa[0].evidence' has type str, expected list"),
    (lambda d: d.pop("conversation"), "record 1 (sample_id 'conv-30'): field 'conversation' missing"),
    (lambda d: d.update(sample_id="conv-26"), "record 1 (sample_id 'conv-26'): field 'sample_id' repeats"),
])
def test_malformed_record_names_file_record_and_field(tmp_path, change, message):
    src = tmp_path / "locomo_bad.json"
    src.write_text(json.dumps(_break(change)))
    with pytest.raises(InputFormatError) as err:
        import_dataset("locomo", src, tmp_path / "out.duckdb", force=False)
    assert str(err.value).startswith(f"locomo_bad.json: {message}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locomo_bad.json"]


@pytest.mark.parametrize(("text", "message"), [
    ('{"sample_id": "conv-1"}', "expected a non-empty JSON array"),
    ('[{"sample_id": "conv-1",', "malformed JSON at line 1"),
])
def test_malformed_file(tmp_path, text, message):
    assert_refused("locomo", tmp_path, "locomo.json", text, message)
