"""Deterministic answer check: normalised match against the gold answer and its aliases.

Rules (one place, so the judge's second opinion and the analysis can reuse them):
- overflow (stop_reason "model_length") is unscored with metadata overflow=True, never wrong;
- rubric answers are unscored here: the judge scores them;
- abstention questions are right iff the reply abstains ("I don't know", "not mentioned", ...);
- otherwise the reply is right iff it contains the normalised gold or an alias on word boundaries
  (numbers compared as numbers, dates as calendar dates); a reply that abstains instead is wrong and
  is recorded with abstained=True. A hedged reply that still names the answer counts as right.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from inspect_ai.scorer import CORRECT, INCORRECT, Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from memcurve.evals.metrics import accuracy_metrics
from memcurve.evals.normalize import contains, dates_in, fold, normalize, same_date
from memcurve.generators.categories import CATEGORIES

OVERFLOW_STOP_REASON = "model_length"

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


@dataclass
class Check:
    """The outcome of the deterministic check. correct is None when it does not apply (rubric, overflow)."""

    correct: bool | None
    abstained: bool = False
    matched: str | None = None  # the gold spelling that matched
    explanation: str = ""


def is_rubric(metadata: dict) -> bool:
    """Rubric answers (answer_kind "rubric", or a category scored by rubric) are left to the judge."""
    category = CATEGORIES.get(metadata.get("category", ""))
    return metadata.get("answer_kind") == "rubric" or (category is not None and category.scoring == "rubric")


def overflowed(state: TaskState) -> bool:
    """Did the provider report that the prompt did not fit the context window?"""
    return getattr(state.output, "stop_reason", None) == OVERFLOW_STOP_REASON


def check_answer(reply: str, golds: list[str], *, answer_kind: str = "text", is_abstention: bool = False) -> Check:
    """The deterministic verdict for one reply (no model calls)."""
    abstained = abstains(reply)
    if answer_kind == "rubric":
        return Check(None, abstained, explanation="rubric answer: scored by the judge")
    if is_abstention or answer_kind == "abstention":
        return Check(abstained, abstained,
                     explanation="abstained as required" if abstained else "answered a question it cannot know")
    said = normalize(reply)
    said_dates = dates_in(reply) if answer_kind == "date" else []
    for gold in golds:
        if not gold or not gold.strip():
            continue
        if contains(said, normalize(gold)):
            return Check(True, abstained, matched=gold, explanation=f"reply contains {gold!r}")
        for gold_date in dates_in(gold) if said_dates else []:
            if any(same_date(gold_date, d) for d in said_dates):
                return Check(True, abstained, matched=gold, explanation=f"reply states the date {gold!r}")
    why = "abstained instead of answering" if abstained else "no gold answer or alias in the reply"
    return Check(False, abstained, explanation=why)


def gold_answers(state: TaskState, target: Target) -> list[str]:
    """[answer, *aliases]: the target, else the metadata (plain Samples in tests may carry only one)."""
    golds = [t for t in target.target if t] if target else []
    if not golds:
        md = state.metadata or {}
        golds = [md.get("answer", ""), *md.get("aliases", [])]
    return [g for g in golds if g]


@scorer(metrics=accuracy_metrics())
def answer_check() -> Scorer:
    """Deterministic answer check (see module docstring); rubric and overflowed samples are unscored."""

    async def score(state: TaskState, target: Target) -> Score:
        reply = state.output.completion if state.output else ""
        if overflowed(state):
            return Score.unscored(reason="context_overflow", answer=reply, explanation="context overflow",
                                  metadata={"overflow": True})
        md = state.metadata or {}
        kind = "rubric" if is_rubric(md) else md.get("answer_kind", "text")
        check = check_answer(reply, gold_answers(state, target), answer_kind=kind,
                             is_abstention=bool(md.get("is_abstention", False)))
        metadata = {"abstained": check.abstained, "matched": check.matched, "overflow": False}
        if check.correct is None:
            return Score.unscored(reason="rubric", answer=reply, explanation=check.explanation, metadata=metadata)
        return Score(value=CORRECT if check.correct else INCORRECT, answer=reply,
                     explanation=check.explanation, metadata=metadata)

    return score


def as_float(correct: bool | None) -> float:
    return math.nan if correct is None else float(correct)
