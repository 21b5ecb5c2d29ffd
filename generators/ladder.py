"""Question wordings on the overlap ladder: the same question at high, medium or low word overlap.

NoLiMa (Modarressi et al. 2025) shows long-context accuracy falls as the question shares fewer words with
its needle. So each question is worded at a level aimed at (cycled over a persona's questions of one
category, from a random start):
- high: the question quotes a span of the evidence message itself ("About 'destroyed my running shoes
  again this morning': what's my pup called again?");
- medium: it quotes the evidence conversation around the message (the user's request, the assistant's
  reply), never the message's own words (so does high where the message has nothing quotable);
- low: the template's wording alone, which is written to avoid the evidence's words.
A quote never holds the answer, an alias, a planted value or a number, so it points at the evidence
without giving the answer away. Questions without evidence (abstention) get the same frames, quoting a
conversation that every one of their histories holds, so a quote is no sign that a question is answerable.
The level stored is the band of the overlaps measured on the final text (generators.overlap), which
`validate` recomputes; where a wording cannot reach its aim (a temporal question naming its events is
never low) the measured band is what is recorded.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence, Set as AbstractSet

from memcurve.generators.overlap import HIGH_MESSAGE, LOW_CONVERSATION, STOPWORDS, _WORD, content_words

FRAMES = ('About "{span}": {question}', 'You know, "{span}". {question}', 'Going back to "{span}". {question}',
          'This is about "{span}". {question}', 'Re "{span}": {question}')
_AIM = {"high": HIGH_MESSAGE + 0.1, "medium": LOW_CONVERSATION + 0.16}
MAX_SPAN, MIN_SPAN = 14, 4  # words in a quote
_CLAUSE = re.compile(r"[.!?;:\n]+\s*|\s+-\s+|, (?:but|so|and) ")
_TRIES = 6


def worded(question: str, level: str, evidence: Sequence[str], context: Sequence[str], conversation: Sequence[str],
           forbidden: set[str], rng: random.Random,
           words: Callable[[str], AbstractSet[str]] = content_words) -> str:
    """`question` at `level`: quoting `evidence` (high), or `context` (medium: the planted exchange around the
    evidence, else the rest of `conversation`), or as it is (low).

    `forbidden` holds lower-case words no quote may contain (the answer's, the planted values'); numbers are
    never quoted either. Without a quotable span the question stays as it is. `words` gives a text's content
    words (the generator passes a cached generators.overlap.content_words).
    """
    if level == "low" or not (evidence or conversation):
        return question
    asked = content_words(question)
    own = set(evidence)
    attempts = []  # (texts to quote, the texts the overlap is aimed against, the aim, words not to quote)
    if level == "high" and evidence:
        against = set().union(*map(words, evidence))
        if asked and len(asked & against) / len(asked) >= _AIM["high"]:
            return question  # the wording alone reaches the level (a temporal question naming its events)
        attempts.append((list(evidence), against, _AIM["high"], forbidden))
    # medium, and high where the message has nothing to quote: the exchange around the message, never the
    # message's own words. Quoted even where the wording alone reaches medium: a hard negative names its
    # slot ("my neighbour's dog") more often than the user's own fact does ("Rex chewed ..."), so skipping
    # those left abstention questions quoted less often than the answerable ones of their slot
    sources = [t for t in context if t not in own] or [t for t in conversation if t not in own] or list(conversation)
    avoid = set().union(*map(words, evidence))
    attempts.append((sources, set().union(*map(words, conversation)), _AIM["medium"], forbidden | avoid))
    for sources, against, aim, unquotable in attempts:
        for _ in range(_TRIES):
            span = _span(rng.choice(sources), asked, against, aim, unquotable, rng)
            if span:
                return rng.choice(FRAMES).format(span=span, question=question)
    return question


def _span(text: str, asked: set[str], against: set[str], aim: float, forbidden: set[str],
          rng: random.Random) -> str | None:
    """A clause of `text` (cut before a forbidden word or after MAX_SPAN words) with at least two content
    words the question lacks, that lifts the question's overlap with `against` to `aim`; or None."""
    clauses = [c.split() for c in _CLAUSE.split(text)]
    clauses = [c for c in clauses if len(c) >= MIN_SPAN]
    if not clauses:
        return None
    words = rng.choice(clauses)
    start = 0 if rng.random() < 0.8 else rng.randrange(max(1, len(words) - MIN_SPAN + 1))  # mostly whole clauses
    picked: list[str] = []
    for word in words[start:start + MAX_SPAN]:
        pieces = _WORD.findall(word.lower())
        if "$" in word or '"' in word or any(_unquotable(p, forbidden) for p in pieces):
            break
        picked.append(word)
    while picked and all(p in STOPWORDS for p in _WORD.findall(picked[-1].lower())):
        picked.pop()  # end on a content word
    new = content_words(" ".join(picked)) - asked
    if len(picked) < MIN_SPAN or len(new) < 2:
        return None
    if len((asked | new) & against) / len(asked | new) < aim:
        return None
    return " ".join(picked).strip(" ,\"'()")


def _unquotable(piece: str, forbidden: set[str]) -> bool:
    """A word piece no quote may hold: a forbidden word (also as a possessive, "coworker's") or a number."""
    return piece in forbidden or piece.removesuffix("'s") in forbidden or any(ch.isdigit() for ch in piece)


_FRAMED = re.compile("^(?:" + "|".join(re.escape(f).replace(re.escape("{span}"), '[^"]*')
                                        .replace(re.escape("{question}"), "") for f in FRAMES) + ")")


def unframed(text: str) -> str:
    """The question without its quote frame: the template's own wording."""
    return _FRAMED.sub("", text, count=1)


def forbidden_words(*texts: str | None) -> set[str]:
    """Lower-case words of the answer, aliases and planted values: never quoted."""
    out: set[str] = set()
    for text in texts:
        if text:
            out |= set(_WORD.findall(text.lower()))
    return out
