"""Changing facts, temporal events and aggregation amounts said in passing, like the decoys fillers carry.

Each persona reserves a changing slot, events and aggregation kinds it is never asked about; fillers say
them with the same aside sentences as the evidence. The semantics hold on a real store: a changing chain
still ends with the answer and no decoy names an asked slot's value (validate), an event's aside says
"today" in the message whose timestamp dates it, and a sum or pick only ever meets its own planted amounts.
"""

import random
import re

import duckdb
import pytest

from memcurve.generators.personas import make_persona
from memcurve.generators.planting import aggregation, changing_facts, temporal
from memcurve.generators.planting.vocab import titles, words
from memcurve.generators.validate import validate
from support import generate_small_store, redrawn_personas

SEED = 5
CATEGORIES = ("changing_facts", "temporal", "aggregation")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return generate_small_store(tmp_path_factory.mktemp("asides3"), SEED, CATEGORIES)


@pytest.fixture(scope="module")
def con(store):
    with duckdb.connect(str(store), read_only=True) as c:
        yield c


def personas(con):
    return redrawn_personas(con, SEED)


def filler_user_texts(con, pid):
    return [t for (t,) in con.execute("""SELECT m.text FROM messages m JOIN conversations c USING (conversation_id)
                                         WHERE c.persona_id = ? AND c.kind = 'filler' AND m.speaker = 'user'""",
                                      [pid]).fetchall()]


def history_messages(con, qid):
    """(message id, speaker, text) of every message in any history that asks `qid`, its evidence left out."""
    return con.execute("""SELECT DISTINCT m.message_id, m.speaker, m.text FROM history_questions hq
                          JOIN history_conversations hc USING (history_id) JOIN messages m USING (conversation_id)
                          WHERE hq.question_id = ? AND m.message_id NOT IN
                                (SELECT message_id FROM evidence WHERE question_id = ?)""", [qid, qid]).fetchall()


def test_the_store_validates(store):
    report = validate(store)
    assert report.ok, report.render()
    assert report.check("changing_final").failing_ids == []


def test_evidence_is_an_aside_on_its_fillers_turn(con):
    rows = con.execute("""SELECT q.category, m.text, c.persona_id, c.started_at, c.conversation_id
                          FROM questions q JOIN evidence e USING (question_id) JOIN messages m USING (message_id)
                          JOIN conversations c USING (conversation_id)""").fetchall()
    assert {r[0] for r in rows} == set(CATEGORIES)
    shape = "SELECT list(speaker ORDER BY position) FROM messages WHERE conversation_id = ?"
    compared = 0
    for category, text, pid, started, cid in rows:
        filler = con.execute("SELECT conversation_id FROM conversations WHERE persona_id = ? AND started_at = ? "
                             "AND kind = 'filler'", [pid, started]).fetchone()
        if filler is not None:  # the slot's filler is in some history: same shape, one turn told differently
            compared += 1
            assert con.execute(shape, [cid]).fetchone() == con.execute(shape, [filler[0]]).fetchone(), cid
            differing = con.execute("""SELECT count(*) FROM messages a JOIN messages b USING (position)
                                       WHERE a.conversation_id = ? AND b.conversation_id = ? AND a.text <> b.text""",
                                    [cid, filler[0]]).fetchone()[0]
            assert 1 <= differing <= 2, cid  # the host turn, and its reply where that acknowledges the aside
    assert compared >= 10


def test_reserved_slots_events_and_kinds_are_never_asked(con):
    for pid, persona in personas(con).items():
        asked = con.execute("SELECT category, question_type, slot FROM questions WHERE persona_id = ?", [pid]).fetchall()
        slots = {slot for category, _, slot in asked if category == "changing_facts"}
        kinds = {qtype.split("/")[1] for category, qtype, _ in asked if category == "aggregation"}
        assert slots and not slots & set(changing_facts.reserved(persona)), pid
        assert kinds and not kinds & set(aggregation.reserved(persona)), pid
        events = {v for (v,) in con.execute("""SELECT f.value FROM facts f JOIN evidence e USING (message_id)
                                                JOIN questions q USING (question_id)
                                                WHERE q.persona_id = ? AND f.slot = 'event'""", [pid]).fetchall()}
        assert events and not events & set(temporal.reserved_events(persona)), pid


def test_fillers_say_the_reserved_facts_with_the_evidence_sentences(con):
    said, reserved = 0, 0  # a small store has few filler turns for all decoys: most, not all, are said
    for pid, persona in personas(con).items():
        texts = filler_user_texts(con, pid)
        chains: dict[str, list[str]] = {}
        for key, ctx, _ in changing_facts.decoys(persona):
            chains.setdefault(key, []).append(ctx["value"])
        assert [len(c) for c in chains.values()] == [changing_facts.DECOY_STEPS] * changing_facts.RESERVED
        for value in (v for chain in chains.values() for v in chain):
            reserved += 1
            said += any(value in t for t in texts)
        for event in temporal.reserved_events(persona):
            mentions = [t for t in texts if event in t]
            assert all("today" in t.lower() for t in mentions), (pid, event)
            reserved += 1
            said += bool(mentions)
        for key, ctx, _ in aggregation.decoys(persona):
            kind = key.split("/")[1]
            needles = [ctx["item"]] if ctx["item"] else [f"{ctx['amount']} miles"] if kind == "miles_run" \
                else [f"${ctx['amount']}", ctx["friend"]]
            reserved += 1
            said += any(all(n in t for n in needles) for t in texts)
    assert said >= reserved / 2, (said, reserved)


def test_temporal_events_are_said_today_only_in_their_evidence(con):
    rows = con.execute("""SELECT q.question_id, m.text, f.value, f.valid_from, m.sent_at
                          FROM questions q JOIN evidence e USING (question_id) JOIN messages m USING (message_id)
                          JOIN facts f ON f.message_id = m.message_id AND f.slot = 'event'
                          WHERE q.category = 'temporal'""").fetchall()
    assert len(rows) >= 10
    events: dict[str, set[str]] = {}
    for qid, text, event, valid_from, sent_at in rows:
        assert event in text and "today" in text.lower(), text  # the aside dates the event by its own message
        assert valid_from == sent_at and 7 <= sent_at.hour < 24, (qid, sent_at)
        events.setdefault(qid, set()).add(event)
    for qid, labels in events.items():
        for _, _, text in history_messages(con, qid):
            assert not any(label in text for label in labels), (qid, text)


# how a user message states an amount or item of each aggregation kind
_KIND_PATTERNS = {
    "books_finished": "|".join(map(re.escape, titles("finished"))),
    "museum_tickets": "|".join(map(re.escape, words("museums"))),
    "biggest_purchase": "|".join(map(re.escape, words("purchases"))),
    "miles_run": r"\b(?:ran|managed|after|run was|run of) \d+ miles\b",  # a hike's miles (distractors) are no run
    "gift_spending": r"birthday (?:present|gift)\b.*\$\d|\$\d+.*birthday (?:present|gift)",
}


def test_aggregation_answers_count_only_their_planted_amounts(con):
    questions = con.execute("SELECT question_id, question_type, answer FROM questions "
                            "WHERE category = 'aggregation'").fetchall()
    assert len({qtype for _, qtype, _ in questions}) >= 2
    for qid, qtype, answer in questions:
        kind = qtype.split("/")[1]
        slot = aggregation.KINDS[kind][3]
        stated = con.execute("""SELECT m.text, f.value FROM evidence e JOIN messages m USING (message_id)
                                JOIN facts f ON f.message_id = m.message_id AND f.slot = ?
                                WHERE e.question_id = ?""", [slot, qid]).fetchall()
        assert stated and all(value in text for text, value in stated), qid
        if aggregation.KINDS[kind][0] == "sum":  # one amount per evidence message; they add up to the answer
            assert sum(int(value.lstrip("$")) for _, value in stated) == int(answer), qid
        if aggregation.KINDS[kind][0] == "count":
            assert len({value for _, value in stated}) == int(answer), qid
        pattern = re.compile(_KIND_PATTERNS[kind])
        others = {m for (m,) in con.execute("SELECT message_id FROM facts WHERE subject <> 'user'").fetchall()}
        for mid, speaker, text in history_messages(con, qid):  # other people's (registered) amounts aside
            assert speaker == "assistant" or mid in others or not pattern.search(text), (qid, text)


def test_free_events_exclude_other_peoples_events_so_the_chain_cap_holds():
    """The chain planner caps temporal evidence at len(free_events); plant draws only from them, so a chain
    asking for every free event (ConvoMem scale: 40 questions a chain, up to 6 events each) never runs short."""
    from memcurve.generators.planting.common import ChainState
    from memcurve.generators.templating import load_pack

    pack = load_pack()
    for index in range(12):
        persona = make_persona(index, random.Random(index))
        free = temporal.free_events(persona)
        assert not set(free) & persona.distractor_values(temporal.EVENT_SLOT)
        assert not set(free) & set(temporal.reserved_events(persona))
        state, rng = ChainState(), random.Random(index)
        drawn = []
        while len(free) - len(drawn) >= 2:
            drawn += temporal.plant(pack, persona, rng, 2, "which_first", state).event_labels
        assert len(set(drawn)) == len(drawn) >= len(free) - 1
        assert set(drawn) <= set(free)
