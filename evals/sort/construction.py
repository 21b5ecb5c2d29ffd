"""Book-SORT construction: excerpts, segment pairs in distance bins, and balanced A/B presentation.

Everything is counted in words (the text is split on whitespace), as in Book-SORT (Pink et al. 2024,
github.com/bridge-ai-neuro/SORT). For each (excerpt length L_E, segment length L_S) we draw excerpts whose
start is snapped back to a sentence start, then one pair of segments per distance bin inside each excerpt.
Both segments start at sentence starts and run L_S words; the distance is start to start and a pair falls in
a bin when lower < d <= upper. Within each bin a balanced 0/1 vector decides whether the earlier segment is
shown as A, so always answering "A" scores exactly 50%.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from memcurve.errors import ConfigError

SENTENCE_MARKERS = frozenset(".?!;")
_MARKER = re.compile(r"[.?!;]")
# Abbreviations that end in a full stop but are followed by a name, not a new sentence.
NOT_SENTENCE_ENDS = frozenset({"mr.", "mrs.", "dr."})
# How many excerpt starts we try before deciding the text cannot give a pair in every bin.
MAX_EXCERPT_TRIES = 200


def ends_sentence(word: str) -> bool:
    """A word containing . ? ! or ; ends a sentence (Book-SORT's rule), except Mr./Mrs./Dr."""
    if word.lower() in NOT_SENTENCE_ENDS:
        return False
    return not SENTENCE_MARKERS.isdisjoint(word)


def sentence_starts(words: Sequence[str]) -> np.ndarray:
    """Indices of the words that start a sentence: the first word and every word after a sentence end."""
    ends = [i + 1 for i, w in enumerate(words) if _MARKER.search(w) and w.lower() not in NOT_SENTENCE_ENDS]
    starts = np.asarray([0, *ends], dtype=np.int64)
    return starts[starts < len(words)]


def distance_bin_edges(excerpt_length: int, segment_length: int) -> list[int]:
    """Bin edges of Book-SORT: [L_S, L_E/4, L_E/3, L_E/2, 0.8 L_E] below 5,000 words, else 1,000 replaces L_E/3."""
    e = excerpt_length
    if e < 5000:
        return [segment_length, e // 4, e // 3, e // 2, e * 4 // 5]
    return [segment_length, 1000, e // 4, e // 2, e * 4 // 5]


def feasible_bins(excerpt_length: int, segment_length: int) -> list[tuple[int, int, int]]:
    """(bin index 1..4, lower, upper) of the bins a pair of non-overlapping segments in the excerpt can fall in.

    Book-SORT's settings keep all four; an unusual setting (segments long relative to the excerpt) loses the
    bins that would force overlapping segments or a segment running past the excerpt's end.
    """
    edges = distance_bin_edges(excerpt_length, segment_length)
    bins = []
    for index, (lower, upper) in enumerate(zip(edges[:-1], edges[1:]), start=1):
        if segment_length <= lower < upper and lower < excerpt_length - segment_length:
            bins.append((index, lower, upper))
    return bins


@dataclass(frozen=True)
class SortItem:
    """One SORT question: positions only; the words come from the source text when the prompt is built."""

    source: str
    source_index: int
    excerpt_length: int
    segment_length: int
    excerpt_idx: int
    excerpt_start: int        # word index of the excerpt in the whole text
    bin_index: int            # 1..4, comparable across excerpt lengths
    bin_lower: int
    distance_bin: int         # the bin's right edge, as in Book-SORT
    seg1_pos: int             # start of the earlier segment, relative to the excerpt
    seg2_pos: int             # start of the later segment, relative to the excerpt
    present_seg1_first: bool  # True: the earlier segment is shown as A, so the answer is A

    @property
    def distance(self) -> int:
        return self.seg2_pos - self.seg1_pos

    @property
    def target(self) -> str:
        return "A" if self.present_seg1_first else "B"

    def as_metadata(self) -> dict:
        data = dict(vars(self))  # flat fields: a shallow copy is enough (asdict deep-copies, 3x slower)
        data["distance"] = self.distance
        return data


def _pair_in_bin(starts: np.ndarray, lower: int, upper: int, rng: np.random.Generator) -> tuple[int, int] | None:
    """Draw (s1, s2) from sorted sentence starts with lower < s2 - s1 <= upper, or None if none exists.

    The earlier start is drawn uniformly among starts that have at least one partner, then the partner
    uniformly, which is what Book-SORT's rejection sampling amounts to.
    """
    first = np.searchsorted(starts, starts + lower, side="right")
    last = np.searchsorted(starts, starts + upper, side="right")
    has_partner = np.flatnonzero(last > first)
    if has_partner.size == 0:
        return None
    i = int(rng.choice(has_partner))
    j = int(rng.integers(first[i], last[i]))
    return int(starts[i]), int(starts[j])


def _pairs_for_excerpt(
    text_starts: np.ndarray, start: int, excerpt_length: int, segment_length: int,
    bins: list[tuple[int, int, int]], rng: np.random.Generator,
) -> list[tuple[int, int]] | None:
    """One pair per bin inside the excerpt starting at `start` (relative positions), or None if a bin is empty."""
    lo = np.searchsorted(text_starts, start, side="left")
    hi = np.searchsorted(text_starts, start + excerpt_length - segment_length, side="right")
    starts = text_starts[lo:hi] - start  # segments must end inside the excerpt
    pairs = []
    for _, lower, upper in bins:
        pair = _pair_in_bin(starts, lower, upper, rng)
        if pair is None:
            return None
        pairs.append(pair)
    return pairs


def balanced_flags(n: int, rng: np.random.Generator) -> np.ndarray:
    """n booleans with exactly n // 2 True (one more at random when n is odd), in shuffled order."""
    flags = np.zeros(n, dtype=bool)
    flags[: n // 2] = True
    if n % 2 and rng.random() < 0.5:
        flags[n // 2] = True
    rng.shuffle(flags)
    return flags


def build_items(
    words: Sequence[str],
    *,
    source: str,
    source_index: int = 0,
    excerpt_lengths: Sequence[int] = (250, 1000, 2500),
    segment_lengths: Sequence[int] = (20, 50),
    excerpts_per_length: int = 10,
    seed: int = 0,
) -> list[SortItem]:
    """Every SORT item of one text, in a stable order: excerpt length, segment length, excerpt, bin.

    Excerpt lengths longer than the text are dropped (as Book-SORT drops its short book). Each (source,
    L_E, L_S) draws from its own generator seeded by (seed, L_E, L_S, source_index), so adding a length or a
    source leaves the other items unchanged.
    """
    if excerpts_per_length < 1:
        raise ConfigError(f"excerpts: must be at least 1, got {excerpts_per_length}")
    text_starts = sentence_starts(words)
    items: list[SortItem] = []
    for excerpt_length in excerpt_lengths:
        if excerpt_length > len(words):
            continue
        for segment_length in segment_lengths:
            bins = feasible_bins(excerpt_length, segment_length)
            if not bins:
                raise ConfigError(
                    f"segment_lengths: {segment_length} words leaves no distance bin in a "
                    f"{excerpt_length}-word excerpt (need segment length well below excerpt length / 5)"
                )
            rng = np.random.default_rng([seed, excerpt_length, segment_length, source_index])
            items.extend(_items_for_setting(
                words, text_starts, source, source_index, excerpt_length, segment_length,
                bins, excerpts_per_length, rng,
            ))
    return items


def _items_for_setting(
    words: Sequence[str], text_starts: np.ndarray, source: str, source_index: int,
    excerpt_length: int, segment_length: int, bins: list[tuple[int, int, int]], n_excerpts: int,
    rng: np.random.Generator,
) -> list[SortItem]:
    excerpts: list[tuple[int, list[tuple[int, int]]]] = []
    tries = 0
    while len(excerpts) < n_excerpts:
        tries += 1
        if tries > MAX_EXCERPT_TRIES * n_excerpts:
            raise ConfigError(
                f"{source}: too few sentence boundaries to place a segment pair in every distance bin of "
                f"{excerpt_length}-word excerpts with {segment_length}-word segments"
            )
        raw = int(rng.integers(0, len(words) - excerpt_length + 1))
        start = int(text_starts[np.searchsorted(text_starts, raw, side="right") - 1])  # snap back
        pairs = _pairs_for_excerpt(text_starts, start, excerpt_length, segment_length, bins, rng)
        if pairs is not None:
            excerpts.append((start, pairs))
    flags_by_bin = [balanced_flags(n_excerpts, rng) for _ in bins]
    items = []
    for excerpt_idx, (start, pairs) in enumerate(excerpts):
        for b, ((bin_index, lower, upper), (s1, s2)) in enumerate(zip(bins, pairs)):
            items.append(SortItem(
                source=source, source_index=source_index, excerpt_length=excerpt_length,
                segment_length=segment_length, excerpt_idx=excerpt_idx, excerpt_start=start,
                bin_index=bin_index, bin_lower=lower, distance_bin=upper, seg1_pos=s1, seg2_pos=s2,
                present_seg1_first=bool(flags_by_bin[b][excerpt_idx]),
            ))
    return items


def excerpt_words(words: Sequence[str], item: SortItem) -> Sequence[str]:
    return words[item.excerpt_start: item.excerpt_start + item.excerpt_length]


def segment_texts(words: Sequence[str], item: SortItem) -> tuple[str, str]:
    """(segment shown as A, segment shown as B) as text."""
    base = item.excerpt_start
    first = " ".join(words[base + item.seg1_pos: base + item.seg1_pos + item.segment_length])
    second = " ".join(words[base + item.seg2_pos: base + item.seg2_pos + item.segment_length])
    return (first, second) if item.present_seg1_first else (second, first)
