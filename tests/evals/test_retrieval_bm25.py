"""Retrieval units and the BM25 index: splitting, ranking, tie-breaking, clamping, reuse."""

import threading

import pytest

from memcurve.evals.history import load_history
from memcurve.evals.retrieval import BM25Index, Unit, index_for, split_units


@pytest.fixture
def history(tiny_store):
    return load_history(tiny_store, "p000-h00-n0003")


def test_units_split_messages_rounds_and_conversations(history):
    assert [u.message_ids for u in split_units(history, "message")][:2] == [("p000-c0000-m00",), ("p000-c0000-m01",)]
    rounds = split_units(history, "round")
    assert [u.message_ids for u in rounds] == [(f"{c}-m00", f"{c}-m01") for c in ("p000-c0000", "p000-c0001", "p000-c0002")]
    assert rounds[1].text.startswith("Biscuit chewed") and "rubber toy" in rounds[1].text
    assert len(split_units(history, "conversation")) == 3
    with pytest.raises(ValueError, match="unknown unit 'page'"):
        split_units(history, "page")


def test_rounds_start_at_each_user_turn():
    from datetime import datetime

    from memcurve.evals.history import Conversation, History, Message

    t = datetime(2024, 1, 1)
    msgs = [Message(f"c-m{i}", "c", i, s, f"text {i}", t, 2)
            for i, s in enumerate(["assistant", "user", "assistant", "assistant", "user"])]
    h = History("db", "h", (Conversation("c", t, tuple(msgs)),))
    assert [u.message_ids for u in split_units(h, "round")] == [("c-m0",), ("c-m1", "c-m2", "c-m3"), ("c-m4",)]


def test_ranking_uses_stems_and_breaks_ties_by_time():
    index = BM25Index([Unit(("a",), "We adopted a kitten"), Unit(("b",), "My running shoes got wrecked"),
                       Unit(("c",), "Shoe shopping with the kittens"), Unit(("d",), "Nothing relevant")])
    hits = index.search("Which shoes did the kittens wreck?", k=3)
    # b matches shoe + wreck (rare: high idf), c shoe + kitten (in two units), a kitten only
    assert [h.unit.message_ids[0] for h in hits] == ["b", "c", "a"]
    assert hits[0].score > 0 and [h.rank for h in hits] == [0, 1, 2]
    assert [h.unit.message_ids[0] for h in index.search("zebra", k=2)] == ["a", "b"]  # all zero: earliest first
    assert [h.unit.message_ids[0] for h in index.search("the what my", k=9)] == ["a", "b", "c", "d"]  # clamped


def test_index_is_built_once_per_history_and_unit(history):
    built = []
    def build():
        built.append(index_for(history, "round"))
    threads = [threading.Thread(target=build) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(i) for i in built}) == 1
    assert index_for(history, "message") is not built[0]
    assert index_for(history, "round") is built[0]


def test_units_indexed_from_their_messages_tokens_rank_as_their_texts(history):
    """The audit tokenizes each message once and joins the tokens; that must equal tokenizing the joined text."""
    import Stemmer
    import numpy as np

    from memcurve.evals.retrieval.bm25 import tokenize

    by_id = dict(zip((m.message_id for m in history.messages),
                     tokenize([m.text for m in history.messages], Stemmer.Stemmer("english"))))
    for unit in ("message", "round", "conversation"):
        pieces = split_units(history, unit)
        joined = [[t for mid in p.message_ids for t in by_id[mid]] for p in pieces]
        for query in ("What did the dog chew?", "rubber toy", "Biscuit"):
            assert np.array_equal(BM25Index(pieces, joined).scores(query), BM25Index(pieces).scores(query))
    with pytest.raises(ValueError, match="2 token lists for 3 units"):
        BM25Index(split_units(history, "conversation"), [["a"], ["b"]])
