"""memcurve scorers: deterministic answer check, LLM judge, retrieval metrics, overflow/truncation.

`default_scorers()` is the list the task files use, in the order the log shows them.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai.scorer import Scorer

from memcurve.evals.scorers.answer_check import abstains, answer_check, check_answer
from memcurve.evals.scorers.headline import CONVOMEM, LONGMEMEVAL, Headline, headline
from memcurve.evals.scorers.judge import MODES, judge, parse_verdict
from memcurve.evals.scorers.overflow import overflow
from memcurve.evals.scorers.retrieval import DEFAULT_KS, retrieval_metrics, retrieval_scores

__all__ = [
    "CONVOMEM", "LONGMEMEVAL", "Headline", "MODES", "DEFAULT_KS", "headline", "abstains", "answer_check", "check_answer", "default_scorers", "judge", "overflow",
    "parse_verdict", "retrieval_metrics", "retrieval_scores",
]


def default_scorers(judge_mode: str = "rubric", ks: Sequence[int] = DEFAULT_KS, judge_retries: int = 2,
                    declared: Headline = CONVOMEM) -> list[Scorer]:
    """answer_check, judge (`judge`, `judge_agreement`), retrieval_metrics, overflow, and last the headline
    (`correct`, from the scorer `declared` names for the sample's category).

    judge_mode: "rubric" (judge only rubric categories), "all" (also a second opinion on the others) or
    "off" (no judge calls; rubric categories stay unscored).
    """
    return [answer_check(), judge(mode=judge_mode, retries=judge_retries), retrieval_metrics(ks=list(ks)),
            overflow(), headline(declared.exact, declared.rubric)]
