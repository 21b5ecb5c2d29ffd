"""Generated benchmarks at real length: long, varied, waking hours, abstention worded like answerable
questions; and `memcurve audit` on two real generated stores."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from memcurve.cli import main
from memcurve.generators.audit import _random_recall_any, audit
from memcurve.generators.config import build_config
from memcurve.generators.generate import generate
from memcurve.errors import ConfigError


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> tuple[Path, Path]:
    out = []
    for seed in (11, 12):
        path = tmp_path_factory.mktemp("v2") / f"s{seed}.duckdb"
        generate(build_config({"seed": seed, "personas": 2, "sizes": "1,10,40", "questions_per_category": 2,
                               "questions_per_history": 8}), path, force=False, progress=False)
        out.append(path)
    return out[0], out[1]


def test_real_length_replies_and_shapes(stores):
    with duckdb.connect(str(stores[0]), read_only=True) as con:
        n_long, n_assistant, max_tokens = con.execute(
            "SELECT count(*) FILTER (WHERE tokens >= 150), count(*), max(tokens) FROM messages "
            "WHERE speaker = 'assistant'").fetchone()
        per_conv = con.execute("SELECT quantile_cont(n, 0.5) FROM (SELECT count(*) n FROM messages GROUP BY "
                               "conversation_id)").fetchone()[0]
        mean_40 = con.execute("SELECT avg(tokens) FROM histories WHERE size = 40").fetchone()[0]
    assert n_long / n_assistant > 0.45 and max_tokens <= 450
    assert 8 <= per_conv <= 20
    assert mean_40 > 40 * 1700  # about 2,000 tokens a conversation (100k at 50, 600k at 300)


def test_no_message_text_repeats_within_a_persona(stores):
    with duckdb.connect(str(stores[0]), read_only=True) as con:
        repeats = con.execute("""
            SELECT count(*) FROM (SELECT c.persona_id, m.text FROM messages m JOIN conversations c USING
            (conversation_id) WHERE c.kind = 'filler' GROUP BY 1, 2 HAVING count(*) > 1)""").fetchone()[0]
    assert repeats == 0


def test_conversations_start_in_waking_hours(stores):
    with duckdb.connect(str(stores[0]), read_only=True) as con:
        hours = {h for (h,) in con.execute("SELECT DISTINCT hour(started_at) FROM conversations").fetchall()}
        asked = {h for (h,) in con.execute("SELECT DISTINCT hour(asked_at) FROM questions").fetchall()}
    assert hours <= set(range(7, 22)) and asked <= set(range(7, 22))


def test_abstention_reuses_answerable_wordings(stores):
    from memcurve.generators.ladder import unframed

    with duckdb.connect(str(stores[0]), read_only=True) as con:
        abst = {unframed(t) for (t,) in con.execute("SELECT text FROM questions WHERE is_abstention").fetchall()}
        slots = {s for (s,) in con.execute("SELECT DISTINCT slot FROM questions WHERE is_abstention").fetchall()}
    from memcurve.generators.templating import load_pack

    pack = load_pack()
    wordings = {s.question({"value": "x", "first_name": "A", "job": "j", "hobby": "h"})["question"]
                for slot in slots for s in pack.sections(f"user_facts/{slot}", "question")}
    assert abst and abst <= wordings


def test_short_length_and_bad_settings():
    assert build_config({"length": "short"}).length == "short"
    assert build_config({"change_interval_days": "30,400"}).change_interval_days == (30, 400)
    with pytest.raises(ConfigError, match="invalid length 'long'"):
        build_config({"length": "long"})
    with pytest.raises(ConfigError, match="change_interval_days"):
        build_config({"change_interval_days": "400,30"})


def test_audit_reports_every_section_and_exits_by_threshold(stores, capsys):
    report = audit(stores[0], stores[1])
    text = report.render()
    for heading in ("tokens and distinct texts", "evidence detectors", "no-history baselines", "BM25 recall_any@5",
                    "questions scored per cell", "validate coverage"):
        assert heading in text
    figures = report.figures
    assert figures["sizes"][40]["distinct_messages_min"] == 1.0
    assert 0.0 <= figures["detectors"]["conversation shape"] <= 1.0
    # every aside is acknowledged and the acknowledgement is evidence that restates it, so evidence is said by
    # each speaker about as often as messages are: the speaker alone is near chance (0.487 on this store; 0.598
    # when a third of the asides had no acknowledgement)
    assert 0.4 < figures["detectors"]["speaker alone (no words)"] < 0.6
    assert figures["baselines"][("always abstain", "abstention")] == 1.0
    assert figures["baselines"][("always abstain", "user_facts")] == 0.0
    assert figures["validate"]["no_duplicate_text"][1] == 0
    code = main(["audit", str(stores[0]), "--against", str(stores[1])])
    assert code == (0 if report.ok else 1)
    assert "audit:" in capsys.readouterr().out


def test_temporary_circumstances_expire_after_the_question_and_specs_are_consistent(stores):
    from memcurve.generators.validate import validate

    report = validate(stores[0])
    assert report.ok, report.render()
    with duckdb.connect(str(stores[0]), read_only=True) as con:
        depending = con.execute("""
            SELECT count(DISTINCT e.question_id) FROM evidence e JOIN facts f USING (message_id)
            WHERE f.valid_to IS NOT NULL AND f.superseded_by IS NULL""").fetchone()[0]
        late = con.execute("""
            SELECT count(*) FROM facts f JOIN evidence e USING (message_id) JOIN questions q USING (question_id)
            WHERE f.valid_to IS NOT NULL AND f.superseded_by IS NULL AND q.asked_at >= f.valid_to""").fetchone()[0]
    assert report.check("expiry_respected").checked == depending and late == 0
    from memcurve.generators.planting.user_facts import spec

    assert spec("rank_laptop", "Corvel Slate 14", 499, 2399) == spec("rank_laptop", "Corvel Slate 14", 499, 2399)


def test_a_random_ranking_finds_multi_evidence_questions_more_often():
    assert round(_random_recall_any(30, 2, 5), 4) == round(1 - 98280 / 142506, 4)  # C(28,5) / C(30,5)
    assert _random_recall_any(30, 6, 5) > 0.69 > _random_recall_any(300, 6, 5)
    assert _random_recall_any(4, 1, 5) == 1.0 and _random_recall_any(30, 0, 5) == 0.0
