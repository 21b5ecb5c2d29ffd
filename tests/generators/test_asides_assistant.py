"""Assistant recommendations and rankings said in passing, by evidence and fillers alike.

A recommendation the assistant made is one aside closing one composed reply of the conversation its
timeline slot's filler would have been; a ranking question's items are such asides in several
conversations (the user's own ratings on user turns). Fillers carry the same asides for the
recommendations and ranking kinds a persona is never asked about, every item with its one number.
"""

import json
import re

import duckdb
import pytest
from test_asides import shaped_like_its_filler

from memcurve.generators.compose import ASSISTANT_ASIDE_SHARE
from memcurve.generators.config import build_config
from memcurve.generators.generate import generate
from memcurve.generators.planting import assistant_facts, user_facts
from memcurve.generators.validate import validate

RANKINGS = {"assistant_facts": assistant_facts.RANKINGS, "user_facts": user_facts.RANKINGS}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("asides_assistant") / "bench.duckdb"
    generate(build_config({"seed": 7, "personas": 3, "sizes": "1,10,40", "questions_per_category": 8,
                           "categories": "assistant_facts,user_facts"}), out, force=False, progress=False)
    return out


@pytest.fixture(scope="module")
def con(store):
    with duckdb.connect(str(store), read_only=True) as c:
        yield c


def _attributes(con) -> dict[str, dict]:
    return {pid: json.loads(a) for pid, a in con.execute("SELECT persona_id, attributes FROM personas").fetchall()}


def test_the_store_validates(store):
    report = validate(store)
    assert report.ok, report.render()


def test_a_recommendation_closes_a_reply_of_a_conversation_shaped_like_its_filler(con):
    rows = con.execute("""
        SELECT q.question_id, q.answer, m.speaker, m.text, c.conversation_id, c.persona_id, c.started_at
        FROM questions q JOIN evidence e USING (question_id) JOIN messages m USING (message_id)
             JOIN conversations c USING (conversation_id)
        WHERE q.category = 'assistant_facts' AND q.question_type NOT LIKE '%/rank_%' AND NOT e.restates""").fetchall()
    assert len(rows) >= 4
    compared = 0
    for qid, answer, speaker, text, cid, pid, started in rows:
        assert speaker == "assistant" and answer in text.split("\n\n")[-1], qid  # the closing paragraph names it
        shaped = shaped_like_its_filler(con, cid, pid, started)
        assert shaped is not False, qid
        compared += shaped is True
    assert compared >= 1


def test_fillers_replies_mention_never_asked_recommendations_and_rankings(con):
    for pid, attrs in _attributes(con).items():
        decoys = attrs["mentions_in_passing"]
        values = [attrs["recommended_by_assistant"][s] for s in decoys if s in attrs["recommended_by_assistant"]]
        values += [item for kind in decoys if kind in assistant_facts.RANKINGS
                   for item in assistant_facts.RANKINGS[kind][0]()]
        assert len(values) > 2, pid
        texts = [t for (t,) in con.execute("""SELECT m.text FROM messages m JOIN conversations c USING (conversation_id)
                                              WHERE c.persona_id = ? AND c.kind = 'filler' AND m.speaker = 'assistant'""",
                                           [pid]).fetchall()]
        mentioning = sum(any(v in t for v in values) for t in texts) / len(texts)
        assert ASSISTANT_ASIDE_SHARE - 0.25 <= mentioning <= ASSISTANT_ASIDE_SHARE + 0.05, (pid, mentioning)


def test_decoys_are_never_asked(con):
    for pid, attrs in _attributes(con).items():
        decoys = set(attrs["mentions_in_passing"])
        assert sum(d in assistant_facts.RANKINGS for d in decoys) == 1
        assert sum(d in user_facts.RANKINGS for d in decoys) == 1
        assert len(decoys & set(attrs["recommended_by_assistant"])) == 2
        asked = {t.split("/", 1)[1] for (t,) in con.execute(
            "SELECT DISTINCT question_type FROM questions WHERE persona_id = ?", [pid]).fetchall()}
        assert asked and not decoys & asked, pid


def test_a_decoy_item_is_always_said_with_its_one_number(con):
    attrs = _attributes(con)
    checked = 0
    for category, rankings in RANKINGS.items():
        for kind, (pool, (lo, hi), _, slot) in rankings.items():
            items = {item: user_facts.spec(kind, item, lo, hi) for item in pool()}
            pids = [pid for pid, a in attrs.items() if kind in a["mentions_in_passing"]]
            speaker = "assistant" if category == "assistant_facts" else "user"
            for pid in pids:  # the stating turns (the other speaker's acknowledgements may leave the number out)
                stated = con.execute("""SELECT f.value, m.text FROM facts f JOIN messages m USING (message_id)
                                        WHERE f.persona_id = ? AND f.slot = ? AND f.subject = ? AND m.speaker = ?""",
                                     [pid, slot, speaker, speaker]).fetchall()
                assert stated, (pid, kind)
                for item, text in stated:
                    assert item in text and re.search(rf"\b{items[item]}\b", text), (item, items[item], text)
                checked += len(stated)
    assert checked > 50


def test_a_ranking_is_answered_by_its_evidence_alone(con):
    questions = con.execute("""SELECT question_id, question_type, answer FROM questions
                               WHERE question_type LIKE '%/rank_%'""").fetchall()
    assert len(questions) >= 4
    for qid, qtype, answer in questions:
        category, kind = qtype.split("/")
        pool, (lo, hi), pick, _ = RANKINGS[category][kind]
        evidence = con.execute("""SELECT m.conversation_id, m.position, m.text FROM evidence e
                                  JOIN messages m USING (message_id) WHERE e.question_id = ? AND NOT e.restates""",
                           [qid]).fetchall()
        named = {item for item in pool() for _, _, text in evidence if item in text}
        best = (max if pick == "max" else min)(named, key=lambda item: user_facts.spec(kind, item, lo, hi))
        assert best == answer and len(named) == len(evidence), qid
        # nothing else in any history asking it names an item of that kind, but the evidence's acknowledgement
        allowed = {(cid, pos) for cid, pos, _ in evidence} | {(cid, pos + 1) for cid, pos, _ in evidence}
        others = con.execute("""
            SELECT DISTINCT m.conversation_id, m.position, m.text FROM history_questions hq
            JOIN history_conversations hc USING (history_id) JOIN messages m USING (conversation_id)
            WHERE hq.question_id = ?""", [qid]).fetchall()
        stray = [(cid, pos) for cid, pos, text in others if (cid, pos) not in allowed
                 and any(item in text for item in pool())]
        assert not stray, (qid, stray[:3])
