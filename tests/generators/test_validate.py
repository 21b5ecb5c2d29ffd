"""memcurve validate: passes on good benchmarks and names the check and the ids of each planted defect."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import defects
from memcurve.cli import main
from memcurve.generators.config import build_config
from memcurve.generators.generate import generate
from memcurve.generators.validate import CHECKS, validate

CHECK_NAMES = [name for name, _ in CHECKS]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """Real generator output: 2 personas, every category, histories of 1, 3 and 10 conversations."""
    out = tmp_path_factory.mktemp("gen") / "bench.duckdb"
    config = build_config({"seed": 7, "personas": 2, "sizes": "1,3,10"})
    generate(config, out, force=False, progress=False)
    return out


@pytest.fixture
def rich(tmp_path) -> Path:
    return defects.build_rich_store(tmp_path / "rich.duckdb")


@pytest.fixture(params=["rich", "generated"])
def good_db(request, tmp_path, generated) -> Path:
    """A writable copy of a good benchmark: the hand-built one and real generator output."""
    src = defects.build_rich_store(tmp_path / "src.duckdb") if request.param == "rich" else generated
    return defects.copy_db(src, tmp_path / "copy.duckdb")


def failing(report) -> dict[str, list[str]]:
    return {c.name: c.failing_ids for c in report.checks if not c.ok}


def test_every_check_passes_on_the_tiny_store(tiny_store):
    report = validate(tiny_store)
    assert report.ok, report.render()
    assert [c.name for c in report.checks] == CHECK_NAMES
    assert report.check("evidence_present").checked == 3
    assert report.check("temporal_recomputed").checked == 1
    assert report.check("abstention_unplanted").checked == 1


def test_every_check_runs_and_passes_on_the_hand_built_store(rich):
    report = validate(rich)
    assert report.ok, report.render()
    checked = {c.name: c.checked for c in report.checks}
    assert checked == {"evidence_present": 5, "answer_in_evidence": 3, "no_competing_value": 4,
                       "changing_final": 1, "expiry_respected": 0, "abstention_unplanted": 1,
                       "temporal_recomputed": 1, "overlap_recorded": 5,
                       "no_duplicate_conversation": 2, "no_duplicate_text": 2, "history_order": 2, "nesting": 2}
    assert not any(c.skipped for c in report.checks)


def test_generated_output_validates(generated):
    report = validate(generated)
    assert report.ok, report.render()
    with duckdb.connect(str(generated), read_only=True) as con:
        n_questions, n_histories, n_changing, n_temporal = con.execute("""
            SELECT (SELECT count(*) FROM questions), (SELECT count(*) FROM histories),
                   (SELECT count(*) FROM questions WHERE category = 'changing_facts'),
                   (SELECT count(*) FROM questions WHERE question_type LIKE 'temporal/%')""").fetchone()
    assert report.check("evidence_present").checked == n_questions
    assert report.check("nesting").checked == n_histories
    assert report.check("changing_final").checked == n_changing > 0
    assert report.check("temporal_recomputed").checked == n_temporal > 0
    assert report.check("no_competing_value").checked > 0


def test_hard_negative_of_another_subject_is_not_a_competing_value(rich):
    # conversation 2 says "her dog Pepper" (the sister's, registered in facts) inside the user's pet question's
    # histories; dropping that registration turns it into a competing value for the pet question
    assert validate(rich).check("no_competing_value").ok
    with duckdb.connect(str(rich)) as con:
        con.execute("UPDATE facts SET subject = 'user', persona_id = 'p001' WHERE fact_id = 'p000-f0001'")
    check = validate(rich).check("no_competing_value")
    assert check.failing_ids == ["p000-q0000"]
    assert {f.reason for f in check.failures} == {
        f"message p000-c0002-m00 in history {h} states competing pet_name Pepper" for h in defects.HISTORIES}


def test_filler_with_a_competing_value_is_caught(good_db):
    qids = defects.plant_competing_value(good_db)
    report = validate(good_db)
    assert not report.ok and qids
    assert failing(report) == {"no_competing_value": qids}
    assert all("states competing" in f.reason for f in report.failures("no_competing_value"))


def test_missing_evidence_message_is_caught(good_db):
    message_id, qids = defects.delete_evidence_message(good_db)
    report = validate(good_db)
    check = report.check("evidence_present")
    assert check.failing_ids == qids
    assert f"evidence message {message_id} does not exist" in {f.reason for f in check.failures}
    assert set(failing(report)) <= {"evidence_present", "answer_in_evidence"}


def test_wrong_temporal_answer_is_caught(good_db):
    qid = defects.wrong_temporal_answer(good_db)
    report = validate(good_db)
    assert failing(report) == {"temporal_recomputed": [qid]}
    assert "recomputed" in report.failures("temporal_recomputed")[0].reason


def test_a_question_reworded_after_generation_is_caught_by_its_overlap(good_db):
    qid = defects.quote_into_question(good_db)
    report = validate(good_db)
    assert failing(report) == {"overlap_recorded": [qid]}
    reason = report.failures("overlap_recorded")[0].reason
    assert reason.startswith("recorded overlap ") and "(high)" in reason.split("give")[1]


def test_duplicated_conversation_is_caught(good_db):
    hid = defects.duplicate_conversation(good_db)
    report = validate(good_db)
    assert report.check("no_duplicate_conversation").failing_ids == [hid]
    # the copy also breaks the order and the size of that history, and repeats its texts where the history
    # is its chain's largest (the one no_duplicate_text reads); nothing else
    with duckdb.connect(str(good_db)) as con:
        largest = con.execute("""SELECT history_id = ? FROM histories WHERE chain_id =
                                 (SELECT chain_id FROM histories WHERE history_id = ?)
                                 ORDER BY size DESC LIMIT 1""", [hid, hid]).fetchone()[0]
    expected = {"no_duplicate_conversation": [hid], "history_order": [hid]}
    assert failing(report) == (expected | {"no_duplicate_text": [hid]} if largest else expected)


def test_repeated_message_text_is_caught(good_db):
    with duckdb.connect(str(good_db)) as con:
        hid, a, b = con.execute("""
            SELECT hc.history_id, min(m.message_id), max(m.message_id)
            FROM history_conversations hc JOIN messages m ON m.conversation_id = hc.conversation_id
            WHERE hc.history_id = (SELECT max(history_id) FROM histories
                                   WHERE size = (SELECT max(size) FROM histories))
              AND m.speaker = 'assistant'
            GROUP BY 1""").fetchone()
        con.execute("UPDATE messages SET text = (SELECT text FROM messages WHERE message_id = ?) WHERE message_id = ?",
                    [a, b])
    report = validate(good_db)
    dup = report.check("no_duplicate_text")
    assert hid in dup.failing_ids
    assert any(f"message text of {a} occurs 2 times" == f.reason for f in dup.failures)


def test_wrong_changing_final_value_is_caught(good_db):
    qid = defects.wrong_changing_final(good_db)
    report = validate(good_db)
    assert report.check("changing_final").failing_ids == [qid]
    assert "the chain ends with" in report.failures("changing_final")[0].reason
    # the real final value now competes with the (wrong) answer as well
    assert report.check("no_competing_value").failing_ids == [qid]


def test_planted_abstention_slot_is_caught(good_db):
    qid = defects.plant_abstention_slot(good_db)
    report = validate(good_db)
    check = report.check("abstention_unplanted")
    assert qid in check.failing_ids
    assert all("planted-defect" in f.reason for f in check.failures)


def test_changing_chain_out_of_order_is_caught(rich):
    with duckdb.connect(str(rich)) as con:  # Leeds points at the podcast fact instead of York
        con.execute("UPDATE facts SET superseded_by = 'p000-f0002' WHERE fact_id = 'p000-f0000'")
    report = validate(rich)
    assert failing(report) == {"changing_final": ["p000-q0002"]}
    assert report.failures("changing_final")[0].reason == "fact p000-f0000 superseded_by p000-f0002, expected p000-f0004"


def test_evidence_outside_a_history_and_late_question_are_caught(rich):
    small = "p000-h00-n0006"
    with duckdb.connect(str(rich)) as con:  # drop the dog-walk conversation (evidence) from the small history
        con.execute("DELETE FROM history_conversations WHERE history_id = ? AND conversation_id = 'p000-c0004'",
                    [small])
        con.execute("UPDATE questions SET asked_at = TIMESTAMP '2024-03-10 00:00' WHERE question_id = 'p000-q0001'")
    report = validate(rich)
    evidence = report.check("evidence_present")
    assert f"evidence message p000-c0004-m00 is not in history {small}" in {f.reason for f in evidence.failures}
    assert evidence.failing_ids == ["p000-q0000", "p000-q0001", "p000-q0003"]  # q0001: sent after asked_at
    order = report.check("history_order")
    assert order.failing_ids == ["p000-h00-n0006", "p000-h00-n0008"]  # size mismatch; q0001 asked too early
    assert set(failing(report)) == {"evidence_present", "history_order"}  # still nested: a subset


def test_imported_data_without_facts_skips_fact_checks(rich):
    with duckdb.connect(str(rich)) as con:
        con.execute("DELETE FROM facts")
        con.execute("UPDATE meta SET value = 'import.longmemeval' WHERE key = 'source'")
    report = validate(rich)
    skipped = [c.name for c in report.checks if c.skipped]
    assert skipped == ["no_competing_value", "changing_final", "expiry_respected", "abstention_unplanted",
                       "temporal_recomputed", "no_duplicate_text"]
    assert report.ok
    assert "n/a   no_competing_value               0 questions examined; not applicable: " in report.render()


def test_generated_data_without_facts_fails_rather_than_skips(rich):
    with duckdb.connect(str(rich)) as con:
        con.execute("DELETE FROM facts")
        con.execute("UPDATE meta SET value = 'memcurve.generate' WHERE key = 'source'")
    report = validate(rich)
    assert not any(c.skipped for c in report.checks)
    assert report.check("changing_final").failing_ids == ["p000-q0002"]
    assert report.check("temporal_recomputed").failing_ids == ["p000-q0004"]


def test_render_names_each_check_and_the_first_failures(good_db):
    qid = defects.wrong_temporal_answer(good_db)
    text = validate(good_db).render()
    lines = text.splitlines()
    assert "1 check failed: temporal_recomputed" in lines[0]
    for name in CHECK_NAMES:
        assert any(line.split()[1:2] == [name] for line in lines), name
    assert any(line.startswith("FAIL  temporal_recomputed") for line in lines)
    assert f"      {qid}: answer" in text


def test_cli_validate_exit_codes(good_db, capsys):
    assert main(["validate", str(good_db)]) == 0
    assert "all checks passed" in capsys.readouterr().out
    defects.duplicate_conversation(good_db)
    assert main(["validate", str(good_db)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  no_duplicate_conversation" in out


def test_value_inside_a_longer_recorded_value_is_not_a_mention(rich):
    # "Mango" is another persona's pet name; inside "Mango Tree Cafe" (a recorded restaurant) it names no pet
    with duckdb.connect(str(rich)) as con:
        con.execute("INSERT INTO facts VALUES ('p001-f0001', 'p001', 'user', 'restaurant', 'Mango Tree Cafe', "
                    "TIMESTAMP '2024-03-01 10:00', NULL, NULL, 'p001-c0000-m01')")
        con.execute("UPDATE messages SET text = 'We had lunch at Mango Tree Cafe, then I froze.' "
                    "WHERE message_id = 'p000-c0005-m00'")
    assert validate(rich).check("no_competing_value").ok
    with duckdb.connect(str(rich)) as con:
        con.execute("UPDATE messages SET text = 'Mango needs a walk, then the spreadsheet.' "
                    "WHERE message_id = 'p000-c0005-m00'")
    check = validate(rich).check("no_competing_value")
    assert check.failing_ids == ["p000-q0000"]
    assert check.failures[0].reason == (
        "message p000-c0005-m00 in history p000-h00-n0006 states competing pet_name Mango")


def test_default_generate_output_validates_through_the_cli(tmp_path, capsys):
    out = tmp_path / "bench.duckdb"
    assert main(["generate", "--out", str(out), "--quiet"]) == 0  # the default config: ConvoMem's size grid
    capsys.readouterr()
    assert main(["validate", str(out)]) == 0
    text = capsys.readouterr().out
    assert "all checks passed" in text.splitlines()[0]
    assert len(text.splitlines()) == 1 + len(CHECK_NAMES)
