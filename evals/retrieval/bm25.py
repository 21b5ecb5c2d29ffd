"""BM25 over the units of one history, with bm25s and the PyStemmer English stemmer.

Corpus and queries go through the same tokenizer (lower case, NLTK English stopwords, Snowball stemming),
and ties are broken by chronological order so rankings are deterministic. An index is built once per
(history, unit) and shared by every question of that history, across threads.

Tokenizing is most of the cost of an index (a Python loop over every word). Every step of it works word
by word, so the tokens of texts joined by a newline are the tokens of each text one after the other: a
caller that indexes the same messages as messages, rounds and conversations (the audit) tokenizes each
message once with `tokenize` and passes the units' `tokens`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import bm25s
import numpy as np
import Stemmer

from memcurve.evals.history import History
from memcurve.evals.memo import HistoryMemo
from memcurve.evals.retrieval.units import Unit, split_units

STOPWORDS = "en_plus"  # NLTK's English list: drops question words and pronouns ("what", "my") too


def tokenize(texts: list[str], stemmer: "Stemmer.Stemmer") -> list[list[str]]:
    """The stemmed tokens of each text, stopwords dropped (bm25s's token pattern and lower case)."""
    return bm25s.tokenize(texts, stopwords=STOPWORDS, stemmer=stemmer, return_ids=False, show_progress=False)


@dataclass(frozen=True)
class Hit:
    rank: int  # 0 = best
    index: int  # position of the unit in the history (chronological)
    unit: Unit
    score: float


class BM25Index:
    """A bm25s index over a list of units; `search` returns the top-k units with scores.

    `tokens`, when given, are the units' tokens as `tokenize` gives them (one list per unit).
    """

    def __init__(self, units: list[Unit], tokens: list[list[str]] | None = None):
        if not units:
            raise ValueError("cannot index an empty history")
        if tokens is not None and len(tokens) != len(units):
            raise ValueError(f"{len(tokens)} token lists for {len(units)} units")
        self.units = units
        self._stemmer = Stemmer.Stemmer("english")
        self._lock = threading.Lock()  # PyStemmer objects are not thread-safe
        self._retriever = bm25s.BM25()
        corpus = tokens if tokens is not None else self._tokenize([u.text for u in units])
        self._retriever.index(corpus, show_progress=False)

    def _tokenize(self, texts: list[str]) -> list[list[str]]:
        with self._lock:
            return tokenize(texts, self._stemmer)

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in self._tokenize([query])[0] if t in self._retriever.vocab_dict]
        if not tokens:
            return np.zeros(len(self.units), dtype=np.float32)
        return self._retriever.get_scores(tokens)

    def search(self, query: str, k: int) -> list[Hit]:
        """The best min(k, corpus size) units for `query`; equal scores go to the earlier unit."""
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")[: max(0, min(k, len(self.units)))]
        return [Hit(rank, int(i), self.units[int(i)], float(scores[i])) for rank, i in enumerate(order)]


_indexes: HistoryMemo[BM25Index] = HistoryMemo()


def index_for(history: History, unit: str) -> BM25Index:
    """The index of `history` split into `unit`s, built on first use and then reused."""
    return _indexes.get(history, unit, lambda: BM25Index(split_units(history, unit)))
