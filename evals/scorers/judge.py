"""LLM judge: a binary RIGHT/WRONG verdict from the `grader` model role with a rubric per category.

The rubrics follow ConvoMem's judge (AnsweringEvaluation.scala) and LongMemEval's (evaluate_qa.py),
paraphrased (ConvoMem's Scala judge and LongMemEval's src/evaluation/evaluate_qa.py):
- the judge sees only the question, the gold answer or rubric, and the reply, never the history;
- a reply naming both RIGHT and WRONG counts as WRONG (ConvoMem); a reply naming neither is asked
  again, and after `retries` more attempts it is recorded as unparseable (unscored), never as wrong;
- abstention questions get the abstention rubric whatever their category (keying on the category alone
  mis-scores them, memorybench PR #82).

The score is a dict (the task's headline `correct` is chosen by evals.scorers.headline, not here):
- `judge`: the judge's own verdict (NaN when not asked or unparseable);
- `judge_agreement`: 1 if judge and deterministic check agree, 0 if not, NaN unless both scored.
Overflowed samples (stop_reason "model_length") are not judged: every key is NaN, overflow=True.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from memcurve.evals.metrics import NO_METRICS
from memcurve.evals.scorers.answer_check import as_float, gold_answers, is_rubric, key_for, overflowed
from memcurve.evals.scorers.grader import ask_grader
from memcurve.evals.scorers.single_answer import score_reply
from memcurve.errors import ConfigError

JudgeMode = Literal["rubric", "all", "off"]
MODES = ("rubric", "all", "off")

PROMPT = """You are grading a chat assistant's reply to a question its user asked about earlier conversations \
between them. You do not see those conversations: trust the reference below.

{criteria}

Question: {question}
{reference}
Assistant's reply: {reply}

Is the reply RIGHT or WRONG by the criteria above? Answer with exactly one word: RIGHT or WRONG.
Verdict:"""

ABSTENTION = (
    "The question cannot be answered from the earlier conversations: the detail asked for was never "
    "mentioned. The reply is RIGHT if it says it does not know, that the detail was not mentioned or that "
    "the information is insufficient, or asks for clarification, including when it states related facts "
    "it does know while flagging that the asked-for detail is missing. The reply is WRONG if it gives any "
    "specific answer to the question as if it were known (an invented or guessed answer)."
)
SINGLE_FACT = (
    "The reply is RIGHT if its core answer matches the correct answer; paraphrase, equivalent wording and "
    "extra accurate detail are fine. The reply is WRONG if it contradicts or misunderstands the correct "
    "answer, misses critical information, or says it does not know."
)
SEVERAL_FACTS = (
    "The correct answer combines several things the user said. The reply is RIGHT if it reflects most of "
    "them and its main answer is right; minor omissions are fine. The reply is WRONG if the main answer is "
    "wrong or missing, or if it says it does not know."
)
ALL_ESSENTIALS = (
    "The reply is RIGHT only if it contains every essential fact the correct answer requires; equivalent "
    "wording and extra accurate detail are fine. A partial answer is WRONG, and so is a contradiction or "
    "saying it does not know."
)
CHANGING = (
    "The fact changed over time and the correct answer is its latest value. The reply is RIGHT only if it "
    "gives that latest value as the current one; mentioning earlier values is fine as long as the updated "
    "value is the answer. The reply is WRONG if it gives an outdated value as current, is partial, or says "
    "it does not know."
)
TEMPORAL = (
    "The question is about dates, days or time between events. The reply is RIGHT if it states the correct "
    "date, day or duration (or an equivalent expression of it). The reply is WRONG if the date or count "
    "differs, is missing, or the reply says it does not know."
)
AGGREGATION = (
    "The question combines several facts (a count, a sum, a comparison or a list). The reply is RIGHT only "
    "if its final answer equals the correct answer, or it shows all the steps that lead to it; a partial "
    "list, a wrong count or saying it does not know is WRONG."
)
RUBRIC = (
    "There is no single correct answer: the reply must follow the rubric, which says how a good reply "
    "uses what the user said earlier (it need not mention the earlier conversation). The reply is RIGHT "
    "only if it satisfies ALL criteria of the rubric; partial fulfilment is WRONG."
)

CRITERIA = {
    "assistant_facts": ALL_ESSENTIALS,
    "changing_facts": CHANGING,
    "temporal": TEMPORAL,
    "aggregation": AGGREGATION,
    "multi_hop": ALL_ESSENTIALS,
    "preferences": RUBRIC,
    "implicit_connections": RUBRIC,
}


def criteria_for(metadata: dict) -> str:
    """The rubric text for one sample: abstention first, then by category (user facts split on N)."""
    if metadata.get("is_abstention") or metadata.get("answer_kind") == "abstention":
        return ABSTENTION
    if is_rubric(metadata):
        return RUBRIC
    category = metadata.get("category", "")
    if category == "user_facts":
        return SEVERAL_FACTS if int(metadata.get("evidence_count") or 1) > 1 else SINGLE_FACT
    return CRITERIA.get(category, SINGLE_FACT)


def reference_for(metadata: dict, golds: list[str]) -> str:
    """The reference block: the rubric, or the correct answer with its accepted spellings."""
    if metadata.get("is_abstention") or metadata.get("answer_kind") == "abstention":
        return "Reference: nothing in the earlier conversations answers this question."
    if is_rubric(metadata):
        rubric = metadata.get("rubric") or (golds[0] if golds else "")
        text = f"Rubric: {rubric}"
        if golds and golds[0] and golds[0] != rubric:
            text += f"\nA good reply in short: {golds[0]}"
        return text
    text = f"Correct answer: {golds[0] if golds else ''}"
    if len(golds) > 1:
        text += f" (also accepted: {'; '.join(golds[1:])})"
    return text


# The generous grading many published LoCoMo numbers use (mem0's llm_judge: "be generous ... as long as it
# touches on the same topic"), paraphrased: kept only so the judge audit can show what it accepts.
LENIENT = (
    "Be generous with your grading. The reply is RIGHT as long as it touches on the same topic as the correct "
    "answer; a reply that is longer, less precise or mentions other things too still counts as RIGHT if it "
    "refers to the correct answer. For time questions, the same date or period in any format is RIGHT. "
    "Only a reply that is clearly about something else is WRONG."
)
STYLES = ("strict", "lenient")


def judge_prompt(question: str, reply: str, metadata: dict, golds: list[str], style: str = "strict") -> str:
    """The whole judge prompt: criteria, question, reference and reply, nothing else.

    style: "strict" (memcurve's per-category criteria) or "lenient" (the generous LoCoMo-style grading).
    """
    criteria = criteria_for(metadata) if style == "strict" else LENIENT
    return PROMPT.format(criteria=criteria, question=question.strip(), reference=reference_for(metadata, golds),
                         reply=reply.strip())


def parse_verdict(text: str) -> bool | None:
    """RIGHT -> True, WRONG -> False, both -> False (ConvoMem), neither -> None; a leading yes/no also counts."""
    words = re.findall(r"[a-z]+", text.lower())
    if "right" in words or "wrong" in words:
        return "right" in words and "wrong" not in words
    # LongMemEval-style judges answer yes/no; only a leading yes/no is a verdict ("there is no ..." is not)
    if words and words[0] in ("yes", "no"):
        return words[0] == "yes" and "no" not in words
    return None


async def ask_judge(prompt: str, retries: int, max_tokens: int, role: str = "grader") -> tuple[bool | None, list[str]]:
    """Ask the grader until a verdict parses (at most 1 + retries calls); returns it and every raw reply."""
    reply = await ask_grader(prompt, parse_verdict, retries=retries, max_tokens=max_tokens, role=role)
    return reply.verdict, reply.raw


@scorer(metrics=NO_METRICS)  # per sample; judge accuracy and agreement in memcurve report
def judge(mode: JudgeMode = "rubric", retries: int = 2, max_tokens: int = 16) -> Scorer:
    """Judge replies with the `grader` role (the model under test when unbound).

    mode: "rubric" judges only rubric categories (cheap offline runs); "all" also gives a second opinion
    on exact categories; "off" never calls a model (`correct` is then the deterministic check alone).
    retries: extra attempts when the verdict cannot be parsed (1 + retries calls at most).
    """
    if mode not in MODES:
        raise ConfigError(f"judge mode {mode!r} is not valid; valid: {', '.join(MODES)}")

    async def score(state: TaskState, target: Target) -> Score:
        reply = state.output.completion if state.output else ""
        if overflowed(state):
            nan = {"judge": math.nan, "judge_agreement": math.nan}
            return Score(value=nan, answer=reply, explanation="context overflow", reason="context_overflow",
                         metadata={"overflow": True})
        md = state.metadata or {}
        golds = gold_answers(state, target)
        rubric = is_rubric(md)
        check = score_reply(reply, key_for(state, target))
        metadata: dict = {"overflow": False, "answer_check": check.correct, "abstained": check.abstained}
        verdict: bool | None = None
        explanation = check.reason
        if mode == "all" or (mode == "rubric" and rubric):
            prompt = judge_prompt(md.get("question") or state.input_text, reply, md, golds)
            verdict, raw = await ask_judge(prompt, retries, max_tokens)
            metadata.update(judge_raw=raw, judge_attempts=len(raw), judge_unparseable=verdict is None)
            explanation = raw[-1]
        agree = math.nan if verdict is None or check.correct is None else float(verdict == check.correct)
        value = {"judge": as_float(verdict), "judge_agreement": agree}
        reason = "grader_failed" if metadata.get("judge_unparseable") else None
        return Score(value=value, answer=reply, explanation=explanation, reason=reason, metadata=metadata)

    return score
