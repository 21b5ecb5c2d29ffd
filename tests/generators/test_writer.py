"""The writer: scripted rewrites that drop the evidence or invent a competing value are caught and repaired."""

import shutil

import duckdb
import pytest
from inspect_ai.model import get_model

from memcurve.generators.writer import WriterSettings, parse_reply, rewrite_store
from support import mock_output

FAITHFUL = {
    "p000-c0000": "USER: Any quick pasta idea with spinach for tonight?\n"
                  "ASSISTANT: Garlic in olive oil, wilt spinach, toss with penne and parmesan.\n"
                  "USER: Thanks, that works.\nASSISTANT: Enjoy it!",
    "p000-c0001": "USER: [E1] Ugh, Biscuit chewed my running shoes again. Any chew toys that survive a beagle?\n"
                  "ASSISTANT: A heavy rubber toy stuffed with treats keeps a beagle busy.",
    "p000-c0002": "USER: Packing for a rainy hiking weekend, what do I need?\n"
                  "ASSISTANT: Waterproof shell, spare socks, a warm layer, a dry bag.",
}
DROPS_EVIDENCE = "USER: [E1] My dog chewed my running shoes again.\nASSISTANT: Try a rubber toy."
COMPETING = ("USER: Packing for a rainy hiking weekend with my dog Rex, what do I need?\n"
             "ASSISTANT: Waterproof shell and spare socks.")


def _scripted(calls, other_dog="Rex"):
    """Attempt 1 of c0001 drops the evidence; every attempt at c0002 names another dog; the rest is faithful."""
    def respond(input, tools, tool_choice, config):
        prompt = input[-1].text
        conv = next(cid for cid, text in (("p000-c0001", "Biscuit"), ("p000-c0002", "rainy"),
                                          ("p000-c0000", "pasta")) if text in prompt)
        calls.append((conv, "rejected" in prompt))
        if conv == "p000-c0001" and "rejected" not in prompt:
            return mock_output(DROPS_EVIDENCE, 40, 12)
        if conv == "p000-c0002":
            return mock_output(COMPETING.replace("Rex", other_dog), 40, 12)
        return mock_output(FAITHFUL[conv], 40, 20)
    return respond


def test_rewrites_checked_retried_and_fallen_back(tiny_store, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_store, db)
    calls = []
    model = get_model("mockllm/model", custom_outputs=_scripted(calls))
    con = duckdb.connect(str(db))
    before = dict(con.execute("SELECT message_id, text FROM messages WHERE conversation_id='p000-c0002'").fetchall())
    summary = rewrite_store(con, WriterSettings(model=model, cache=False, max_connections=1),
                            forbidden_values={"Biscuit", "Rex", "Leeds"})
    assert summary["conversations"] == 3 and summary["rewritten"] == 2 and summary["fell_back"] == 1
    assert summary["retried"] == 1
    assert summary["rejections"] == {"evidence_dropped": 1, "competing_value": 2}
    assert summary["input_tokens"] == 40 * 5 and summary["output_tokens"] == 20 * 2 + 12 * 3
    assert summary["cost_usd"] == 0.0  # mockllm is free in the built-in price table
    assert sorted(calls) == sorted([("p000-c0000", False), ("p000-c0001", False), ("p000-c0001", True),
                                    ("p000-c0002", False), ("p000-c0002", True)])
    # the evidence line kept its id, its time and its value; the facts and evidence follow it
    [(mid, text)] = con.execute("SELECT DISTINCT message_id, text FROM messages m JOIN evidence e USING (message_id)").fetchall()
    assert "Biscuit" in text and text.startswith("Ugh")
    assert con.execute("SELECT message_id FROM facts").fetchone()[0] == mid
    # the fallen-back conversation keeps its template text
    after = dict(con.execute("SELECT message_id, text FROM messages WHERE conversation_id='p000-c0002'").fetchall())
    assert after == before
    # the faithful 4-message rewrite of the filler replaced 2 messages; history tokens follow
    assert con.execute("SELECT count(*) FROM messages WHERE conversation_id='p000-c0000'").fetchone()[0] == 4
    total = con.execute("SELECT sum(tokens) FROM messages").fetchone()[0]
    assert con.execute("SELECT tokens FROM histories WHERE size = 3").fetchone()[0] == total
    times = [r[0] for r in con.execute("SELECT sent_at FROM messages WHERE conversation_id='p000-c0000' "
                                       "ORDER BY position").fetchall()]
    assert times == sorted(times) and len(set(times)) == 4
    con.close()


def test_parse_reply_tags_and_continuations():
    parsed = parse_reply("Sure, here it is:\nUSER: [E1] hello there\n  and more\nassistant:  hi\nUSER:\n")
    assert parsed == [("user", "hello there\nand more", 1), ("assistant", "hi", None)]


@pytest.mark.parametrize("kwargs", [{"attempts": 0}, {"min_messages": 5, "max_messages": 4}])
def test_bad_settings_refused(kwargs):
    from memcurve.errors import ConfigError

    with pytest.raises(ConfigError):
        WriterSettings(model="mockllm/model", **kwargs)


def test_apply_text_sources_records_the_writer_in_meta(tiny_store, tmp_path):
    import json

    from memcurve.generators.text_sources import apply_text_sources

    db = tmp_path / "m.duckdb"
    shutil.copy(tiny_store, db)
    from memcurve.generators.personas import pool

    model = get_model("mockllm/model", custom_outputs=_scripted([], other_dog=pool("dog_names")[0]))
    con = duckdb.connect(str(db))
    meta = apply_text_sources(con, seed=1, writer=model, writer_options={"cache": False})
    stored = dict(con.execute("SELECT key, value FROM meta").fetchall())
    con.close()
    assert meta["text_source"].startswith("templates + rewritten by")
    assert json.loads(stored["writer"])["fell_back"] == 1 and json.loads(stored["writer"])["rewritten"] == 2


def test_writer_cost_is_priced_from_the_built_in_table_or_left_unknown():
    from memcurve.generators.writer import _cost

    assert _cost("anthropic/claude-haiku-4-5", 1_000_000, 200_000) == 1.0 + 0.2 * 5.0
    assert _cost("gguf/gemma-3-270m", 5_000, 5_000) == 0.0
    assert _cost("acme/unknown-model", 10, 10) is None
