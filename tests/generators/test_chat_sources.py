"""Real-chat readers: every common shape gives the same turns and provenance; bad files get one line."""

import hashlib
import json

import pytest

from memcurve.errors import InputFormatError
from memcurve.generators.chat_sources import read_chats
from memcurve.generators.filler_screen import ScreenLimits, ScreenReport, screen_chats

TURNS = (("user", "How long should I boil an egg for a soft yolk?"),
         ("assistant", "About six minutes from boiling water, then straight into cold water."))


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_openai_messages_jsonl_with_system_turn_and_content_parts(tmp_path):
    lines = [
        {"id": "a1", "messages": [{"role": "system", "content": "be kind"},
                                  {"role": "user", "content": TURNS[0][1]},
                                  {"role": "assistant", "content": [{"type": "text", "text": TURNS[1][1]}]}]},
        [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],
    ]
    path = _write(tmp_path / "chats.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n\n")
    chats = list(read_chats(path))
    assert [c.record_id for c in chats] == ["a1", "1"]
    assert chats[0].turns == TURNS
    assert chats[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_sharegpt_and_ultrachat_arrays(tmp_path):
    records = [
        {"id": "sg_1", "conversations": [{"from": "human", "value": TURNS[0][1]}, {"from": "gpt", "value": TURNS[1][1]}]},
        {"id": 7, "data": [TURNS[0][1], TURNS[1][1]]},
        [TURNS[0][1], TURNS[1][1], "Thanks!"],
    ]
    chats = list(read_chats(_write(tmp_path / "mixed.json", json.dumps(records))))
    assert [c.record_id for c in chats] == ["sg_1", "7", "2"]
    assert chats[0].turns == TURNS and chats[1].turns == TURNS
    assert chats[2].turns[-1] == ("user", "Thanks!")


def test_longmemeval_haystack_skips_answer_sessions(tmp_path):
    record = {"question_id": "q9", "answer_session_ids": ["s2"], "haystack_session_ids": ["s1", "s2", "s3"],
              "haystack_sessions": [
                  [{"role": "user", "content": TURNS[0][1]}, {"role": "assistant", "content": TURNS[1][1]}],
                  [{"role": "user", "content": "My dog is Rex", "has_answer": True}, {"role": "assistant", "content": "ok"}],
                  [{"role": "user", "content": "tip?", "has_answer": True}, {"role": "assistant", "content": "x"}],
              ]}
    chats = list(read_chats(_write(tmp_path / "lme.json", json.dumps([record]))))
    assert [c.record_id for c in chats] == ["q9/s1"]


def test_store_source_takes_conversations_without_evidence(tiny_store):
    import duckdb

    chats = list(read_chats(tiny_store))
    con = duckdb.connect(str(tiny_store), read_only=True)
    evidence_convs = {r[0] for r in con.execute(
        "SELECT DISTINCT conversation_id FROM evidence JOIN messages USING (message_id)").fetchall()}
    all_convs = {r[0] for r in con.execute("SELECT conversation_id FROM conversations").fetchall()}
    con.close()
    assert {c.record_id for c in chats} == all_convs - evidence_convs
    assert chats and all(c.turns for c in chats)


@pytest.mark.parametrize("text, message", [
    ("", "empty file"),
    ("hello", "expected a JSON array or JSON Lines"),
    ('[{"conversations": [{"from": "narrator", "value": "x"}]}]', "role 'narrator' is neither"),
    ('[{"title": "no chat"}]', "no chat found"),
    ('[{"messages": [1, 2]}]', "expected a message object"),
    ('{"messages": []}\n{"messages": [', "line 2: not valid JSON"),
    ('[{"messages": [', "not valid JSON"),
])
def test_bad_sources_fail_on_one_line(tmp_path, text, message):
    path = _write(tmp_path / "bad.json", text)
    with pytest.raises(InputFormatError) as err:
        list(read_chats(path))
    assert message in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)


def _chat(record_id, *texts):
    from memcurve.generators.chat_sources import SourceChat

    return SourceChat("f", "0" * 64, record_id,
                      tuple(("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(texts)))


def test_screening_drops_slot_values_duplicates_and_odd_lengths():
    chats = [
        _chat("ok", "Can you help me plan a picnic?", "Sure: bread, cheese, fruit."),
        _chat("pet", "My neighbour's dog Biscuit barks all night.", "Try talking to them."),
        _chat("city", "Is it cold in new   york in May?", "Mild, mostly."),
        _chat("dup_conv", "Can you help me plan a picnic?", "Sure: bread, cheese, fruit."),
        _chat("dup_msg", "CAN you help me plan a picnic?", "Something else entirely."),
        _chat("short", "Only one turn"),
        _chat("long", "x" * 50, "y" * 5000),
        _chat("inner_repeat", "Same line.", "Other.", "same line."),
        _chat("word_boundary", "I like biscuits with tea.", "Good choice."),
    ]
    report = ScreenReport()
    kept = list(screen_chats(chats, ["Biscuit", "New York"], ScreenLimits(max_message_chars=1000), report))
    assert [c.record_id for c in kept] == ["ok", "word_boundary"]
    assert report.read == 9 and report.kept == 2
    assert report.dropped == {"slot_value": 2, "duplicate_conversation": 1, "duplicate_message": 2,
                              "one_speaker": 1, "message_length": 1}


def test_swap_replaces_plain_fillers_only_with_provenance(tiny_store, tmp_path):
    import shutil

    import duckdb

    from memcurve.generators.filler_swap import swap_fillers

    db = tmp_path / "swap.duckdb"
    shutil.copy(tiny_store, db)
    chats = [_chat(f"r{i}", f"Question number {i} about gardening?", f"Answer {i}: water in the morning.")
             for i in range(5)]
    con = duckdb.connect(str(db))
    evidence_before = con.execute("SELECT * FROM messages WHERE conversation_id = 'p000-c0001'").fetchall()
    provenance, stats = swap_fillers(con, chats, seed=3)
    assert stats == {"fillers": 2, "replaced": 2, "kept_template": 0, "chats_available": 5}
    assert {p.conversation_id for p in provenance} == {"p000-c0000", "p000-c0002"}
    assert len({p.record_id for p in provenance}) == 2
    assert con.execute("SELECT * FROM messages WHERE conversation_id = 'p000-c0001'").fetchall() == evidence_before
    texts = [r[0] for r in con.execute("SELECT text FROM messages WHERE conversation_id = 'p000-c0000'").fetchall()]
    assert texts[0].startswith("Question number") and len(texts) == 2
    assert con.execute("SELECT tokens FROM histories WHERE size = 3").fetchone()[0] == \
        con.execute("SELECT sum(tokens) FROM messages").fetchone()[0]
    con.close()
    # the same seed deals the same chats
    shutil.copy(tiny_store, tmp_path / "again.duckdb")
    con = duckdb.connect(str(tmp_path / "again.duckdb"))
    assert swap_fillers(con, chats, seed=3)[0] == provenance
    con.close()
