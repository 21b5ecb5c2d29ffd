"""Book-SORT construction on a text written here: bin edges, sentence starts, bins, A/B balance, determinism."""

import random
from collections import Counter

import pytest

from memcurve.evals.sort.construction import (
    build_items,
    distance_bin_edges,
    ends_sentence,
    excerpt_words,
    feasible_bins,
    segment_texts,
    sentence_starts,
)
from memcurve.evals.sort.dataset import sort_samples
from memcurve.evals.sort.sources import SortText
from memcurve.errors import ConfigError

NOUNS = ["lantern", "harbour", "orchard", "letter", "kettle", "meadow", "captain", "window", "ferry", "cellar"]
VERBS = ["watched", "carried", "found", "mended", "painted", "crossed", "heard", "opened"]
OTHERS = ["the", "a", "quiet", "old", "narrow", "bright", "under", "beside", "slowly", "again", "Mr.", "Dr."]
ENDINGS = [".", ".", ".", "?", "!", ";"]


def write_text(n_words: int, seed: int = 7) -> list[str]:
    """A varied pseudo-text: sentences of 4-24 words ending in . ? ! or ;, with Mr./Dr. inside sentences."""
    rng = random.Random(seed)
    words: list[str] = []
    while len(words) < n_words:
        n = rng.randint(4, 24)
        sentence = [rng.choice(NOUNS + VERBS + OTHERS) for _ in range(n - 1)] + [rng.choice(NOUNS)]
        sentence[0] = sentence[0].capitalize()
        sentence[-1] += rng.choice(ENDINGS)
        words.extend(sentence)
    return words[:n_words]


WORDS = write_text(30_000)


def test_bin_edges_match_book_sort_table():
    # §4.1 upper edges: 250 -> 62/83/125/200; 1,000 -> 250/333/500/800; 2,500 -> 625/833/1,250/2,000;
    # 10,000 -> 1,000/2,500/5,000/8,000; 20,000 -> 1,000/5,000/10,000/16,000
    assert distance_bin_edges(250, 20) == [20, 62, 83, 125, 200]
    assert distance_bin_edges(1000, 50) == [50, 250, 333, 500, 800]
    assert distance_bin_edges(2500, 20) == [20, 625, 833, 1250, 2000]
    assert distance_bin_edges(10000, 50) == [50, 1000, 2500, 5000, 8000]
    assert distance_bin_edges(20000, 20) == [20, 1000, 5000, 10000, 16000]
    assert [b[2] for b in feasible_bins(250, 50)] == [62, 83, 125, 200]
    assert feasible_bins(100, 50) == []  # segments this long leave no room for a pair


def test_sentence_ends_and_starts():
    assert ends_sentence("end.") and ends_sentence("really?") and ends_sentence("so!") and ends_sentence("then;")
    assert not ends_sentence("Mr.") and not ends_sentence("mrs.") and not ends_sentence("Dr.")
    assert not ends_sentence("comma,") and not ends_sentence("colon:")
    words = "One two. Three Mr. Smith four? Five; six".split()
    assert sentence_starts(words).tolist() == [0, 2, 6, 7]
    assert sentence_starts("Ends here.".split()).tolist() == [0]  # no start past the end


@pytest.fixture(scope="module")
def items():
    return build_items(WORDS, source="t", excerpt_lengths=(250, 1000, 2500), segment_lengths=(20, 50),
                       excerpts_per_length=10, seed=3)


def test_counts_one_pair_per_bin_per_excerpt(items):
    counts = Counter((i.excerpt_length, i.segment_length) for i in items)
    assert counts == {(e, s): 40 for e in (250, 1000, 2500) for s in (20, 50)}
    per_excerpt = Counter((i.excerpt_length, i.segment_length, i.excerpt_idx) for i in items)
    assert set(per_excerpt.values()) == {4}
    bins = {(i.excerpt_length, i.segment_length, i.excerpt_idx): set() for i in items}
    for i in items:
        bins[(i.excerpt_length, i.segment_length, i.excerpt_idx)].add(i.bin_index)
    assert all(b == {1, 2, 3, 4} for b in bins.values())


def test_excerpts_and_segments_start_at_sentence_starts(items):
    starts = set(sentence_starts(WORDS).tolist())
    for i in items:
        assert i.excerpt_start in starts
        assert i.excerpt_start + i.excerpt_length <= len(WORDS)
        assert i.excerpt_start + i.seg1_pos in starts
        assert i.excerpt_start + i.seg2_pos in starts
        assert i.excerpt_start == 0 or ends_sentence(WORDS[i.excerpt_start - 1])


def test_segments_inside_excerpt_in_their_bin_and_apart(items):
    for i in items:
        edges = distance_bin_edges(i.excerpt_length, i.segment_length)
        lower, upper = edges[i.bin_index - 1], edges[i.bin_index]
        assert (i.bin_lower, i.distance_bin) == (lower, upper)
        assert lower < i.distance <= upper
        assert 0 <= i.seg1_pos < i.seg2_pos
        assert i.seg2_pos + i.segment_length <= i.excerpt_length  # the later segment ends inside the excerpt
        assert i.seg1_pos + i.segment_length <= i.seg2_pos  # no overlap
        excerpt = " ".join(excerpt_words(WORDS, i))
        a, b = segment_texts(WORDS, i)
        assert len(a.split()) == len(b.split()) == i.segment_length
        assert a in excerpt and b in excerpt
        earlier = a if i.present_seg1_first else b
        assert excerpt.index(earlier) < excerpt.index(b if i.present_seg1_first else a)


def test_ab_balance_exactly_half_per_bin(items):
    per_bin = Counter((i.excerpt_length, i.segment_length, i.bin_index) for i in items if i.present_seg1_first)
    assert set(per_bin.values()) == {5} and len(per_bin) == 24
    assert Counter(i.target for i in items) == {"A": 120, "B": 120}
    odd = build_items(WORDS, source="t", excerpt_lengths=(250,), segment_lengths=(20,), excerpts_per_length=7)
    firsts = Counter(i.bin_index for i in odd if i.present_seg1_first)
    assert all(v in (3, 4) for v in firsts.values())


def test_same_seed_same_samples_other_seed_differs():
    text = SortText("t", tuple(WORDS))
    kwargs = dict(excerpt_lengths=(250, 1000), segment_lengths=(20,), excerpts=6,
                  conditions=("in_context", "no_context"))
    one = sort_samples([text], seed=11, **kwargs)
    two = sort_samples([text], seed=11, **kwargs)
    other = sort_samples([text], seed=12, **kwargs)
    dump = lambda samples: [(s.id, s.input, s.target, s.metadata) for s in samples]  # noqa: E731
    assert dump(one) == dump(two)
    assert dump(one) != dump(other)
    assert len(one) == 2 * 4 * 6 * 2
    # adding an excerpt length leaves the other lengths' items unchanged
    more = sort_samples([text], seed=11, **{**kwargs, "excerpt_lengths": (250, 1000, 2500)})
    assert dump(more)[: len(one)] == dump(one)


def test_sample_fields(items):
    samples = sort_samples([SortText("t", tuple(WORDS))], excerpt_lengths=(250,), segment_lengths=(20,),
                           excerpts=2, seed=3, conditions=("in_context", "rag"))
    s = samples[0]
    assert s.id == "t:e250:s20:x000:b1:in_context" and samples[1].id.endswith(":rag")
    for key in ("excerpt_length", "segment_length", "distance_bin", "distance", "seg1_pos", "seg2_pos",
                "present_seg1_first", "excerpt_idx", "condition", "source"):
        assert key in s.metadata
    assert s.target == ("A" if s.metadata["present_seg1_first"] else "B")
    assert "Segment A: " in s.input and "Segment B: " in s.input
    assert len(s.input.split()) < 120  # no excerpt in the sample; the solver adds it


def test_long_lengths_dropped_and_bad_texts_rejected():
    short = write_text(600)
    items = build_items(short, source="s", excerpt_lengths=(250, 1000), segment_lengths=(20,), excerpts_per_length=3)
    assert {i.excerpt_length for i in items} == {250}
    with pytest.raises(ConfigError, match="excerpt_lengths"):
        sort_samples([SortText("s", tuple(short))], excerpt_lengths=(1000,), segment_lengths=(20,))
    no_stops = ["word"] * 2000
    with pytest.raises(ConfigError, match="too few sentence boundaries"):
        build_items(no_stops, source="n", excerpt_lengths=(250,), segment_lengths=(20,), excerpts_per_length=2)
    with pytest.raises(ConfigError, match="conditions"):
        sort_samples([SortText("s", tuple(short))], excerpt_lengths=(250,), conditions=("oracle",))
