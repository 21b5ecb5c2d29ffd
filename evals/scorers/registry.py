"""SCORERS: the one list of scorer names a memcurve log can hold, each with its factory and what it scores.

The analysis reads scores by these names (evals.analysis.results); a new scorer is one `SCORERS.add`
here, next to the others, so its name cannot silently collide with one already in use.
"""

from __future__ import annotations

from collections.abc import Callable

from inspect_ai.scorer import Scorer

from memcurve.evals.longmemeval.judge import longmemeval_judge
from memcurve.evals.longmemeval.metrics import longmemeval_retrieval
from memcurve.evals.memory.operations import memory_operations
from memcurve.evals.registry import Registry
from memcurve.evals.judge_audit.task import graded
from memcurve.evals.scorers.answer_check import answer_check
from memcurve.evals.scorers.headline import headline
from memcurve.evals.scorers.convomem_judge import convomem_judge
from memcurve.evals.scorers.judge import judge
from memcurve.evals.scorers.locomo_f1 import locomo_f1
from memcurve.evals.scorers.overflow import overflow
from memcurve.evals.scorers.retrieval import retrieval_metrics
from memcurve.evals.scorers.stages import stage_attribution
from memcurve.evals.sort.scorer import sort_scorer

SCORERS: Registry[Callable[..., Scorer]] = Registry("scorer")
SCORERS.add("answer_check", answer_check, "single-answer check: the gold, committed to, no rival value or number")
SCORERS.add("judge", judge, "the `grader` role's RIGHT/WRONG verdict with a rubric per category")
SCORERS.add("retrieval_metrics", retrieval_metrics, "recall_any, recall_all, ndcg of the recorded ranking")
SCORERS.add("overflow", overflow, "context overflow and history truncation")
SCORERS.add("stage_attribution", stage_attribution, "the stage (extraction, update, retrieval, truncation, reader) of each miss")
SCORERS.add("memory_operations", memory_operations, "extraction, update and hallucination of a built memory")
SCORERS.add("longmemeval_judge", longmemeval_judge, "LongMemEval's per-type yes/no judge")
SCORERS.add("longmemeval_retrieval", longmemeval_retrieval, "LongMemEval's session- and turn-level retrieval")
SCORERS.add("sort_scorer", sort_scorer, "SORT: which of two segments came first")
SCORERS.add("headline", headline, "the task's headline `correct`, copied from the scorer the task declares")
SCORERS.add("graded", graded, "judge audit: each grader role's verdict on a labelled reply")
SCORERS.add("locomo_f1", locomo_f1, "LoCoMo's official token F1 per category, with and without corrections")
SCORERS.add("convomem_judge", convomem_judge, "ConvoMem's own RIGHT/WRONG judge with its per-category criteria")
