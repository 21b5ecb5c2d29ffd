"""Generated benchmarks keep every promise of the schema: reproducible hashes, counts per category, evidence
ranges, nested histories, increasing timestamps, computed temporal answers, never-planted abstention slots,
answers present in evidence and no competing slot values anywhere in a history."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from memcurve.generators.categories import CATEGORIES, GENERATED
from memcurve.generators.config import build_config
from memcurve.generators.generate import generate
from memcurve.generators.store import content_hash, open_store
from memcurve.generators.temporal import KINDS, compute
from memcurve.generators.tokens import estimate_tokens

SMALL = {"seed": 11, "personas": 2, "questions_per_category": 3, "sizes": "1,2,3,5,10,20,40",
         "questions_per_history": 6, "max_evidence": 6}
FACT_CATEGORIES = ("user_facts", "assistant_facts", "changing_facts")


def make(tmp: Path, name: str, workers: int = 1, **overrides) -> Path:
    out = tmp / name
    generate(build_config({**SMALL, **overrides}), out, force=False, progress=False, workers=workers)
    return out


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> Path:
    return make(tmp_path_factory.mktemp("gen"), "small.duckdb")


@pytest.fixture(scope="module")
def con(bench):
    c = open_store(bench)
    yield c
    c.close()


def _hash(path: Path) -> str:
    c = open_store(path)
    try:
        return content_hash(c)
    finally:
        c.close()


def test_same_seed_same_hash_different_seed_differs(tmp_path, bench):
    again = make(tmp_path, "again.duckdb", workers=2)  # `bench` was the first run, in one process
    other = make(tmp_path, "other.duckdb", seed=12)
    assert _hash(again) == _hash(bench)
    assert _hash(other) != _hash(bench)


def test_same_hash_in_a_fresh_process_with_another_hash_seed(tmp_path, bench):
    """No set or dict ordering leaks into the output: a new interpreter with another PYTHONHASHSEED agrees."""
    out = tmp_path / "fresh.duckdb"
    argv = ["generate", "--out", str(out), "--quiet", "--seed", str(SMALL["seed"]), "--personas", str(SMALL["personas"]),
            "--questions-per-category", str(SMALL["questions_per_category"]), "--sizes", SMALL["sizes"],
            "--questions-per-history", str(SMALL["questions_per_history"]), "--max-evidence", str(SMALL["max_evidence"])]
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    subprocess.run([sys.executable, "-c", f"import sys; from memcurve.cli import main; sys.exit(main({argv!r}))"],
                   check=True, env=env, capture_output=True)
    assert _hash(out) == _hash(bench)


def test_meta_records_seed_config_and_source(con):
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    assert meta["seed"] == "11" and meta["source"] == "memcurve.generate"
    assert '"questions_per_history": 6' in meta["config"] and "created_at" in meta


def test_counts_per_category(con):
    counts = dict(con.execute("SELECT category, count(*) FROM questions GROUP BY 1").fetchall())
    assert counts == {c: SMALL["personas"] * SMALL["questions_per_category"] for c in GENERATED}


def test_evidence_counts_in_category_range(con):
    # stating messages (an acknowledgement that restates one is in the same conversation)
    rows = con.execute("""SELECT q.question_id, q.category, q.evidence_count, count(e.message_id) FILTER (WHERE NOT e.restates),
                                 count(DISTINCT m.conversation_id)
                          FROM questions q JOIN evidence e USING (question_id) JOIN messages m USING (message_id)
                          GROUP BY ALL""").fetchall()
    assert len(rows) == con.execute("SELECT count(*) FROM questions").fetchone()[0]
    for qid, category, declared, found, conversations in rows:
        cat = CATEGORIES[category]
        assert cat.min_evidence <= declared <= cat.max_evidence, qid
        assert declared == found == conversations, qid  # each evidence message in its own conversation


def test_every_question_is_asked_and_only_with_all_evidence(con):
    unasked = con.execute("SELECT count(*) FROM questions WHERE question_id NOT IN "
                          "(SELECT question_id FROM history_questions)").fetchone()[0]
    assert unasked == 0
    missing = con.execute("""
        SELECT count(*) FROM history_questions hq JOIN evidence e USING (question_id)
        JOIN messages m USING (message_id)
        WHERE m.conversation_id NOT IN (SELECT conversation_id FROM history_conversations hc
                                        WHERE hc.history_id = hq.history_id)""").fetchone()[0]
    assert missing == 0


def test_histories_nest_and_never_repeat_a_conversation(con):
    convs = defaultdict(list)
    for hid, cid in con.execute("SELECT history_id, conversation_id FROM history_conversations ORDER BY history_id, position").fetchall():
        convs[hid].append(cid)
    chains = defaultdict(list)
    for hid, chain, size in con.execute("SELECT history_id, chain_id, size FROM histories ORDER BY size").fetchall():
        assert len(convs[hid]) == size and len(set(convs[hid])) == size
        chains[chain].append(hid)
    assert chains
    for hids in chains.values():
        for small, large in zip(hids, hids[1:]):
            assert set(convs[small]) < set(convs[large])
            # the smaller history is the larger one's subsequence in the same (time) order
            order = {c: i for i, c in enumerate(convs[large])}
            assert [order[c] for c in convs[small]] == sorted(order[c] for c in convs[small])


def test_timestamps_increase_along_every_history_and_questions_come_after(con):
    rows = con.execute("""
        SELECT hc.history_id, m.sent_at FROM history_conversations hc JOIN messages m USING (conversation_id)
        ORDER BY hc.history_id, hc.position, m.position""").fetchall()
    last: dict[str, object] = {}
    for hid, sent in rows:
        assert hid not in last or sent > last[hid], hid
        last[hid] = sent
    late = con.execute("""
        SELECT count(*) FROM history_questions hq JOIN questions q USING (question_id)
        JOIN history_conversations hc USING (history_id) JOIN messages m USING (conversation_id)
        WHERE m.sent_at >= q.asked_at""").fetchone()[0]
    assert late == 0


def test_history_tokens_are_message_token_sums(con):
    bad = con.execute("""
        SELECT count(*) FROM histories h JOIN (
            SELECT hc.history_id, sum(m.tokens) AS t FROM history_conversations hc JOIN messages m USING (conversation_id)
            GROUP BY 1) s USING (history_id) WHERE s.t <> h.tokens""").fetchone()[0]
    assert bad == 0
    sample = con.execute("SELECT text, tokens FROM messages LIMIT 50").fetchall()
    assert all(estimate_tokens(text) == tokens for text, tokens in sample)


def test_temporal_answers_match_compute(con):
    rows = con.execute("""
        SELECT q.question_id, q.question_type, q.answer, q.asked_at, e.ordinal, f.valid_from, f.value
        FROM questions q JOIN evidence e USING (question_id) JOIN facts f ON f.message_id = e.message_id
        WHERE q.category = 'temporal' AND f.subject = 'user'  -- not the assistant's facts said in passing
        ORDER BY q.question_id, e.ordinal""").fetchall()
    by_q = defaultdict(list)
    for qid, qtype, answer, asked, _, when, label in rows:
        by_q[(qid, qtype, answer, asked)].append((when, label))
    assert len(by_q) == SMALL["personas"] * SMALL["questions_per_category"]
    for (qid, qtype, answer, asked), events in by_q.items():
        kind = qtype.split("/", 1)[1]
        assert kind in KINDS
        assert [w for w, _ in events] == sorted(w for w, _ in events), qid  # ordinal = time order
        assert answer == compute(kind, events, asked), qid


def test_abstention_slots_are_never_planted_for_the_user(con):
    planted = con.execute("""
        SELECT count(*) FROM questions q JOIN facts f ON f.persona_id = q.persona_id AND f.slot = q.slot
        WHERE q.is_abstention AND f.subject = 'user'""").fetchone()[0]
    assert planted == 0
    rows = con.execute("SELECT answer, answer_kind, evidence_count FROM questions WHERE category = 'abstention'").fetchall()
    assert rows and all(a.startswith("There is no information") and k == "abstention" and 1 <= n <= 4
                        for a, k, n in rows)


def test_fact_answers_appear_verbatim_in_evidence(con):
    rows = con.execute("""
        SELECT q.question_id, q.answer, q.aliases, string_agg(m.text, ' | ')
        FROM questions q JOIN evidence e USING (question_id) JOIN messages m USING (message_id)
        WHERE q.category IN ('user_facts', 'assistant_facts', 'changing_facts') GROUP BY ALL""").fetchall()
    assert rows
    for qid, answer, aliases, text in rows:
        assert any(a in text for a in [answer, *aliases]), qid


def test_assistant_facts_are_in_the_assistants_voice(con):
    speakers = {r[0] for r in con.execute("""
        SELECT m.speaker FROM questions q JOIN evidence e USING (question_id) JOIN messages m USING (message_id)
        WHERE q.category = 'assistant_facts' AND NOT e.restates""").fetchall()}
    assert speakers == {"assistant"}  # the stating messages (the user's acknowledgement may restate one)


def test_changing_fact_chains_end_with_the_answer(con):
    rows = con.execute("""
        SELECT q.question_id, q.answer, e.ordinal, f.fact_id, f.value, f.valid_from, f.valid_to, f.superseded_by
        FROM questions q JOIN evidence e USING (question_id)
             JOIN facts f ON f.message_id = e.message_id AND f.slot = q.slot  -- not other facts said in passing
        WHERE q.category = 'changing_facts' ORDER BY q.question_id, e.ordinal""").fetchall()
    chains = defaultdict(list)
    for qid, answer, _, fid, value, start, end, sup in rows:
        chains[(qid, answer)].append((fid, value, start, end, sup))
    for (qid, answer), chain in chains.items():
        assert 2 <= len(chain) and chain[-1][1] == answer and chain[-1][3] is None and chain[-1][4] is None
        for (fid, _, start, end, sup), (nfid, _, nstart, _, _) in zip(chain, chain[1:]):
            assert start < nstart and end == nstart and sup == nfid, qid


def test_rubric_categories_carry_rubrics(con):
    rows = con.execute("SELECT rubric, answer_kind FROM questions WHERE category IN ('preferences', 'implicit_connections')").fetchall()
    assert rows and all(r.startswith("A good response should") and k == "rubric" for r, k in rows)


def test_word_overlap_is_a_share_and_spans_low_to_high(con):
    lo, hi = con.execute("SELECT min(word_overlap), max(word_overlap) FROM questions").fetchone()
    assert 0.0 <= lo <= 0.1 and 0.6 <= hi <= 1.0


def test_no_competing_values_in_any_history(con):
    """The validator's rule: outside its evidence, no message in a question's history names another value
    of the question's slot, unless it plants that value for someone else or is an earlier value of the chain."""
    values_by_slot = defaultdict(set)
    for slot, value in con.execute("SELECT DISTINCT slot, value FROM facts").fetchall():
        values_by_slot[slot].add(value)
    other_subject_plants = {(m, s) for m, s in con.execute(
        "SELECT message_id, slot FROM facts WHERE subject NOT IN ('user', 'assistant')").fetchall()}
    questions = con.execute("SELECT question_id, slot, answer, aliases FROM questions WHERE slot IS NOT NULL").fetchall()
    evidence = defaultdict(set)
    for qid, mid in con.execute("SELECT question_id, message_id FROM evidence").fetchall():
        evidence[qid].add(mid)
    chain_values = defaultdict(set)
    for qid, value in con.execute("""SELECT e.question_id, f.value FROM evidence e JOIN facts f USING (message_id)
                                     JOIN questions q USING (question_id) WHERE q.category = 'changing_facts'""").fetchall():
        chain_values[qid].add(value)
    texts = defaultdict(list)
    for hid, mid, text in con.execute("""SELECT hc.history_id, m.message_id, m.text FROM history_conversations hc
                                         JOIN messages m USING (conversation_id)""").fetchall():
        texts[hid].append((mid, text))
    asked = defaultdict(list)
    for hid, qid in con.execute("SELECT history_id, question_id FROM history_questions").fetchall():
        asked[qid].append(hid)
    patterns = {}
    for qid, slot, answer, aliases in questions:
        competing = sorted(values_by_slot.get(slot, set()) - {answer, *aliases} - chain_values[qid])
        if not competing:
            continue
        key = tuple(competing)
        if key not in patterns:
            patterns[key] = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, competing)) + r")(?!\w)")
        for hid in asked[qid]:
            for mid, text in texts[hid]:
                if mid in evidence[qid] or (mid, slot) in other_subject_plants:
                    continue
                hit = patterns[key].search(text)
                assert hit is None, f"{qid} in {hid}: {mid} names {hit.group(0)!r} for slot {slot}"


def test_a_persona_keeps_one_value_per_fact_slot(con):
    rows = con.execute("""SELECT persona_id, subject, slot, count(DISTINCT value) FROM facts
                          WHERE slot IN (SELECT DISTINCT slot FROM questions
                                         WHERE category IN ('user_facts', 'assistant_facts') AND slot IS NOT NULL)
                          GROUP BY ALL HAVING count(DISTINCT value) > 1""").fetchall()
    assert rows == []


def test_hard_negatives_are_registered_for_other_people(con):
    rows = con.execute("""SELECT f.subject, c.kind FROM facts f JOIN messages m USING (message_id)
                          JOIN conversations c USING (conversation_id) WHERE f.subject NOT IN ('user', 'assistant')""").fetchall()
    assert rows and {k for _, k in rows} <= {"filler", "evidence"}
    # someone else's value (a decoy aside, a hard negative) is never the evidence of an answerable question
    stray = con.execute("""SELECT count(*) FROM facts f JOIN evidence e USING (message_id)
                           JOIN questions q USING (question_id)
                           WHERE f.subject NOT IN ('user', 'assistant') AND NOT q.is_abstention""").fetchone()[0]
    assert stray == 0


def test_a_draft_is_addressed_to_the_person_the_request_names():
    import random
    import re

    from memcurve.generators.compose import Composer

    composer = Composer("real", {"first_name": "Ellis", "job": "nurse", "hobby": "chess"})
    rng = random.Random(7)
    checked = 0
    for _ in range(300):
        _, segments, _ = composer.conversation(rng)
        for segment in segments:
            for (_, asked, _), (_, reply, _) in zip(segment[::2], segment[1::2]):
                greeting = re.search(r"Here's a draft:\n\nHi ([^,]+),", reply)
                if greeting:
                    named = re.search(r"(?:send to|note to|message to) (.+?) (?:about|explaining)", asked)
                    assert named and named.group(1) == greeting.group(1), (asked, reply[:80])
                    checked += 1
    assert checked >= 10
