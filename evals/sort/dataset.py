"""SORT items -> Inspect Samples: one per item and condition, ids and positions only.

The sample input holds just the two labelled segments and the question; the solver adds the excerpt (or
the retrieved passages, or nothing) when the prompt is built, so excerpts never sit in sample metadata.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai.dataset import Sample

from memcurve.evals.sort.construction import SortItem, build_items, segment_texts
from memcurve.evals.sort.sources import SortText
from memcurve.errors import ConfigError

CONDITIONS = ("in_context", "no_context", "rag")


def as_list(value, name: str, kind: type = int) -> list:
    """A -T value as a list: `-T x=250` arrives as 250, `-T x=250,1000` as a list, `-T x="a b"` as str."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split() if v]
    elif not isinstance(value, (list, tuple)):
        value = [value]
    try:
        return [kind(v) for v in value]
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: expected {kind.__name__} values, got {value!r}") from None


def check_conditions(conditions: Sequence[str]) -> list[str]:
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown or not conditions:
        raise ConfigError(f"conditions: unknown {unknown or conditions!r}; valid values: {', '.join(CONDITIONS)}")
    return list(dict.fromkeys(conditions))


def question_text(item: SortItem, words: Sequence[str], where: str) -> str:
    """The two segments labelled A and B and the question; `where` names the text they come from."""
    a, b = segment_texts(words, item)
    return (
        f"Here are two segments of {where}, labelled A and B. Decide which of them came first.\n\n"
        f"Segment A: {a}\n\n"
        f"Segment B: {b}\n\n"
        f"Which segment came first in {where}: A or B?"
    )


def sort_samples(
    texts: Sequence[SortText],
    *,
    excerpt_lengths: Sequence[int] = (250, 1000, 2500),
    segment_lengths: Sequence[int] = (20, 50),
    excerpts: int = 10,
    seed: int = 0,
    conditions: Sequence[str] = ("in_context", "no_context"),
) -> list[Sample]:
    """Samples for every text, setting, excerpt, bin and condition, in that (stable) order."""
    conditions = check_conditions(conditions)
    samples = []
    for index, text in enumerate(texts):
        items = build_items(
            text.words, source=text.source, source_index=index, excerpt_lengths=excerpt_lengths,
            segment_lengths=segment_lengths, excerpts_per_length=excerpts, seed=seed,
        )
        for item in items:
            for condition in conditions:
                samples.append(Sample(
                    id=sample_id(item, condition),
                    input=question_text(item, text.words, text.description),
                    target=item.target,
                    metadata={**item.as_metadata(), "condition": condition},
                ))
    if not samples:
        longest = max((len(t.words) for t in texts), default=0)
        raise ConfigError(
            f"excerpt_lengths: every length in {list(excerpt_lengths)} is longer than the text "
            f"({longest} words at most); choose shorter excerpts"
        )
    return samples


def sample_id(item: SortItem, condition: str) -> str:
    return (f"{item.source}:e{item.excerpt_length}:s{item.segment_length}:x{item.excerpt_idx:03d}"
            f":b{item.bin_index}:{condition}")
