"""SORT sources: plain-text files and memcurve store histories (the hand-built tiny_store)."""

import pytest

from memcurve.evals.sort.construction import excerpt_words, segment_texts
from memcurve.evals.sort.dataset import as_list, sort_samples
from memcurve.evals.sort.solvers import item_from_metadata as _item
from memcurve.evals.sort.sources import store_sources, text_source
from memcurve.errors import ConfigError, InputFormatError, StoreError

HISTORY_3 = (
    "User: Could you give me a quick weeknight pasta recipe with spinach? "
    "Assistant: Sure: saute garlic in olive oil, wilt the spinach, toss with penne and parmesan. "
    "User: Biscuit chewed my running shoes again, what chew toys hold up for a beagle? "
    "Assistant: Try a heavy rubber toy you can stuff with treats; it keeps a beagle busy for a while. "
    "User: What should I pack for a rainy weekend hiking trip? "
    "Assistant: A waterproof shell, spare socks, a warm layer and a dry bag for your phone."
)


def test_text_file_words_and_errors(tmp_path):
    book = tmp_path / "book.txt"
    book.write_text("It was late.\n\nThe  lamp\tflickered; nobody moved!\n", encoding="utf-8")
    text = text_source(book)
    assert text.source == "book.txt"
    assert text.words == ("It", "was", "late.", "The", "lamp", "flickered;", "nobody", "moved!")
    assert text.description == 'the text "book.txt"'
    with pytest.raises(InputFormatError, match="no such file"):
        text_source(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="no words"):
        text_source(tmp_path / "empty.txt")
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputFormatError, match="not UTF-8"):
        text_source(tmp_path / "bin.txt")


def test_store_histories_rendered_in_order(tiny_store):
    texts = store_sources(tiny_store)
    assert [t.source for t in texts] == ["p000-h00-n0001", "p000-h00-n0003"]
    assert texts[1].text == HISTORY_3
    assert texts[0].text.startswith("User: Biscuit chewed") and texts[0].text.endswith("busy for a while.")
    assert [t.source for t in store_sources(tiny_store, history_sizes=[3])] == ["p000-h00-n0003"]
    assert [t.source for t in store_sources(tiny_store, history_limit=1)] == ["p000-h00-n0001"]
    with pytest.raises(ConfigError, match=r"sizes present: \[1, 3\]"):
        store_sources(tiny_store, history_sizes=[50])
    with pytest.raises(StoreError, match="no such benchmark"):
        store_sources(tiny_store.parent / "nope.duckdb")


def test_store_samples_come_from_the_history(tiny_store):
    texts = store_sources(tiny_store, history_sizes=[3])
    samples = sort_samples(texts, excerpt_lengths=(80,), segment_lengths=(4,), excerpts=2, seed=0,
                           conditions=("in_context",))
    assert len(samples) == 8  # 2 excerpts x 4 bins
    words = texts[0].words
    for s in samples:
        m = s.metadata
        assert m["source"] == "p000-h00-n0003" and m["excerpt_start"] == 0  # 88 words: snapped back to 0
        assert m["bin_lower"] < m["distance"] <= m["distance_bin"] and m["distance_bin"] in (20, 26, 40, 64)
        a, b = s.input.split("Segment A: ")[1].split("\n\nSegment B: ")
        b = b.split("\n\n")[0]
        assert a in " ".join(excerpt_words(words, _item(m))) and b in HISTORY_3
        assert (a, b) == segment_texts(words, _item(m))
    # the seg starts are sentence starts of the history: the speaker labels and after . ? ;
    starts = {words[s.metadata["seg1_pos"]] for s in samples} | {words[s.metadata["seg2_pos"]] for s in samples}
    assert starts <= {"User:", "Assistant:", "it", "A"}
    assert "a conversation history" in samples[0].input


def test_as_list_reads_task_arg_shapes():
    assert as_list(250, "x") == [250]
    assert as_list([250, 1000], "x") == [250, 1000]
    assert as_list("250,1000", "x") == [250, 1000]
    assert as_list("in_context", "c", str) == ["in_context"]
    assert as_list(None, "x") == []
    with pytest.raises(ConfigError, match="excerpt_lengths: expected int"):
        as_list("long", "excerpt_lengths")

