"""Find the stored message that holds a piece of evidence given only as text (ConvoMem has no message ids).

The order of tests follows ConvoMem's own ConversationValidator, with a normalised match added (it resolves
most spans that differ only in case, quotes or spacing): exact substring, normalised substring, reverse
partial (the message sits inside the evidence and is >= 80% of its length), then the closest message within
Levenshtein distance max(10, 15% of the evidence length).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

METHODS = ("exact", "normalised", "partial", "levenshtein")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_TRANSLATE = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def normalise(text: str) -> str:
    """Lower case, words of letters and digits separated by single spaces (quotes and punctuation dropped)."""
    return _NON_WORD.sub(" ", text.translate(_TRANSLATE).casefold().replace("'", "")).strip()


@dataclass
class Candidate:
    """A message that evidence may point at; the normalised text is computed only when a search needs it."""

    message_id: str
    speaker: str
    text: str
    _norm: str | None = field(default=None, repr=False)

    @property
    def norm(self) -> str:
        if self._norm is None:
            self._norm = normalise(self.text)
        return self._norm


def locate(evidence: str, scopes: Sequence[Sequence[Candidate]]) -> tuple[str, str] | None:
    """(message id, method) of the message holding `evidence`, trying each scope in turn; None if none does."""
    target = normalise(evidence)
    for scope in scopes:
        hit = _match(evidence, target, scope)
        if hit is not None:
            return hit
    return None


def _match(evidence: str, target: str, candidates: Sequence[Candidate]) -> tuple[str, str] | None:
    stripped = evidence.strip()
    if stripped:
        for c in candidates:
            if stripped in c.text:
                return c.message_id, "exact"
    if not target:
        return None
    for c in candidates:
        if target in c.norm:
            return c.message_id, "normalised"
    for c in candidates:
        if c.norm and c.norm in target and len(c.norm) >= 0.8 * len(target):
            return c.message_id, "partial"
    limit = max(10, int(0.15 * len(target)))
    best: tuple[int, str] | None = None
    for c in candidates:
        distance = bounded_levenshtein(target, c.norm, limit)
        if distance is not None and (best is None or distance < best[0]):
            best = (distance, c.message_id)
            limit = distance  # only a closer message can replace it
    return (best[1], "levenshtein") if best else None


def bounded_levenshtein(a: str, b: str, limit: int) -> int | None:
    """Edit distance of a and b if it is <= limit, else None. O(len * limit): only a diagonal band is filled."""
    if abs(len(a) - len(b)) > limit:
        return None
    if a == b:
        return 0
    if _bag_distance(a, b) > limit:  # a cheap lower bound rules out most strangers
        return None
    if len(a) > len(b):
        a, b = b, a
    n, m = len(a), len(b)
    over = limit + 1
    previous = [j if j <= limit else over for j in range(m + 1)]
    for i in range(1, n + 1):
        low, high = max(1, i - limit), min(m, i + limit)
        current = [over] * (m + 1)
        current[0] = i if i <= limit else over
        row_min = current[0]
        ai = a[i - 1]
        for j in range(low, high + 1):
            value = previous[j - 1] + (ai != b[j - 1])
            if previous[j] + 1 < value:
                value = previous[j] + 1
            if current[j - 1] + 1 < value:
                value = current[j - 1] + 1
            current[j] = value if value < over else over
            if value < row_min:
                row_min = value
        if row_min > limit:
            return None
        previous = current
    return previous[m] if previous[m] <= limit else None


def _bag_distance(a: str, b: str) -> int:
    ca, cb = Counter(a), Counter(b)
    return max(sum((ca - cb).values()), sum((cb - ca).values()))
