"""Question-evidence word overlap: the share of the question's content words (lower-case, no stopwords)
that occur anywhere in its evidence messages. Low overlap means keyword search does not solve it for free.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from memcurve.generators.tokens import PerChunk

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


_CHUNK_WORDS = PerChunk(lambda chunk: frozenset(_WORD.findall(chunk.lower())) - STOPWORDS)


def content_words(text: str) -> set[str]:
    """Lower-case words of `text` that are no stopwords. No word spans whitespace, so they are the union of
    each whitespace-separated chunk's words (lower-casing a chunk alone changes no ASCII letter it yields)."""
    return set().union(*map(_CHUNK_WORDS.__getitem__, text.split()))


def frozen_content_words(text: str) -> frozenset[str]:
    """content_words(text) as a frozenset, built without the intermediate set (for caches)."""
    return frozenset().union(*map(_CHUNK_WORDS.__getitem__, text.split()))


def word_overlap(question: str, evidence: Iterable[str]) -> float:
    """Share (0..1) of the question's content words found in the evidence texts; 0 for a question of stopwords."""
    words = content_words(question)
    if not words:
        return 0.0
    seen: set[str] = set()
    for text in evidence:
        seen |= content_words(text)
    return round(len(words & seen) / len(words), 4)


# The overlap ladder (NoLiMa, Modarressi et al. 2025: accuracy falls as a question shares fewer words with its
# needle). A question's level is a band of its two measured overlaps: with its evidence messages (m) and
# with its whole evidence conversations (c >= m, the messages being part of them).
LEVELS = ("high", "medium", "low")  # what the generator aims at; "none": a question without evidence
HIGH_MESSAGE = 0.5  # m at or above: the question repeats the evidence message's own words
LOW_CONVERSATION = 0.34  # c below: at most a third of the question's words occur in the evidence conversation


def overlap_level(message: float, conversation: float, evidence_count: int) -> str:
    """The band of a question's measured overlaps: high, medium (the conversation's words, not the
    message's), low, or none (nothing to overlap with: abstention and other evidence-free questions)."""
    if evidence_count == 0:
        return "none"
    if message >= HIGH_MESSAGE:
        return "high"
    return "low" if conversation < LOW_CONVERSATION else "medium"


def overlaps(question: str, evidence_words: Iterable[set[str]], conversation_words: Iterable[set[str]]
             ) -> tuple[float, float]:
    """(overlap with the evidence messages, with the whole evidence conversations), from the content words of
    each message (the generator passes cached sets: a filler's messages recur in many evidence conversations)."""
    words = content_words(question)
    if not words:
        return 0.0, 0.0
    missing = words  # the question's words not found yet: a few, so each text costs a few lookups, not a union
    for found in evidence_words:
        if missing:
            missing = missing - found
    in_message = len(words) - len(missing)
    for found in conversation_words:
        if not missing:
            break
        missing = missing - found
    return round(in_message / len(words), 4), round((len(words) - len(missing)) / len(words), 4)


def question_overlap(question: str, evidence_texts: Iterable[str], conversation_texts: Iterable[str]
                     ) -> tuple[float, float, str]:
    """The three stored overlap columns of a question: word_overlap, conversation_overlap, overlap_level."""
    evidence = [content_words(t) for t in evidence_texts]
    message, conversation = overlaps(question, evidence, map(content_words, conversation_texts))
    return message, conversation, overlap_level(message, conversation, len(evidence))
