"""Asides: facts said in passing inside ordinary composed turns, by evidence and fillers alike.

A planted user fact is one aside on one composed user turn of the conversation that its timeline slot's
filler would have been; fillers carry asides of the persona's never-asked facts and of other people's
values on most user turns. So an evidence conversation has its filler's shape, and a stating sentence is
no sign that a question asks for it.
"""

import json
import random

import duckdb
import pytest

from memcurve.generators.compose import ASIDE_SHARE
from memcurve.generators.config import build_config
from memcurve.generators.fillers import decoys
from memcurve.generators.generate import generate
from memcurve.generators.personas import make_persona
from memcurve.generators.templating import load_pack


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    out = tmp_path_factory.mktemp("asides") / "bench.duckdb"
    generate(build_config({"seed": 5, "personas": 3, "sizes": "1,10,40", "questions_per_category": 6,
                           "categories": "user_facts,abstention"}), out, force=False, progress=False)
    with duckdb.connect(str(out), read_only=True) as c:
        yield c


def _single_slot_evidence(con):
    return con.execute("""
        SELECT q.question_id, q.answer, m.text, c.conversation_id, c.persona_id, c.started_at
        FROM questions q JOIN evidence e USING (question_id) JOIN messages m USING (message_id)
             JOIN conversations c USING (conversation_id)
        WHERE q.category = 'user_facts' AND q.question_type NOT LIKE 'user_facts/rank_%'""").fetchall()


def test_an_evidence_conversation_has_its_fillers_shape(con):
    rows = _single_slot_evidence(con)
    assert len(rows) >= 5
    for qid, answer, text, cid, pid, started in rows:
        assert answer.lower() in text.lower(), qid
        assert shaped_like_its_filler(con, cid, pid, started) is not False, qid


def shaped_like_its_filler(con, cid: str, pid: str, started) -> bool | None:
    """Whether an evidence conversation has the speaker order of its timeline slot's filler (None: that filler
    is in no history of the store)."""
    filler = con.execute("""SELECT conversation_id FROM conversations
                            WHERE persona_id = ? AND started_at = ? AND kind = 'filler'""", [pid, started]).fetchone()
    if filler is None:
        return None
    shape = "SELECT list(speaker ORDER BY position) FROM messages WHERE conversation_id = ?"
    return con.execute(shape, [cid]).fetchone() == con.execute(shape, [filler[0]]).fetchone()


def decoy_sentences(seed: int, index: int) -> set[str]:
    """Every sentence a filler of persona `index` may say in passing: each decoy's asides, rendered."""
    persona = make_persona(index, random.Random(f"memcurve:{seed}:{index}"))  # as generators.build draws it
    pack = load_pack()
    return {text for key, context, _ in decoys(persona) for section in pack.files[key] if section.kind == "aside"
            for _, text, marked in section.conversation(context) if marked}


def test_fillers_mention_facts_in_passing_on_most_user_turns(con):
    for pid, in con.execute("SELECT persona_id FROM personas ORDER BY 1").fetchall():
        sentences = decoy_sentences(5, int(pid[1:]))
        texts = [t for (t,) in con.execute("""SELECT m.text FROM messages m JOIN conversations c USING (conversation_id)
                                              WHERE c.persona_id = ? AND c.kind = 'filler' AND m.speaker = 'user'""",
                                           [pid]).fetchall()]
        mentioning = sum(any(s in t for s in sentences) for t in texts) / len(texts)
        assert mentioning >= ASIDE_SHARE - 0.25, (pid, mentioning)  # template side exchanges carry none


def test_a_decoy_slot_is_never_asked(con):
    for pid, attributes in con.execute("SELECT persona_id, attributes FROM personas").fetchall():
        decoys = json.loads(attributes)["mentions_in_passing"]
        asked = {s for (s,) in con.execute("SELECT DISTINCT slot FROM questions WHERE persona_id = ? "
                                           "AND category = 'user_facts'", [pid]).fetchall()}
        assert decoys and not set(decoys) & asked, pid


def test_other_peoples_values_in_asides_are_registered_as_theirs(con):
    stated = con.execute("""SELECT count(*) FROM facts f JOIN conversations c ON c.conversation_id =
                            (SELECT conversation_id FROM messages WHERE message_id = f.message_id)
                            WHERE f.subject NOT IN ('user', 'assistant') AND c.kind = 'filler'""").fetchone()[0]
    conversations = con.execute("SELECT count(*) FROM conversations WHERE kind = 'filler'").fetchone()[0]
    assert stated > conversations  # several per conversation: most user turns carry an aside
