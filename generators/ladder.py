"""Question wordings on the overlap ladder: the same question at high, medium or low word overlap.

NoLiMa (Modarressi et al. 2025) shows long-context accuracy falls as the question shares fewer words with
its needle. So each question is worded at a level aimed at (cycled over a persona's questions):
- high: the question quotes a span of the evidence message itself ("About 'destroyed my running shoes
  again this morning': what's my pup called again?");
- medium: it quotes the evidence conversation around the message (the user's request, the assistant's
  reply), never the message's own words;
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
    if level == "high" and evidence:
        sources, against, aim = list(evidence), set().union(*map(words, evidence)), _AIM["high"]
    else:
        own = set(evidence)
        sources = [t for t in context if t not in own] or [t for t in conversation if t not in own] or list(conversation)
        against, aim = set().union(*map(words, conversation)), _AIM["medium"]
        avoid = set().union(*map(words, evidence))
        forbidden = forbidden | avoid  # medium never repeats the message's own words
    if asked and len(asked & against) / len(asked) >= aim:
        return question  # the wording alone reaches the level (a temporal question naming its events)
    for _ in range(_TRIES):
        span = _span(rng.choice(sources), asked, against, aim, forbidden, rng)
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
        if "$" in word or '"' in word or any(p in forbidden or any(ch.isdigit() for ch in p) for p in pieces):
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
