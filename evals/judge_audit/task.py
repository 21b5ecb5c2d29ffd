"""The judge-audit task: every grader (model role) x judge grades labelled replies of known correctness.

No answer model is called: a solver replays each labelled reply as the model output, and the scorer
asks each grader, through the one grader helper, with each judge's prompt. The score value has one key
per "<role>:<judge>" (1 = graded RIGHT, 0 = WRONG, NaN = unparseable); the reply's label, kind and
category travel in the sample metadata, so evals.judge_audit.rates turns the log into true-positive,
false-positive and unparseable rates, Cohen's kappa and a majority verdict.
"""

from __future__ import annotations

import math

from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ModelOutput
from inspect_ai.scorer import Score, Scorer, Target, mean, scorer
from inspect_ai.solver import Generate, Solver, TaskState, solver

from memcurve.errors import ConfigError
from memcurve.evals.judge_audit.judges import Judge, parse_judges
from memcurve.evals.judge_audit.replies import audit_replies
from memcurve.evals.scorers.answer_key import AnswerKey, answer_keys
from memcurve.evals.scorers.grader import ask_grader

TASK_NAME = "judge_audit"


def audit_samples(db: str, seed: int = 0, questions_per_category: int | None = 4) -> list[Sample]:
    samples = []
    for key, labelled in audit_replies(answer_keys(db), seed, questions_per_category):
        samples.append(Sample(
            id=f"{labelled.question_id}:{labelled.kind}:{len(samples)}",
            input=key.question,
            target=list(key.golds),
            metadata={"question_id": key.question_id, "category": key.category, "question_type": key.question_type,
                      "answer_kind": key.answer_kind, "is_abstention": key.is_abstention, "rubric": key.rubric,
                      "evidence_count": 1, "reply": labelled.reply, "kind": labelled.kind,
                      "label": labelled.correct},
        ))
    return samples


@solver
def replay() -> Solver:
    """The labelled reply becomes the model output (no model call)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state.output = ModelOutput.from_content(model="labelled", content=state.metadata["reply"])
        return state

    return solve


@scorer(metrics={"*": [mean()]})  # per "<role>:<judge>": the share graded RIGHT
def graded(roles: list[str], judges: list[str], retries: int = 2, max_tokens: int = 16) -> Scorer:
    """Ask every grader role with every judge; value key "<role>:<judge>"."""
    chosen: list[Judge] = parse_judges(judges)

    async def score(state: TaskState, target: Target) -> Score:
        md = state.metadata
        reply = md["reply"]
        golds = list(target.target)
        values, raw = {}, {}
        for role in roles:
            for judge in chosen:
                prompt = judge.prompt(state.input_text, reply, md, golds)
                graded_ = await ask_grader(prompt, judge.parse, retries=retries, max_tokens=max_tokens, role=role)
                name = f"{role}:{judge.name}"
                values[name] = math.nan if graded_.verdict is None else float(graded_.verdict)
                raw[name] = graded_.raw
        return Score(value=values, answer=reply, explanation=f"label {'correct' if md['label'] else 'wrong'}",
                     metadata={"raw": raw, "label": md["label"], "kind": md["kind"]})

    return score


def parse_roles(value: str | list | None) -> list[str]:
    roles = value if isinstance(value, list) else [r.strip() for r in str(value or "grader").split(",")]
    roles = [r for r in roles if r]
    if not roles or any(not r.replace("_", "").replace("-", "").isalnum() for r in roles):
        raise ConfigError(f"graders: model role names separated by commas, got {value!r}")
    return roles


def judge_audit_task(db: str, graders: str | list | None = "grader", judges: str | list | None = "strict,lenient",
                     questions_per_category: int | None = 4, seed: int = 0, retries: int = 2,
                     max_tokens: int = 16) -> Task:
    roles = parse_roles(graders)
    names = [j.name for j in parse_judges(judges)]
    samples = audit_samples(db, seed, questions_per_category)
    if not samples:
        raise ConfigError(f"{db}: no questions to build labelled replies from")
    return Task(dataset=MemoryDataset(samples, name="judge_audit"), solver=replay(),
                scorer=graded(roles, names, retries=retries, max_tokens=max_tokens), name=TASK_NAME,
                metadata={"judge_audit": {"roles": roles, "judges": names}})


__all__ = ["AnswerKey", "TASK_NAME", "audit_samples", "graded", "judge_audit_task", "replay"]
