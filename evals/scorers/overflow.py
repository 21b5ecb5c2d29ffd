"""Overflow and truncation rates: "did not fit" is recorded as such, never as a wrong answer.

- overflow: 1 if the provider stopped because the prompt exceeded the context window
  (`stop_reason == "model_length"`; Anthropic and others return that instead of raising), else 0.
- truncated: 1 if the solver dropped part of the history (or of the retrieved units) to fit the
  window (store key "truncated"), else 0.
Both are rates by solver and by history size, where the context window starts to bind.
"""

from __future__ import annotations

from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from memcurve.evals.contract import SolverRecord
from memcurve.evals.metrics import NO_METRICS
from memcurve.evals.scorers.answer_check import overflowed


@scorer(metrics=NO_METRICS)  # per sample; rates in memcurve report
def overflow() -> Scorer:
    """Record context overflow and history truncation for every sample (values 0/1)."""

    async def score(state: TaskState, target: Target) -> Score:
        over = overflowed(state)
        record = SolverRecord.read(state.store)
        truncated = bool(record and record.truncated)
        dropped = record.dropped_conversations if record else 0
        parts = ["context overflow" if over else "fits"]
        if truncated:
            parts.append(f"history truncated ({dropped} conversations dropped)")
        return Score(value={"overflow": float(over), "truncated": float(truncated)}, explanation="; ".join(parts),
                     metadata={"stop_reason": getattr(state.output, "stop_reason", None),
                               "dropped_conversations": dropped})

    return score
