"""LoCoMo's official metric: token-level F1 per category, as snap-research/locomo task_eval/evaluation.py
computes it, so results compare with published tables.

Normalisation: drop commas, lowercase, strip punctuation, drop the words a/an/the/and, split on whitespace,
Porter-stem every token (NLTK's PorterStemmer, the one the official code uses). Per category code:
- 2, 3, 4: F1 of prediction and gold tokens; for 3 the gold is cut at its first ';';
- 1 (multi-hop, several answers): prediction and gold are split on ',', and the score is the mean over the
  gold parts of the best F1 of any prediction part;
- 5 (adversarial): 1 if the reply contains "no information available" or "not mentioned", else 0.
The scorer reports the F1 against the store's answer and, for questions the import corrected (meta
`corrections`), also against the original answer: `locomo_f1` and `locomo_f1_uncorrected`.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from functools import lru_cache

from inspect_ai.scorer import Score, Scorer, Target, mean, scorer
from inspect_ai.solver import TaskState

_PUNCT = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the|and)\b")
_CODE = re.compile(r"^locomo/(\d)-")
ABSTAIN_MARKERS = ("no information available", "not mentioned")


@lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem import PorterStemmer

    return PorterStemmer()


def normalize_answer(text: str) -> str:
    text = text.replace(",", "").lower()
    text = "".join(ch for ch in text if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def _tokens(text: str) -> list[str]:
    stem = _stemmer().stem
    return [stem(w) for w in normalize_answer(text).split()]


def token_f1(prediction: str, gold: str) -> float:
    pred, ref = _tokens(prediction), _tokens(gold)
    same = sum((Counter(pred) & Counter(ref)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def multi_answer_f1(prediction: str, gold: str) -> float:
    """Category 1: mean over the comma-separated gold parts of the best F1 of any prediction part."""
    preds = [p.strip() for p in prediction.split(",")]
    golds = [g.strip() for g in gold.split(",")]
    return sum(max(token_f1(p, g) for p in preds) for g in golds) / len(golds)


def locomo_score(prediction: str, gold: str, code: int) -> float:
    """The official per-question score for LoCoMo category `code` (1-5)."""
    if code == 5:
        said = prediction.lower()
        return 1.0 if any(marker in said for marker in ABSTAIN_MARKERS) else 0.0
    if code == 3:
        gold = gold.split(";")[0].strip()
    if code == 1:
        return multi_answer_f1(prediction, gold)
    if code in (2, 3, 4):
        return token_f1(prediction, gold)
    raise ValueError(f"LoCoMo category code {code} is not 1-5")


def locomo_code(question_type: str) -> int | None:
    """The LoCoMo code of an imported question (question_type `locomo/<code>-<name>`), else None."""
    match = _CODE.match(question_type or "")
    return int(match.group(1)) if match else None


@lru_cache(maxsize=16)
def original_answers(db: str) -> dict[str, str]:
    """question_id -> the answer before corrections, for a store imported with corrections (else empty)."""
    from memcurve.generators.store import open_store, read_meta

    con = open_store(db)
    try:
        record = read_meta(con).get("corrections")
    finally:
        con.close()
    if not record:
        return {}
    return {a["question_id"]: a["original_answer"] for a in json.loads(record)["applied"]}


@scorer(metrics={"locomo_f1": [mean()], "locomo_f1_uncorrected": [mean()]})
def locomo_f1() -> Scorer:
    """LoCoMo's official F1 of the reply (unscored for questions that are not LoCoMo's)."""

    async def score(state: TaskState, target: Target) -> Score:
        md = state.metadata or {}
        code = locomo_code(md.get("question_type", ""))
        reply = state.output.completion if state.output else ""
        if code is None:
            return Score.unscored(reason="not a LoCoMo question", answer=reply)
        gold = md.get("answer", "")
        original = original_answers(md["db"]).get(md.get("question_id", ""), gold) if md.get("db") else gold
        corrected = locomo_score(reply, gold, code)
        return Score(value={"locomo_f1": corrected, "locomo_f1_uncorrected": locomo_score(reply, original, code)},
                     answer=reply, metadata={"locomo_code": code, "corrected": original != gold})

    return score
