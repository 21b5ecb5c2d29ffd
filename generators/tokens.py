"""A fast, dependency-free token estimate for English chat text.

Real tokenizers need model files (and tiktoken downloads its encodings), so the store records this
estimate: word pieces plus punctuation, scaled to match BPE tokenizers on chat text within ~10%.
Solvers that must fit a real context window ask the model itself.
"""

from __future__ import annotations

import re

TOKENIZER = "memcurve-estimate-1"  # the name stored in meta.tokenizer: what messages.tokens counts
_PIECE = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")


def _chunk_tokens(chunk: str) -> int:
    pieces = _PIECE.findall(chunk)
    long_words = sum(1 for p in pieces if len(p) > 8)  # long words split into several BPE pieces
    return len(pieces) + long_words


class PerChunk(dict):
    """`of(chunk)` for each whitespace-free chunk of text, computed once per distinct chunk and forgotten all
    at once past MAX_CHUNKS (a chat vocabulary of words with their punctuation fits)."""

    def __init__(self, of) -> None:
        super().__init__()
        self.of = of

    def __missing__(self, chunk: str):
        if len(self) >= MAX_CHUNKS:
            self.clear()
        found = self[chunk] = self.of(chunk)
        return found


MAX_CHUNKS = 200_000  # distinct chunks remembered per cache
_CHUNKS = PerChunk(_chunk_tokens)


def estimate_tokens(text: str) -> int:
    """Estimated token count of `text` (at least 1 for non-empty text).

    No piece spans whitespace, so the count is the sum over the whitespace-separated chunks of the text
    (str.split and the pattern's \\s agree on what whitespace is), each chunk counted once."""
    return sum(map(_CHUNKS.__getitem__, text.split()))


_CACHE: dict[str, int] = {}  # by text: a generated persona's texts recur (fillers inside evidence, replies re-cut)


def cached_tokens(text: str) -> int:
    """estimate_tokens(text), remembered until clear_token_cache() (the generator clears it per persona)."""
    n = _CACHE.get(text)
    if n is None:
        n = _CACHE[text] = estimate_tokens(text)
    return n


def clear_token_cache() -> None:
    _CACHE.clear()
