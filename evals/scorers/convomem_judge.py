"""ConvoMem's own judge: one RIGHT/WRONG call per question with the prompt of its category, verbatim.

The prompts are ConvoMem's, copied as data (convomem_prompts.json: source file, commit and licence inside)
from SalesforceAIResearch/ConvoMem's AnsweringEvaluation.scala, and chosen per category as its evidence
generators choose them: user facts get the single-evidence prompt (with the evidence message) or the
multi-evidence one (with every evidence message), abstention its abstention prompt, preferences and implicit
connections the rubric prompt, temporal the temporal prompt, everything else (assistant facts, changing facts,
LoCoMo's test cases) the default factual prompt.

Verdict rule of the official code (EvaluationUtils.scala): a reply naming both RIGHT and WRONG counts as WRONG;
one naming neither is asked again (the official code retries up to 20 times; here `retries`), and stays
unscored if it never decides.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from string import Template

from inspect_ai.model import get_model
from inspect_ai.scorer import Score, Scorer, Target, accuracy, scorer
from inspect_ai.solver import TaskState

USER_FACTS = "UserFactsAnsweringEvaluation"


@lru_cache(maxsize=1)
def convomem_prompts() -> dict:
    """The packaged prompt data: evaluations (guidelines, template), categories -> evaluation, source."""
    text = resources.files("memcurve.evals.scorers").joinpath("convomem_prompts.json").read_text("utf-8")
    return json.loads(text)


def evaluation_for(category: str, evidence_count: int) -> str:
    """The name of ConvoMem's evaluation (a key of the data's `evaluations`) for a question of `category`."""
    data = convomem_prompts()
    name = data["categories"].get(category, data["default_evaluation"])["evaluation"]
    if name == USER_FACTS:
        return f"{USER_FACTS}(1)" if evidence_count <= 1 else f"{USER_FACTS}(n>1)"
    return name


def judge_prompt(question: str, answer: str, reply: str, category: str, evidence_count: int,
                 evidence: list[str] | None = None) -> str:
    """ConvoMem's judge prompt for one reply, its placeholders filled as the Scala code fills them."""
    evaluation = convomem_prompts()["evaluations"][evaluation_for(category, evidence_count)]
    evidence = evidence or []
    line = evaluation.get("evidence_line", "")
    lines = [line.replace("${idx + 1}", str(i + 1)).replace("${msg.text}", text) for i, text in enumerate(evidence)]
    return Template(evaluation["template"]).substitute(
        guidelines=evaluation.get("guidelines", ""), question=question, correctAnswer=answer, modelAnswer=reply,
        evidenceMessageText=evidence[0] if evidence else "", evidenceMessagesText="\n".join(lines))


def parse_convomem_verdict(text: str) -> bool | None:
    """True for RIGHT, False for WRONG or for both words, None when neither appears (ask again)."""
    lower = text.strip().lower()
    right, wrong = "right" in lower, "wrong" in lower
    if right and wrong:
        return False
    return True if right else False if wrong else None


def evidence_texts(db: str, message_ids: list[str]) -> list[str]:
    """The texts of a question's evidence messages, in evidence order (empty if the store is gone)."""
    if not db or not message_ids:
        return []
    from memcurve.generators.store import open_store

    try:
        con = open_store(db)
    except Exception:  # a store moved since the run: judge without the evidence, as upstream does without it
        return []
    try:
        rows = dict(con.execute("SELECT message_id, text FROM messages WHERE list_contains(?, message_id)",
                                [message_ids]).fetchall())
    finally:
        con.close()
    return [rows[m] for m in message_ids if m in rows]


@scorer(metrics=[accuracy()])
def convomem_judge(retries: int = 2) -> Scorer:
    """ConvoMem's per-category judge, by the `grader` role (else the model under test)."""

    async def score(state: TaskState, target: Target) -> Score:
        md = state.metadata or {}
        reply = state.output.completion if state.output else ""
        gold = md.get("rubric") or md.get("answer", "")
        category, count = md.get("category", ""), int(md.get("evidence_count", 1))
        evaluation = evaluation_for(category, count)
        evidence = evidence_texts(md.get("db", ""), list(md.get("evidence_ids") or [])) \
            if evaluation.startswith(USER_FACTS) else []
        prompt = judge_prompt(state.input_text, gold, reply, category, count, evidence)
        grader = get_model(role="grader")
        for _ in range(retries + 1):
            verdict = parse_convomem_verdict((await grader.generate(prompt)).completion)
            if verdict is not None:
                return Score(value=1.0 if verdict else 0.0, answer=reply, metadata={"evaluation": evaluation})
        return Score.unscored(reason="judge gave no verdict", answer=reply)

    return score
