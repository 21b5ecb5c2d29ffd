"""Score SORT answers and summarise them against the 50% chance level.

The answer is read from the first token's log-probabilities when the model returned them (Book-SORT: the
likelier of "A" and "B", "X" if neither is among the top tokens), otherwise parsed from the reply. Invalid
answers count as wrong, so accuracy stays comparable with chance. Every metric is split by condition,
because in-context, no-context and RAG answers mean different things and must not be averaged together.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable

from inspect_ai.model import ModelOutput
from inspect_ai.scorer import (
    CORRECT,
    INCORRECT,
    Metric,
    SampleScore,
    Score,
    Target,
    accuracy,
    metric,
    scorer,
    value_to_float,
)
from inspect_ai.solver import TaskState
import numpy as np
from scipy.stats import binomtest, rankdata

INVALID = "X"
_MARKUP = re.compile(r"[*_`#>\"'“”‘’]")
_LONE = re.compile(r"^[\s(\[{<.:\-]*([AaBb])[\s)\]}>.,:;!\-]*$")
_STATED = re.compile(r"\b(?:answer|choice|option)\s*(?:is|would be|:)?\s*(?:segment\s*)?\(?([AaBb])\b\)?", re.I)
_LABELLED = re.compile(r"\b(?:segment|passage|option)\s*\(?([AaBb])\b|\(([AaBb])\)", re.I)
_CAPITAL = re.compile(r"(?<![A-Za-z'])([AB])(?![A-Za-z'])")


def parse_ab(text: str) -> str:
    """"A" or "B" from a free-text reply, or "X" when it names neither or both.

    Tried in order, first decisive rule wins: the reply is a lone letter ("b", "(A).", "**B**"); it states
    an answer ("The answer is A", "Answer: segment b"); it names one labelled segment ("Segment A came
    first", "(B)"); it contains one stand-alone capital A or B. A rule that finds both letters makes the
    reply invalid rather than falling through, so "A or B?" is never read as A.
    """
    clean = _MARKUP.sub("", text or "").strip()
    lone = _LONE.match(clean)
    if lone:
        return lone.group(1).upper()
    for pattern in (_STATED, _LABELLED, _CAPITAL):
        letters = {g.upper() for m in pattern.finditer(clean) for g in m.groups() if g}
        if len(letters) == 1:
            return letters.pop()
        if len(letters) == 2:
            return INVALID
    return INVALID


def label_logprobs(output: ModelOutput) -> dict[str, float] | None:
    """Best log-probability of the labels "A" and "B" (token "A" or " A") at the first generated token.

    None when the output carries no log-probabilities (API models, or a provider that ignores the request).
    """
    if not output.choices or output.choices[0].logprobs is None or not output.choices[0].logprobs.content:
        return None
    first = output.choices[0].logprobs.content[0]
    candidates = [(first.token, first.logprob)] + [(t.token, t.logprob) for t in first.top_logprobs or []]
    best: dict[str, float] = {}
    for token, logprob in candidates:
        label = token.replace("▁", " ").strip()
        if label in ("A", "B") and logprob > best.get(label, -math.inf):
            best[label] = logprob
    return best


def logprob_choice(label_lps: dict[str, float]) -> str:
    """The likelier label; "X" if neither label is among the top tokens (or they tie)."""
    a, b = label_lps.get("A", -math.inf), label_lps.get("B", -math.inf)
    if a == b:
        return INVALID
    return "A" if a > b else "B"


# ---------------------------------------------------------------- metrics (per condition)

def _group(scores: list[SampleScore], key: Callable[[dict], str]) -> dict[str, list[SampleScore]]:
    groups: dict[str, list[SampleScore]] = defaultdict(list)
    for s in scores:
        groups[key(s.sample_metadata or {})].append(s)
    return dict(sorted(groups.items(), key=lambda kv: _natural(kv[0])))


def _natural(key: str) -> list:
    """Sort "e250" before "e1000": digit runs compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key)]


def _accuracy(scores: list[SampleScore]) -> float:
    to_float = value_to_float()
    return sum(to_float(s.score.value) for s in scores) / len(scores) if scores else math.nan


def _condition(m: dict) -> str:
    return str(m.get("condition", "all"))


@metric
def accuracy_by_condition() -> Metric:
    """Accuracy per condition, e.g. {"in_context": 0.81, "no_context": 0.5}."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        return {k: _accuracy(v) for k, v in _group(scores, _condition).items()}

    return compute


@metric
def binomial_p() -> Metric:
    """One-sided binomial test p-value of each condition's correct count against chance (p = 0.5)."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        to_float = value_to_float()
        out = {}
        for cond, group in _group(scores, _condition).items():
            correct = round(sum(to_float(s.score.value) for s in group))
            out[f"{cond}_p"] = float(binomtest(correct, len(group), 0.5, alternative="greater").pvalue)
        return out

    return compute


@metric
def accuracy_by_excerpt_length() -> Metric:
    """Accuracy per condition and excerpt length, keys like "in_context_e250"."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        key = lambda m: f"{_condition(m)}_e{m.get('excerpt_length')}"  # noqa: E731
        return {k: _accuracy(v) for k, v in _group(scores, key).items()}

    return compute


@metric
def accuracy_by_distance_bin() -> Metric:
    """Accuracy per condition and distance bin: pooled by bin number ("in_context_bin1") and per excerpt
    length and bin right edge ("in_context_e1000_d250"), since a bin's words depend on the excerpt length."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        pooled = _group(scores, lambda m: f"{_condition(m)}_bin{m.get('bin_index')}")
        exact = _group(scores, lambda m: f"{_condition(m)}_e{m.get('excerpt_length')}_d{m.get('distance_bin')}")
        return {k: _accuracy(v) for k, v in {**pooled, **exact}.items()}

    return compute


@metric
def position_bias() -> Metric:
    """Per condition: share of answers that are A, share invalid, and accuracy when the earlier segment is
    shown as A versus as B. An unbiased model has share_A near 0.5 and equal accuracy both ways."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        out = {}
        for cond, group in _group(scores, _condition).items():
            answers = [s.score.answer for s in group]
            out[f"{cond}_share_A"] = sum(a == "A" for a in answers) / len(group)
            out[f"{cond}_invalid"] = sum(a not in ("A", "B") for a in answers) / len(group)
            first_a = [s for s in group if s.sample_metadata.get("present_seg1_first")]
            first_b = [s for s in group if not s.sample_metadata.get("present_seg1_first")]
            out[f"{cond}_acc_first_as_A"] = _accuracy(first_a)
            out[f"{cond}_acc_first_as_B"] = _accuracy(first_b)
        return out

    return compute


@metric
def logprob_margin_auc() -> Metric:
    """Per condition, when log-probabilities were read: how well the margin log P(A) - log P(B) separates
    samples whose answer is A from those whose answer is B (ROC AUC, ties count half).

    A small model may prefer "A" so strongly that it answers A every time (accuracy exactly 0.5), yet still
    lean further towards the right label; the AUC sees that lean and ignores any constant preference. 0.5
    means no order information. Beyond Book-SORT, which reports only the raw comparison.
    """

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        out = {}
        for cond, group in _group(scores, _condition).items():
            rows = [(s.score.metadata or {}, bool(s.sample_metadata.get("present_seg1_first"))) for s in group]
            rows = [(m, t) for m, t in rows if m.get("method") == "logprobs"]
            if rows:
                margins = np.array([_margin(m) for m, _ in rows])
                is_a = np.array([t for _, t in rows])
                out[f"{cond}_margin_auc"] = _auc(margins[is_a], margins[~is_a])
        return out

    return compute


def _margin(meta: dict) -> float:
    """log P(A) - log P(B); a label missing from the top tokens counts as far below the other."""
    floor = -100.0
    a, b = meta.get("logprob_a"), meta.get("logprob_b")
    return (floor if a is None else a) - (floor if b is None else b)


def _auc(positive: np.ndarray, negative: np.ndarray) -> float:
    if positive.size == 0 or negative.size == 0:
        return math.nan
    ranks = rankdata(np.concatenate([positive, negative]))
    return float((ranks[: positive.size].sum() - positive.size * (positive.size + 1) / 2)
                 / (positive.size * negative.size))


@scorer(metrics=[accuracy(), accuracy_by_condition(), binomial_p(), accuracy_by_excerpt_length(),
                 accuracy_by_distance_bin(), position_bias(), logprob_margin_auc()])
def sort_scorer():
    """C when the answer (from log-probabilities if present, else parsed) matches the target."""

    async def score(state: TaskState, target: Target) -> Score:
        lps = label_logprobs(state.output)
        if lps is not None:
            answer, method = logprob_choice(lps), "logprobs"
        else:
            answer, method = parse_ab(state.output.completion), "parse"
        meta = {"method": method}
        if lps is not None:
            meta.update(logprob_a=lps.get("A"), logprob_b=lps.get("B"))
        return Score(
            value=CORRECT if answer == target.text else INCORRECT,
            answer=answer,
            explanation=f"answer {answer} ({method}); target {target.text}",
            metadata=meta,
        )

    return score
