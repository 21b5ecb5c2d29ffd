"""Topical distractors: other people's values of the questions' slots, in numbers that grow with the history,
never the user's own value; validate's no_competing_value examines them and audit prints how many there are."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pytest

import defects
from memcurve.generators.audit import AuditReport, _distractor_section
from memcurve.generators.config import build_config
from memcurve.generators.generate import generate
from memcurve.generators.personas import DISTRACTORS_PER_SLOT, NEGATIVE_SLOTS, make_persona
from memcurve.generators.validate import validate

SIZES = (10, 50, 150)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("distract") / "bench.duckdb"
    # 6 personas: a hard negative names one of 26 slots at random, so with 3 personas one slot or another went
    # unsaid in about 1 store in 5 (seed changes and text changes reshuffle which)
    generate(build_config({"seed": 5, "personas": 6, "sizes": ",".join(map(str, SIZES)), "length": "short"}),
             path, force=False, progress=False)
    return path


def _rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_each_person_has_one_value_per_slot_and_the_user_never_shares_it(store):
    people = _rows(store, """
        SELECT persona_id, slot, count(DISTINCT subject), count(DISTINCT value),
               count(DISTINCT subject || '=' || value)
        FROM facts WHERE subject NOT IN ('user', 'assistant') GROUP BY 1, 2""")
    assert {slot for _, slot, *_ in people} == set(NEGATIVE_SLOTS)  # every slot's distractors were said
    for _persona, _slot, subjects, values, pairs in people:
        assert subjects == values == pairs <= DISTRACTORS_PER_SLOT  # a person always names the same value
    shared = _rows(store, """
        SELECT d.persona_id, d.slot, d.value FROM facts d JOIN facts u
            ON u.persona_id = d.persona_id AND u.slot = d.slot AND u.value = d.value
        WHERE d.subject NOT IN ('user', 'assistant') AND u.subject IN ('user', 'assistant')""")
    assert shared == []


def test_personas_draw_distinct_people_and_values_other_than_their_own():
    for index in range(40):
        persona = make_persona(index, random.Random(f"t:{index}"))
        own = {**persona.facts, **persona.recommended}
        assert set(persona.distractors) == set(NEGATIVE_SLOTS)
        for slot, people in persona.distractors.items():
            subjects, values = zip(*people)
            assert len(set(subjects)) == len(set(values)) == DISTRACTORS_PER_SLOT
            assert own.get(slot) not in values
            assert persona.others[slot] == people[0]  # abstention's evidence is the first of them
        assert not any(v.startswith("my ") for v in persona.distractor_values("event"))


def _distractors(path: Path) -> dict:
    report = AuditReport()
    _distractor_section(report, path)
    return report.figures["distractors"]


def test_distractors_per_question_history_grow_with_size(store):
    figures = _distractors(store)
    # a quarter of the fillers over 26 slots, in nested histories: growth in proportion to the size
    every = [figures[("all", s)] for s in SIZES]
    assert 0 < every[0] < every[1] < every[2] and every[2] >= 3 * every[0], every
    abstention = [figures[("abstention", s)] for s in SIZES]
    assert abstention[0] < abstention[1] < abstention[2], abstention
    for category in ("aggregation", "assistant_facts", "changing_facts", "temporal", "user_facts"):
        assert figures[(category, 10)] <= figures[(category, 50)] < figures[(category, 150)], category
    # no slot of theirs: their only distractors are other slots' hard negatives kept on the evidence's host turn
    for category in ("preferences", "implicit_connections"):
        assert figures[(category, 150)] < figures[("user_facts", 150)], category


def test_no_competing_value_examines_the_distractors(store):
    check = validate(store).check("no_competing_value")
    assert check.ok, check.summary()
    examined = _rows(store, """
        SELECT count(DISTINCT f.fact_id) FROM facts f JOIN messages m USING (message_id)
            JOIN history_conversations hc USING (conversation_id) JOIN history_questions hq USING (history_id)
            JOIN questions q ON q.question_id = hq.question_id AND q.persona_id = f.persona_id
        WHERE f.subject NOT IN ('user', 'assistant')
          AND (f.slot = q.slot OR f.slot IN (SELECT g.slot FROM evidence e JOIN facts g USING (message_id)
                                              WHERE e.question_id = q.question_id))
          AND f.message_id NOT IN (SELECT message_id FROM evidence e WHERE e.question_id = q.question_id)""")[0][0]
    assert examined > 50
    assert f"{examined} distractor facts examined" in check.detail


def _a_distractor(path: Path, category: str) -> tuple:
    """(fact id, message id, subject, value, question id, answer) of a distractor in a history of a `category`
    question, outside that question's evidence."""
    return _rows(path, f"""
        SELECT f.fact_id, f.message_id, f.subject, f.value, q.question_id, q.answer
        FROM questions q JOIN evidence e USING (question_id) JOIN facts g ON g.message_id = e.message_id
             JOIN history_questions hq ON hq.question_id = q.question_id
             JOIN history_conversations hc ON hc.history_id = hq.history_id
             JOIN messages m ON m.conversation_id = hc.conversation_id
             JOIN facts f ON f.message_id = m.message_id AND f.slot = g.slot AND f.subject NOT IN ('user', 'assistant')
        WHERE q.category = '{category}' AND f.message_id <> e.message_id
        ORDER BY f.fact_id, q.question_id LIMIT 1""")[0]


def test_a_distractor_that_does_not_say_whose_it_is_fails(store, tmp_path):
    db = defects.copy_db(store, tmp_path / "copy.duckdb")
    fact, message, subject, _value, question, _answer = _a_distractor(db, "aggregation")
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE messages SET text = replace(replace(text, 'My ' || ?, 'I'), 'my ' || ?, 'I') "
                    "WHERE message_id = ?", [subject, subject, message])
    check = validate(db).check("no_competing_value")
    reasons = {f.id: f.reason for f in check.failures if fact in f.reason}
    assert question in reasons and "reads as the user's" in reasons[question]


def test_a_distractor_stating_the_users_answer_fails(store, tmp_path):
    db = defects.copy_db(store, tmp_path / "copy.duckdb")
    fact, message, _subject, value, question, answer = _a_distractor(db, "changing_facts")
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE facts SET value = ? WHERE fact_id = ?", [answer, fact])
        con.execute("UPDATE messages SET text = replace(text, ?, ?) WHERE message_id = ?", [value, answer, message])
    check = validate(db).check("no_competing_value")
    reasons = [f.reason for f in check.failures if f.id == question]
    assert any(f"distractor fact {fact}" in r and "the user's own value or answer" in r for r in reasons), reasons
