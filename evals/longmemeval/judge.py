"""LongMemEval's QA judge as an Inspect scorer: one yes/no question to the `grader` role per reply.

Follows LongMemEval's src/evaluation/evaluate_qa.py (Wu et al. 2024, arXiv 2410.10813), prompts paraphrased:
- the prompt is chosen by LongMemEval question type, except that an abstention question (flag
  `is_abstention`, category abstention or `_abs` in its id) ALWAYS gets the abstention prompt: keying on
  the type alone mis-scores abstention items, which keep their base type (memorybench PR #82);
- temporal-reasoning tolerates off-by-one day/week/month counts; knowledge-update accepts a reply that
  gives the updated value even beside the old one; preference replies need not hit every rubric point if
  they use the user's personal information correctly;
- correct iff the lower-cased reply contains "yes" (the original rule). A reply with neither "yes" nor a
  "no" word is unparseable: unscored (NaN) and recorded, never counted as wrong.
Generated benchmarks have memcurve categories, mapped to the LongMemEval type they correspond to.

The score is a dict with one key, `judge`, so evals.analysis.results reads it like the generic judge's verdict.
"""

from __future__ import annotations

import math
import re

from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from memcurve.evals.longmemeval.metrics import ABSTENTION, is_abstention, longmemeval_accuracy, question_type
from memcurve.evals.scorers.answer_check import gold_answers, overflowed
from memcurve.evals.scorers.grader import ask_grader

_CORRECT_ANSWER = (
    "I will give you a question, the correct answer and a chat assistant's response. Say yes if the response "
    "contains the correct answer, otherwise say no. If the response is equivalent to the correct answer, or "
    "contains every intermediate step that leads to it, also say yes. If the response holds only part of the "
    "information the answer needs, say no."
)
_TEMPORAL = _CORRECT_ANSWER + (
    " Do not penalise off-by-one errors in counts of days, weeks or months: if the question asks how many "
    "days (or weeks, months, ...) and the response is off by one (for example 19 days when the answer is "
    "18), the response is still correct."
)
_KNOWLEDGE_UPDATE = (
    "I will give you a question, the correct answer and a chat assistant's response. Say yes if the response "
    "contains the correct answer, otherwise say no. If the response mentions earlier, outdated information "
    "together with an updated answer, it is correct as long as the updated answer is the required answer."
)
_PREFERENCE = (
    "I will give you a question, a rubric describing the personalised response the user wants, and a chat "
    "assistant's response. Say yes if the response satisfies the rubric, otherwise say no. The response "
    "need not reflect every point of the rubric: it is correct as long as it recalls and uses the user's "
    "personal information correctly."
)
_ABSTAIN = (
    "I will give you a question that cannot be answered from the earlier conversations, an explanation, and "
    "a chat assistant's response. Say yes if the response correctly identifies the question as unanswerable, "
    "for example by saying the information is incomplete, or that something else was mentioned but not what "
    "was asked. Otherwise say no."
)
INSTRUCTIONS = {
    "single-session-user": _CORRECT_ANSWER,
    "single-session-assistant": _CORRECT_ANSWER,
    "multi-session": _CORRECT_ANSWER,
    "temporal-reasoning": _TEMPORAL,
    "knowledge-update": _KNOWLEDGE_UPDATE,
    "single-session-preference": _PREFERENCE,
    ABSTENTION: _ABSTAIN,
}
REFERENCE_LABEL = {"single-session-preference": "Rubric", ABSTENTION: "Explanation"}
CLOSING = {ABSTENTION: "Does the response correctly identify the question as unanswerable?"}
PROMPT = "{instruction}\n\nQuestion: {question}\n\n{label}: {reference}\n\nModel Response: {reply}\n\n{closing} " \
         "Answer yes or no only.\nAnswer:"


def prompt_type(metadata: dict) -> str:
    """Which prompt judges the sample: abstention whatever the type, else the question type."""
    return ABSTENTION if is_abstention(metadata) else question_type(metadata)


def judge_prompt(question: str, reference: str, reply: str, kind: str) -> str:
    return PROMPT.format(instruction=INSTRUCTIONS[kind], question=question.strip(),
                         label=REFERENCE_LABEL.get(kind, "Correct Answer"), reference=reference.strip(),
                         reply=reply.strip(), closing=CLOSING.get(kind, "Is the response correct?"))


def parse_yes_no(text: str) -> bool | None:
    """LongMemEval's rule: "yes" anywhere in the lower-cased reply is correct; else a "no" word is wrong;
    neither is unparseable (None)."""
    lowered = text.lower()
    if "yes" in lowered:
        return True
    if re.search(r"\bno\b", lowered):
        return False
    return None


@scorer(metrics={"judge": [longmemeval_accuracy()]})
def longmemeval_judge(retries: int = 0, max_tokens: int = 10) -> Scorer:
    """Judge each reply with the `grader` role (the model under test when unbound), temperature 0.

    retries: extra calls when a reply is unparseable (the original makes one call). Overflowed samples
    (the prompt did not fit) are not judged.
    """

    async def score(state: TaskState, target: Target) -> Score:
        reply = state.output.completion if state.output else ""
        md = state.metadata or {}
        kind = prompt_type(md)
        if overflowed(state):
            return Score(value={"judge": math.nan}, answer=reply, explanation="context overflow",
                         metadata={"overflow": True, "prompt_type": kind})
        golds = gold_answers(state, target)
        reference = (md.get("rubric") or (golds[0] if golds else "")) if kind == "single-session-preference" \
            else golds[0] if golds else ""
        prompt = judge_prompt(state.input_text, reference, reply, kind)
        graded = await ask_grader(prompt, parse_yes_no, retries=retries, max_tokens=max_tokens)
        raw, verdict = graded.raw, graded.verdict
        metadata = {"overflow": False, "prompt_type": kind, "question_type": question_type(md),
                    "judge_raw": raw, "judge_unparseable": verdict is None}
        value = math.nan if verdict is None else float(verdict)
        return Score(value={"judge": value}, answer=reply, explanation=raw[-1] if raw else "",
                     reason="grader_failed" if verdict is None else None, metadata=metadata)

    return score
