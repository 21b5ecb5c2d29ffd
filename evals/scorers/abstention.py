"""Abstention: does a reply say it cannot answer from the history (in any usual phrasing)?"""

from __future__ import annotations

import re

from memcurve.evals.normalize import fold

# Usual ways of saying "I cannot answer from what you told me", matched on folded text with
# apostrophes removed ("don't" -> "dont"). Kept as phrases, not single words, so an answer that merely
# contains "no" or "unknown" is not taken for an abstention.
_ABSTENTION_PATTERNS = [
    r"\bi (?:really )?(?:dont|do not|cannot|cant|can not|wouldnt|would not) (?:know|say|tell|recall|remember)\b",
    r"\bi(?:m| am) (?:not sure|unsure|not aware|unable to (?:find|tell|say|determine|answer))\b",
    r"\b(?:dont|do not|doesnt|does not) (?:have|contain|include|seem to (?:have|contain|include)) (?:any |that |this |the |enough |such |a )?(?:information|info|details?|record|mention|data)\b",
    r"\bno (?:information|info|details?|record|records|mention|data|indication|evidence)\b",
    r"\b(?:not|never|nowhere) (?:been )?(?:mentioned|stated|specified|provided|shared|discussed|given|said|told|recorded|included)\b",
    r"\b(?:havent|have not|hasnt|has not|didnt|did not|never) (?:ever )?(?:mentioned|mention|told|tell|said|say|shared|share|specified|specify|provided|provide|talked|discussed|brought up)\b",
    r"\b(?:cant|cannot|can not|couldnt|could not|unable to|not able to) (?:find|see|locate|determine|tell|answer|know|recall|identify)\b",
    r"\b(?:insufficient|not enough|no relevant|lack of|missing) (?:information|info|context|details?|data)\b",
    r"\b(?:there is|theres|there was) nothing (?:about|on|in|regarding)\b",
    r"\b(?:is|remains) (?:unknown|unclear|not known)\b",
    r"\bno way (?:for me )?to know\b",
]
_ABSTENTION = re.compile("|".join(f"(?:{p})" for p in _ABSTENTION_PATTERNS))


def abstains(reply: str) -> bool:
    """True if the reply says it cannot answer from the history (in any usual phrasing)."""
    text = " ".join(fold(reply).replace("'", "").split())
    text = re.sub(r"[^\w\s]", " ", text)
    return bool(_ABSTENTION.search(" ".join(text.split())))
