"""ConvoMem's own judge: one RIGHT/WRONG call per question with the criteria of its category, as
SalesforceAIResearch/ConvoMem's AnsweringEvaluation.scala and EvaluationUtils grade (prompts paraphrased).

Verdict rule of the official code: a reply naming both RIGHT and WRONG counts as WRONG; one naming neither is
asked again (the official code retries up to 20 times; here `retries`), and stays unscored if it never decides.
Criteria per category:
- user facts with one evidence message: the core answer matches (paraphrase and extra accurate detail are
  fine); contradicting, misunderstanding or missing critical information is WRONG. The judge also sees the
  evidence messages;
- user facts over several messages: the answer reflects most of the evidence; minor omissions are allowed;
- assistant facts and changing facts: every essential requested fact is present; a partial answer is WRONG;
- abstention: any "don't know / not mentioned / not enough information / asks to clarify" is RIGHT, even
  stating what is known while flagging the gap; any specific invented answer is WRONG;
- preferences and implicit connections: all rubric criteria are met; partial fulfilment is WRONG.
"""

from __future__ import annotations

from inspect_ai.model import get_model
from inspect_ai.scorer import Score, Scorer, Target, accuracy, scorer
from inspect_ai.solver import TaskState

CRITERIA = {
    "user_facts_single": ("RIGHT if the core of the answer matches the correct answer; paraphrase and extra accurate "
                          "detail are fine. WRONG if it contradicts, misunderstands or misses critical information."),
    "user_facts_multi": ("RIGHT if the answer reflects the information of most of the evidence messages; minor "
                         "omissions are allowed when the main answer is right. Otherwise WRONG."),
    "all_facts": ("RIGHT only if every essential requested fact is present; equivalent wording and extra accurate "
                  "detail are fine. A partial answer is WRONG."),
    "abstention": ("RIGHT if the answer says it does not know, that this was not mentioned, that there is not "
                   "enough information, or asks for clarification (stating what is known while flagging the gap "
                   "is fine). WRONG if it gives any specific answer."),
    "rubric": "RIGHT only if the answer satisfies ALL of the rubric's criteria; partial fulfilment is WRONG.",
}
CATEGORY_CRITERIA = {"assistant_facts": "all_facts", "changing_facts": "all_facts", "abstention": "abstention",
                     "preferences": "rubric", "implicit_connections": "rubric"}


def criteria_for(category: str, evidence_count: int) -> str:
    """The criteria key ConvoMem uses for a question of `category` with `evidence_count` evidence messages."""
    if category == "user_facts":
        return "user_facts_single" if evidence_count <= 1 else "user_facts_multi"
    return CATEGORY_CRITERIA.get(category, "all_facts")


def judge_prompt(question: str, answer: str, reply: str, category: str, evidence_count: int,
                 evidence: list[str] | None = None) -> str:
    key = criteria_for(category, evidence_count)
    gold = "Rubric" if key == "rubric" else "Correct answer"
    parts = [f"Question: {question}", f"{gold}: {answer}"]
    if key == "user_facts_single" and evidence:
        parts.append("Evidence messages:\n" + "\n".join(f"- {e}" for e in evidence))
    parts += [f"Answer to grade: {reply}", f"Criteria: {CRITERIA[key]}", "Reply with one word: RIGHT or WRONG."]
    return "\n\n".join(parts)


def parse_convomem_verdict(text: str) -> bool | None:
    """True for RIGHT, False for WRONG or for both words, None when neither appears (ask again)."""
    upper = text.upper()
    right, wrong = "RIGHT" in upper, "WRONG" in upper
    if right and wrong:
        return False
    return True if right else False if wrong else None


@scorer(metrics=[accuracy()])
def convomem_judge(retries: int = 2) -> Scorer:
    """ConvoMem's per-category judge, by the `grader` role (else the model under test)."""

    async def score(state: TaskState, target: Target) -> Score:
        md = state.metadata or {}
        reply = state.output.completion if state.output else ""
        gold = md.get("rubric") or md.get("answer", "")
        prompt = judge_prompt(state.input_text, gold, reply, md.get("category", ""),
                              int(md.get("evidence_count", 1)))
        grader = get_model(role="grader")
        for _ in range(retries + 1):
            verdict = parse_convomem_verdict((await grader.generate(prompt)).completion)
            if verdict is not None:
                return Score(value=1.0 if verdict else 0.0, answer=reply,
                             metadata={"criteria": criteria_for(md.get("category", ""),
                                                                int(md.get("evidence_count", 1)))})
        return Score.unscored(reason="judge gave no verdict", answer=reply)

    return score
