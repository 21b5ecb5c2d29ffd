"""A fast, dependency-free token estimate for English chat text.

Real tokenizers need model files (and tiktoken downloads its encodings), so the store records this
estimate: word pieces plus punctuation, scaled to match BPE tokenizers on chat text within ~10%.
Solvers that must fit a real context window ask the model itself.
"""

from __future__ import annotations

import re

TOKENIZER = "memcurve-estimate-1"  # the name stored in meta.tokenizer: what messages.tokens counts
_PIECE = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")


def estimate_tokens(text: str) -> int:
    """Estimated token count of `text` (at least 1 for non-empty text)."""
    pieces = _PIECE.findall(text)
    long_words = sum(1 for p in pieces if len(p) > 8)  # long words split into several BPE pieces
    return len(pieces) + long_words if pieces else 0


_CACHE: dict[str, int] = {}  # by text: a generated persona's texts recur (fillers inside evidence, replies re-cut)


def cached_tokens(text: str) -> int:
    """estimate_tokens(text), remembered until clear_token_cache() (the generator clears it per persona)."""
    n = _CACHE.get(text)
    if n is None:
        n = _CACHE[text] = estimate_tokens(text)
    return n


def clear_token_cache() -> None:
    _CACHE.clear()
