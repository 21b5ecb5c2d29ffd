"""The headline score of a task, declared once per task: which scorer each sample's `correct` comes from.

A task declares a Headline (the scorer for exact-scored categories and the scorer for rubric categories)
and passes it to `headline()`, the last scorer of the task: it copies the declared scorer's verdict into
`correct` and records where it came from (`headline_from`). The declaration also goes into the task's
metadata and Inspect's `headline_metric`, so evals.analysis.results reads the headline from the log instead
of deciding it again, and a judged headline can be shown beside that judge's measured false-positive rate.
Sources are "<scorer>" or "<scorer>.<key>" for a scorer returning a dict.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from inspect_ai.scorer import Score, Scorer, Target, scorer, value_to_float
from inspect_ai.solver import TaskState

from memcurve.evals.metrics import headline_metrics
from memcurve.evals.scorers.answer_check import is_rubric

JUDGE_SCORERS = ("judge", "longmemeval_judge")  # scorers whose verdict is a grader model's


@dataclass(frozen=True)
class Headline:
    exact: str  # source for categories with a known answer
    rubric: str  # source for rubric categories

    def source(self, metadata: dict) -> str:
        return self.rubric if is_rubric(metadata) else self.exact

    def task_args(self) -> dict[str, Any]:
        """Keyword arguments for inspect_ai.Task: the declaration in metadata, and the headline metric."""
        return {"metadata": {"headline": asdict(self)}, "headline_metric": "headline.correct"}


CONVOMEM = Headline(exact="answer_check", rubric="judge.judge")
LONGMEMEVAL = Headline(exact="longmemeval_judge.judge", rubric="longmemeval_judge.judge")  # its official metric


def is_judged(source: str | None) -> bool:
    return bool(source) and source.split(".", 1)[0] in JUDGE_SCORERS


def read_source(scores: dict[str, Any], source: str) -> float:
    """The value of `source` among a sample's scores (NaN when that scorer did not score it)."""
    name, _, key = source.partition(".")
    score = scores.get(name)
    if score is None:
        return math.nan
    value = score.value if hasattr(score, "value") else score
    if isinstance(value, dict):
        value = value.get(key or "correct")
    if value is None:
        return math.nan
    try:
        return float(value_to_float()(value))
    except (TypeError, ValueError):
        return math.nan


@scorer(metrics={"correct": headline_metrics()})
def headline(exact: str = CONVOMEM.exact, rubric: str = CONVOMEM.rubric) -> Scorer:
    """`correct` = the declared scorer's verdict for this sample; must run after the scorers it reads."""
    declared = Headline(exact=exact, rubric=rubric)

    async def score(state: TaskState, target: Target) -> Score:
        source = declared.source(state.metadata or {})
        value = read_source(state.scores or {}, source)
        return Score(value={"correct": value}, explanation=f"from {source}",
                     metadata={"headline_from": source, "judged": is_judged(source)})

    return score
