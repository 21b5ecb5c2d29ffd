"""Question-evidence word overlap: the share of the question's content words (lower-case, no stopwords)
that occur anywhere in its evidence messages. Low overlap means keyword search does not solve it for free.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between both but
by can could did do does doing down during each few for from further had has have having he her here hers herself him
himself his how i i'd i'll i'm i've if in into is it it's its itself just let me more most my myself no nor not now of
off on once only or other our ours ourselves out over own same she should so some such than that that's the their
theirs them themselves then there these they this those through to too under until up very was we were what what's
when where which while who whom why will with would you your yours yourself yourselves again also ever s t don
tell remind again according
""".split())


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def word_overlap(question: str, evidence: Iterable[str]) -> float:
    """Share (0..1) of the question's content words found in the evidence texts; 0 for a question of stopwords."""
    words = content_words(question)
    if not words:
        return 0.0
    seen: set[str] = set()
    for text in evidence:
        seen |= content_words(text)
    return round(len(words & seen) / len(words), 4)
