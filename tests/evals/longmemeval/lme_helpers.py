"""Helpers for the LongMemEval tests: a hand-built History with known dates and a rule-following mock judge."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from support import mock_output

from memcurve.evals.history import Conversation, History, Message


def build_history(sessions: dict[str, tuple[datetime, list[tuple[str, str]]]], history_id: str = "h") -> History:
    """{conversation id: (start, [(speaker, text), ...])} -> History (message ids `<conv>-m<pos>`)."""
    conversations = []
    for cid, (start, turns) in sessions.items():
        messages = tuple(Message(f"{cid}-m{pos:02d}", cid, pos, speaker, text, start + timedelta(minutes=pos),
                                 len(text) // 4 + 1) for pos, (speaker, text) in enumerate(turns))
        conversations.append(Conversation(cid, start, messages))
    return History(db="(memory)", history_id=history_id, conversations=tuple(conversations))


def _field(prompt: str, label: str) -> str:
    match = re.search(rf"{label}: (.*?)\n\n", prompt, re.S)
    return match.group(1).strip() if match else ""


def rule_judge(input, tools, tool_choice, config):
    """A mock grader that applies the rule its prompt states (so tests see which prompt was sent):
    abstention prompt -> yes iff the reply says it doesn't know; off-by-one clause -> numbers within 1;
    knowledge-update clause -> the gold value anywhere; otherwise -> the gold value and no other number.
    A reply containing GARBLE gets an answer with neither yes nor no."""
    prompt = input[-1].text
    reply = _field(prompt, "Model Response")
    if "GARBLE" in reply:
        return mock_output("Perhaps.")
    if "identifies the question as unanswerable" in prompt:
        return mock_output("yes" if "don't know" in reply.lower() else "no")
    gold = _field(prompt, "Correct Answer") or _field(prompt, "Rubric")
    if "off-by-one" in prompt:
        g, r = re.findall(r"\d+", gold), re.findall(r"\d+", reply)
        return mock_output("yes" if g and r and abs(int(g[0]) - int(r[0])) <= 1 else "no")
    if "outdated" in prompt:
        return mock_output("yes" if gold.lower() in reply.lower() else "no")
    other = set(re.findall(r"\d+", reply)) - set(re.findall(r"\d+", gold))
    return mock_output("yes" if gold.lower() in reply.lower() and not other and " but " not in reply else "no")


def run_rag(db, solver, log_dir, *, sizes=None, **eval_kwargs):
    """Evaluate one rag solver on a benchmark with a real inspect_ai.eval (mockllm answers "I don't know")."""
    from inspect_ai import Task, eval
    from inspect_ai.model import get_model
    from inspect_ai.scorer import includes

    from memcurve.evals.dataset import load_samples

    task = Task(dataset=load_samples(db, solvers=["rag"], sizes=sizes), solver=solver, scorer=includes())
    model = get_model("mockllm/model", custom_outputs=lambda *a: mock_output("I don't know."))
    [log] = eval(task, model=model, display="none", log_dir=str(log_dir), **eval_kwargs)
    assert log.status == "success", log.error
    return {s.id: s for s in log.samples}
