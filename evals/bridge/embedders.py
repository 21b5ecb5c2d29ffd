"""Local embedders the bridge serves on /v1/embeddings: MiniLM (the `dense` extra) or a hashing embedder.

Inspect has no embedding API, so embeddings never leave the machine and never reach a provider: the
bridge computes them in process. Two kinds:

- "minilm": all-MiniLM-L6-v2 from the `dense` extra (384 dimensions, L2-normalised), loaded from
  site-packages by memcurve.evals.retrieval.dense, never downloaded;
- "hashing": a deterministic, dependency-free bag of words and character trigrams, feature-hashed
  (BLAKE2b, so the same text gives the same vector in every process and on every machine) into
  HASHING_DIMENSIONS signed buckets with sublinear term weights, L2-normalised. It is for tests and
  machines without the extra: texts that share words get a high cosine, paraphrases do not.
- "auto": minilm when the dense extra is installed, else hashing. The resolved name is what a memory
  system records, so a cached memory is never reused across embedders.

Each embedder counts the tokens it consumed with its own, named tokenizer (`tokenizer`,
`count_tokens`), so embedding tokens are measured, not estimated: MiniLM's WordPiece ids including
[CLS] and [SEP], after truncation at the model's max_seq_length (what the encoder actually reads);
the hashing embedder's words (the `[0-9a-z]+` runs of the lower-cased text, each one hashed feature).
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import Counter
from typing import Protocol

from memcurve.errors import ConfigError

EMBEDDER_NAMES = ("auto", "minilm", "hashing")
HASHING_DIMENSIONS = 384  # same width as MiniLM, so a vector store configured for one accepts the other
_WORD = re.compile(r"[0-9a-z]+")


class Embedder(Protocol):
    name: str
    dimensions: int
    tokenizer: str  # the tokenizer count_tokens uses

    def embed(self, texts: list[str]) -> list[list[float]]: ...

    def count_tokens(self, texts: list[str]) -> int: ...


class HashingEmbedder:
    """Feature-hashed words (weight 1) and character trigrams of words (weight 0.5)."""

    name = "hashing"
    dimensions = HASHING_DIMENSIONS
    tokenizer = "memcurve-hashing-words"

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [self._one(text) for text in texts]

    def count_tokens(self, texts: list[str]) -> int:
        return sum(len(_WORD.findall(text.lower())) for text in texts)

    def _one(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        words = _WORD.findall(text.lower())
        features: Counter[str] = Counter(f"w:{w}" for w in words)
        for word in words:
            padded = f"<{word}>"
            features.update(f"t:{padded[i:i + 3]}" for i in range(len(padded) - 2))
        for feature, count in features.items():
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dimensions
            sign = 1.0 if digest[4] & 1 else -1.0
            weight = (1.0 if feature.startswith("w:") else 0.5) * (1.0 + math.log(count))
            vector[bucket] += sign * weight
        norm = math.sqrt(sum(v * v for v in vector))
        return [v / norm for v in vector] if norm else vector


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 of the dense extra (the model memcurve's dense retriever uses)."""

    name = "minilm"
    dimensions = 384

    def __init__(self):
        from memcurve.evals.retrieval.dense import load_encoder

        self._encoder = load_encoder()
        self._lock = threading.Lock()
        self.tokenizer = f"all-MiniLM-L6-v2 WordPiece (max {self._encoder.max_seq_length})"

    def embed(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            vectors = self._encoder.encode(texts, normalize_embeddings=True, show_progress_bar=False)
        return [[float(x) for x in row] for row in vectors]

    def count_tokens(self, texts: list[str]) -> int:
        if not texts:
            return 0
        with self._lock:
            ids = self._encoder.tokenizer(texts, truncation=True, max_length=self._encoder.max_seq_length)["input_ids"]
        return sum(len(row) for row in ids)


def resolve_embedder_name(name: str) -> str:
    """'auto' -> the embedder this machine would use; unknown names raise a one-line ConfigError."""
    name = str(name).strip()
    if name not in EMBEDDER_NAMES:
        raise ConfigError(f"invalid embedder {name!r}; valid: {', '.join(EMBEDDER_NAMES)}")
    if name == "auto":
        from memcurve.evals.retrieval.dense import dense_available

        return "minilm" if dense_available() else "hashing"
    if name == "minilm":
        from memcurve.evals.retrieval.dense import require_dense

        require_dense()
    return name


_embedders: dict[str, Embedder] = {}
_lock = threading.Lock()


def get_embedder(name: str) -> Embedder:
    """One embedder per resolved name and process (MiniLM loads once)."""
    resolved = resolve_embedder_name(name)
    with _lock:
        if resolved not in _embedders:
            _embedders[resolved] = MiniLMEmbedder() if resolved == "minilm" else HashingEmbedder()
        return _embedders[resolved]
