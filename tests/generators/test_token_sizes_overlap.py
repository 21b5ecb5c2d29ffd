"""History sizes in tokens, and the overlap ladder: parsed, generated, stored, validated and reported."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from memcurve.cli import main
from memcurve.errors import ConfigError
from memcurve.evals.analysis.sections.base import Context
from memcurve.evals.analysis.sections.overlap import accuracy_by_overlap
from memcurve.generators.config import build_config, parse_size_spec
from memcurve.generators.generate import generate
from memcurve.generators.ladder import unframed
from memcurve.generators.overlap import overlap_level
from memcurve.generators.tokens import TOKENIZER
from memcurve.generators.validate import validate

SMALL = {"seed": 5, "personas": 2, "questions_per_category": 3,
         "categories": "user_facts,assistant_facts,changing_facts,abstention,temporal"}


@pytest.mark.parametrize("text, unit, sizes", [
    ("8k,32k,128k,512k,1m", "tokens", (8_000, 32_000, 128_000, 512_000, 1_000_000)),
    ("1.5m, 2K", "tokens", (2_000, 1_500_000)),
    ("1,5,50,5", "conversations", (1, 5, 50)),
])
def test_sizes_in_tokens_or_conversations(text, unit, sizes):
    assert parse_size_spec(text) == (unit, sizes)
    config = build_config({"sizes": text})
    assert (config.size_unit, config.sizes) == (unit, sizes)


@pytest.mark.parametrize("text, named", [
    ("8k,5", "'5'"), ("5,8k", "'8k'"), ("0k", "'0k'"), ("-2k", "'-2k'"), ("k", "'k'"), ("abc", "'abc'"),
    ("infk", "'infk'"), ("5m", "5,000,000 tokens"),
])
def test_bad_sizes_fail_on_one_line_naming_the_value(text, named):
    with pytest.raises(ConfigError) as err:
        build_config({"sizes": text})
    assert named in str(err.value) and "\n" not in str(err.value)


def test_cli_rejects_mixed_sizes_in_one_line(tmp_path, capsys):
    out = tmp_path / "b.duckdb"
    assert main(["generate", "--out", str(out), "--sizes", "8k,30", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'30'" in err and "mix" in err and not out.exists()


@pytest.fixture(scope="module")
def token_store(tmp_path_factory):
    out = tmp_path_factory.mktemp("tokens") / "t.duckdb"
    generate(build_config({**SMALL, "sizes": "8k,32k,64k"}), out, force=False, progress=False)
    return out


def test_token_sizes_store_the_target_and_the_measured_tokens(token_store):
    assert validate(token_store).ok
    with duckdb.connect(str(token_store), read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'tokenizer'").fetchone()[0] == TOKENIZER
        rows = con.execute("""
            SELECT h.history_id, h.chain_id, h.size, h.tokens, h.target_tokens, sum(m.tokens), count(DISTINCT hc.position),
                   max(c.tokens)
            FROM histories h JOIN history_conversations hc USING (history_id)
                 JOIN messages m ON m.conversation_id = hc.conversation_id
                 JOIN (SELECT conversation_id, sum(tokens) AS tokens FROM messages GROUP BY 1) c
                      ON c.conversation_id = hc.conversation_id
            GROUP BY ALL ORDER BY 1""").fetchall()
        largest = dict(con.execute("SELECT chain_id, max(size) FROM histories GROUP BY 1").fetchall())
        timeline = dict(con.execute("SELECT persona_id, count(*) FROM conversations WHERE kind = 'filler' "
                                    "GROUP BY 1").fetchall())
    assert {r[4] for r in rows} == {8_000, 32_000, 64_000}
    for hid, chain, size, tokens, target, measured, positions, longest in rows:
        assert hid == f"{chain}-t{target:07d}" and tokens == measured and size == positions
        # the prefix closest to the target: within one conversation of it (the largest size is the whole timeline)
        assert abs(tokens - target) <= longest + (0.15 * target if size == largest[chain] else 0), hid
    assert all(count >= 6 for count in timeline.values())  # room for the most evidence any question needs


def test_the_overlap_ladder_is_recorded_and_matches_the_texts(token_store):
    with duckdb.connect(str(token_store), read_only=True) as con:
        questions = con.execute("""
            SELECT question_id, text, answer, aliases, word_overlap, conversation_overlap, overlap_level,
                   evidence_count, category FROM questions""").fetchall()
        first_history = dict(con.execute("""
            SELECT hq.question_id, arg_min(hq.history_id, h.size) FROM history_questions hq
            JOIN histories h USING (history_id) GROUP BY 1""").fetchall())
        history_texts = {}
        for hid, text in con.execute("""SELECT hc.history_id, m.text FROM history_conversations hc
                                        JOIN messages m USING (conversation_id)""").fetchall():
            history_texts.setdefault(hid, []).append(text)
    levels = {q[6] for q in questions}
    assert {"high", "medium", "low"} <= levels
    framed = 0
    for qid, text, answer, aliases, m, c, level, n, category in questions:
        assert 0 <= m <= c <= 1 and level == overlap_level(m, c, n)
        if unframed(text) != text:
            framed += 1
            quote = text.split('"')[1]
            assert any(quote in t for t in history_texts[first_history[qid]]), (qid, quote)
            if category in ("user_facts", "assistant_facts", "changing_facts"):  # a quote never gives the answer
                assert all(a.lower() not in quote.lower() for a in [answer, *aliases]), (qid, quote)
    assert framed >= len(questions) // 8  # aimed at 2 in 3; bare wordings that already reach the level stay bare
    high = [q for q in questions if q[6] == "high"]
    assert min(q[4] for q in high) >= 0.5 and max(q[5] for q in questions if q[6] == "low") < 0.34


def test_overlap_levels_setting(tmp_path, capsys):
    out = tmp_path / "low.duckdb"
    generate(build_config({**SMALL, "sizes": "1,10", "overlap_levels": "low"}), out, force=False, progress=False)
    with duckdb.connect(str(out), read_only=True) as con:
        texts = [t for (t,) in con.execute("SELECT text FROM questions").fetchall()]
    assert texts and all(unframed(t) == t for t in texts)  # no quotes at all
    assert main(["generate", "--out", str(tmp_path / "x.duckdb"), "--overlap-levels", "high,loud"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'loud'" in err


def test_report_splits_accuracy_by_overlap_level(tmp_path):
    rows = [{"solver": "rag", "history_id": f"h{i % 6}", "size": 10 * (1 + i % 2), "overlap_level": level,
             "correct": float(ok), "error": None}
            for i, (level, ok) in enumerate([("high", 1), ("high", 1), ("medium", 1), ("medium", 0), ("low", 0),
                                             ("low", 0), ("none", 1), ("high", 1), ("low", 1), ("medium", 0)] * 3)]
    lines = accuracy_by_overlap(Context(pl.DataFrame(rows), tmp_path, "g_"))
    text = "\n".join(lines)
    assert "### Accuracy by overlap level" in text
    table = [line for line in text.splitlines() if line.startswith("| rag |")]
    by_level = {cells[2].strip(): cells for cells in (line.split("|") for line in table[:4])}
    assert list(by_level) == ["high", "medium", "low", "none"]
    assert by_level["high"][3].strip() == "9" and by_level["high"][5].strip().startswith("1.0")
    assert by_level["low"][3].strip() == "9" and by_level["low"][5].strip().startswith("0.33")
    assert accuracy_by_overlap(Context(pl.DataFrame([{**r, "overlap_level": None} for r in rows]), tmp_path, "g_")) == []
