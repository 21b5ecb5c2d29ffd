"""How fast SORT samples are built from a 100,000-word text.

Writes a deterministic, varied pseudo-text (sentences of 3-30 words from a few hundred word forms, with
. ? ! ; endings and Mr./Dr. inside sentences), then times the Book-SORT defaults (excerpts of 250, 1,000 and
2,500 words; segments of 20 and 50 words) and the extended lengths (10,000 and 20,000 words), at the
default 10 excerpts per length and at Book-SORT's 110. Prints elapsed time (best of 3), samples/s and
peak traced memory.

    python tests/benchmarks/bench_sort.py [--words 100000]
"""

from __future__ import annotations

import argparse
import math
import random
import time
import tracemalloc

from memcurve.evals.sort.construction import sentence_starts
from memcurve.evals.sort.dataset import sort_samples
from memcurve.evals.sort.sources import SortText

SYLLABLES = ["ka", "lo", "mer", "tin", "sa", "ve", "dor", "ri", "an", "pel", "gu", "nos", "te", "bra", "il"]
ENDINGS = [".", ".", ".", ".", "?", "!", ";"]


def pseudo_text(n_words: int, seed: int = 2024) -> tuple[str, ...]:
    rng = random.Random(seed)
    vocab = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(600)})
    vocab += ["Mr.", "Dr.", "Mrs.", "and", "the", "of", "a", "to", "in"] * 8
    words: list[str] = []
    while len(words) < n_words:
        sentence = [rng.choice(vocab) for _ in range(rng.randint(3, 30))]
        sentence[0] = sentence[0].capitalize()
        sentence[-1] = sentence[-1].rstrip(".") + rng.choice(ENDINGS)
        words.extend(sentence)
    return tuple(words[:n_words])


def timed(label: str, text: SortText, **kwargs) -> None:
    """Best of 3 timed runs, then one more run under tracemalloc (which slows Python down) for peak memory."""
    elapsed = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        samples = sort_samples([text], **kwargs)
        elapsed = min(elapsed, time.perf_counter() - t0)
    tracemalloc.start()
    sort_samples([text], **kwargs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<44} {len(samples):>7} samples  {elapsed:7.3f} s  {len(samples) / elapsed:>9.0f} samples/s"
          f"  peak {peak / 2**20:6.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=100_000)
    args = parser.parse_args()

    t0 = time.perf_counter()
    words = pseudo_text(args.words)
    print(f"pseudo-text: {len(words)} words, {len(sentence_starts(words))} sentences, "
          f"written in {time.perf_counter() - t0:.2f} s")
    text = SortText("bench.txt", words)
    standard = dict(excerpt_lengths=(250, 1000, 2500), segment_lengths=(20, 50), seed=0)
    extended = dict(excerpt_lengths=(10_000, 20_000), segment_lengths=(20, 50), seed=0)
    one = dict(conditions=("in_context",))
    timed("standard lengths, 10 excerpts, 1 condition", text, excerpts=10, **standard, **one)
    timed("standard lengths, 10 excerpts, 3 conditions", text, excerpts=10, **standard,
          conditions=("in_context", "no_context", "rag"))
    timed("standard lengths, 110 excerpts (Book-SORT)", text, excerpts=110, **standard, **one)
    timed("extended lengths, 110 excerpts (Book-SORT)", text, excerpts=110, **extended, **one)


if __name__ == "__main__":
    main()
