"""Preferences and implicit circumstances said in passing, like the decoys fillers carry.

Each persona reserves 2 lasting aspects per domain that it is never asked about; fillers say its held value of
each with the same `say` sentences as the evidence (registered as the user's facts), and a question's evidence
is one aside on an ordinary composed turn of its slot's filler, not a wrapper conversation of its own.
"""

import duckdb
import pytest

from memcurve.generators.planting import implicit_connections, preferences
from memcurve.generators.planting.vocab import structured
from memcurve.generators.validate import validate
from support import generate_small_store, redrawn_personas

SEED = 5
CATEGORIES = ("preferences", "implicit_connections")
PLANTERS = {"preferences": (preferences, "preferences", "preferences"),
            "implicit_connections": (implicit_connections, "implicit", "circumstances")}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return generate_small_store(tmp_path_factory.mktemp("prefasides"), SEED, CATEGORIES)


@pytest.fixture(scope="module")
def con(store):
    with duckdb.connect(str(store), read_only=True) as c:
        yield c


def personas(con):
    return redrawn_personas(con, SEED)


def sentences(vocab: str) -> set[str]:
    return {s for aspects in structured(vocab).values() for values in aspects.values()
            for entry in values.values() for s in entry["say"]}


def test_the_store_validates(store):
    report = validate(store)
    assert report.ok, report.render()


def test_every_domain_fits_the_largest_question():
    for planter, vocab, _ in PLANTERS.values():
        assert planter.topics(6) == sorted(structured(vocab))  # 6 asked aspects besides the 2 reserved


def test_reserved_aspects_are_lasting_and_never_asked(con):
    asked = 0
    for pid, persona in personas(con).items():
        for category, (planter, vocab, _) in PLANTERS.items():
            kept = planter.reserved(persona)
            assert kept == planter.reserved(persona)  # the same wherever it is asked for
            for domain, aspects in kept.items():
                assert len(aspects) == preferences.RESERVED
                values = structured(vocab)[domain]
                assert not any(preferences.temporary(a, values[a]) for a in aspects), (pid, domain)
            slots = [s for (s,) in con.execute("""SELECT f.slot FROM questions q JOIN evidence e USING (question_id)
                                                  JOIN facts f USING (message_id)
                                                  WHERE q.persona_id = ? AND q.category = ? AND NOT e.restates
                                                        AND f.slot LIKE '%.%'""",
                                               [pid, category]).fetchall()]
            asked += len(slots)
            for slot in slots:
                domain, aspect = slot.split(".")
                assert aspect not in kept[domain], (pid, category, slot)
    assert asked >= 10


def test_decoys_say_the_held_reserved_values_with_the_evidence_sentences(con):
    said = 0
    for pid, persona in personas(con).items():
        for category, (planter, vocab, field) in PLANTERS.items():
            decoys = planter.decoys(persona)
            assert decoys
            for key, ctx, fact in decoys:
                assert key == f"{category}/plant"
                domain, aspect = fact.slot.split(".")
                assert fact.subject == "user" and aspect in planter.reserved(persona)[domain]
                assert fact.value == getattr(persona, field)[domain][aspect]  # the persona's own, true value
                assert ctx["statement"] in structured(vocab)[domain][aspect][fact.value]["say"]
            texts = [t for (t,) in con.execute("""SELECT m.text FROM messages m JOIN conversations c USING (conversation_id)
                                                  WHERE c.persona_id = ? AND c.kind = 'filler' AND m.speaker = 'user'""",
                                               [pid]).fetchall()]
            found = {ctx["statement"] for _, ctx, _ in decoys if any(ctx["statement"] in t for t in texts)}
            said += len(found)
        # registered as the user's facts of a reserved aspect, on the filler message that says it
        registered = {(s, v) for s, v in con.execute(
            "SELECT DISTINCT slot, value FROM facts f JOIN messages m USING (message_id) JOIN conversations c "
            "USING (conversation_id) WHERE f.persona_id = ? AND f.subject = 'user' AND c.kind = 'filler' "
            "AND f.slot LIKE '%.%'", [pid]).fetchall()}
        expected = {(f.slot, f.value) for planter, _, _ in PLANTERS.values() for _, _, f in planter.decoys(persona)}
        assert registered and registered <= expected, pid
    assert said >= 10


def test_evidence_is_an_aside_on_its_fillers_composed_turn(con):
    rows = con.execute("""SELECT q.category, m.text, c.persona_id, c.started_at, c.conversation_id
                          FROM questions q JOIN evidence e USING (question_id) JOIN messages m USING (message_id)
                          JOIN conversations c USING (conversation_id) WHERE NOT e.restates""").fetchall()
    assert {r[0] for r in rows} == set(CATEGORIES)
    says = {c: sentences(PLANTERS[c][1]) for c in CATEGORIES}
    shape = "SELECT list(speaker ORDER BY position) FROM messages WHERE conversation_id = ?"
    compared = 0
    for category, text, pid, started, cid in rows:
        stated = [s for s in says[category] if s in text]
        assert stated, text  # the statement itself...
        assert text.strip() not in says[category]  # ...inside an ordinary composed turn, not on its own
        assert "Random thought while I'm here" not in text
        filler = con.execute("SELECT conversation_id FROM conversations WHERE persona_id = ? AND started_at = ? "
                             "AND kind = 'filler'", [pid, started]).fetchone()
        if filler is not None:
            compared += 1
            assert con.execute(shape, [cid]).fetchone() == con.execute(shape, [filler[0]]).fetchone(), cid
            differing = con.execute("""SELECT count(*) FROM messages a JOIN messages b USING (position)
                                       WHERE a.conversation_id = ? AND b.conversation_id = ? AND a.text <> b.text""",
                                    [cid, filler[0]]).fetchone()[0]
            assert 1 <= differing <= 2, cid
    assert compared >= 5
