"""HistoryMemo: values computed once per (history, key) and dropped with the history.

Indexes, renderings and scores all depend on one loaded History and a small key (unit, budget...);
keyed weakly by the History object, they live exactly as long as evals.history keeps it loaded. Each
memo has its own lock, held while building, so concurrent questions of one history wait for one build
(memos may build from other memos: hybrid from BM25 and dense).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from memcurve.evals.history import History

V = TypeVar("V")


class HistoryMemo(Generic[V]):
    def __init__(self) -> None:
        self._values: "weakref.WeakKeyDictionary[History, dict[Hashable, V]]" = weakref.WeakKeyDictionary()
        self._lock = threading.RLock()

    def get(self, history: History, key: Hashable, build: Callable[[], V]) -> V:
        """The memoised value, built (under the lock) on first use."""
        with self._lock:
            per_history = self._values.setdefault(history, {})
            if key not in per_history:
                per_history[key] = build()
            return per_history[key]

    def peek(self, history: History, key: Hashable) -> V | None:
        """The memoised value, or None (for builders that must not hold the lock, e.g. async ones)."""
        with self._lock:
            return self._values.get(history, {}).get(key)

    def put(self, history: History, key: Hashable, value: V) -> V:
        with self._lock:
            return self._values.setdefault(history, {}).setdefault(key, value)
