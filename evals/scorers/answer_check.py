"""Deterministic answer check: the single-answer rules of evals.scorers.single_answer as an Inspect scorer.

- overflow (stop_reason "model_length") is unscored with metadata overflow=True, never wrong;
- rubric answers are unscored here: the judge scores them;
- everything else gets `score_reply(reply, key)`, the key read from the sample's benchmark store (its
  candidate values, options, stale values and tolerances), or built from the sample metadata alone
  when the sample carries no store (plain Samples in tests).
"""

from __future__ import annotations

import math
from pathlib import Path

from inspect_ai.scorer import CORRECT, INCORRECT, Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from memcurve.evals.metrics import NO_METRICS
from memcurve.evals.scorers.abstention import abstains
from memcurve.evals.scorers.answer_key import AnswerKey, answer_keys, key_from_metadata
from memcurve.evals.scorers.single_answer import Verdict, score_reply
from memcurve.generators.categories import CATEGORIES

OVERFLOW_STOP_REASON = "model_length"
Check = Verdict  # the outcome of the deterministic check (older name)

__all__ = ["Check", "OVERFLOW_STOP_REASON", "abstains", "answer_check", "check_answer", "is_rubric", "key_for",
           "overflowed"]


def is_rubric(metadata: dict) -> bool:
    """Rubric answers (answer_kind "rubric", or a category scored by rubric) are left to the judge."""
    category = CATEGORIES.get(metadata.get("category", ""))
    return metadata.get("answer_kind") == "rubric" or (category is not None and category.scoring == "rubric")


def overflowed(state: TaskState) -> bool:
    """Did the provider report that the prompt did not fit the context window?"""
    return getattr(state.output, "stop_reason", None) == OVERFLOW_STOP_REASON


def check_answer(reply: str, golds: list[str], *, answer_kind: str = "text", is_abstention: bool = False,
                 question: str = "") -> Verdict:
    """The verdict for one reply against bare golds (no candidate pools: prefer `score_reply` with a key)."""
    key = AnswerKey(question=question, answer_kind=answer_kind, golds=tuple(g for g in golds if g),
                    is_abstention=is_abstention)
    return score_reply(reply, key)


def gold_answers(state: TaskState, target: Target) -> list[str]:
    """[answer, *aliases]: the target, else the metadata (plain Samples in tests may carry only one)."""
    golds = [t for t in target.target if t] if target else []
    if not golds:
        md = state.metadata or {}
        golds = [md.get("answer", ""), *md.get("aliases", [])]
    return [g for g in golds if g]


def key_for(state: TaskState, target: Target) -> AnswerKey:
    """The sample's AnswerKey: from its benchmark store when it has one, else from its metadata."""
    md = state.metadata or {}
    db, qid = md.get("db"), md.get("question_id")
    if db and qid and Path(db).is_file():
        key = answer_keys(db).get(qid)
        if key is not None:
            return key
    key = key_from_metadata(md, gold_answers(state, target), question=state.input_text)
    if is_rubric(md) and key.answer_kind != "rubric":
        key = AnswerKey(**{**key.__dict__, "answer_kind": "rubric"})
    return key


@scorer(metrics=NO_METRICS)  # per sample; the panel shows the headline (evals.metrics)
def answer_check() -> Scorer:
    """Deterministic single-answer check (see module docstring); rubric and overflowed samples are unscored."""

    async def score(state: TaskState, target: Target) -> Score:
        reply = state.output.completion if state.output else ""
        if overflowed(state):
            return Score.unscored(reason="context_overflow", answer=reply, explanation="context overflow",
                                  metadata={"overflow": True})
        verdict = score_reply(reply, key_for(state, target))
        metadata = {"abstained": verdict.abstained, "matched": verdict.matched, "named": list(verdict.named),
                    "overflow": False}
        if verdict.correct is None:
            return Score.unscored(reason="rubric", answer=reply, explanation=verdict.reason, metadata=metadata)
        return Score(value=CORRECT if verdict.correct else INCORRECT, answer=reply,
                     explanation=verdict.reason, metadata=metadata)

    return score


def as_float(correct: bool | None) -> float:
    return math.nan if correct is None else float(correct)
