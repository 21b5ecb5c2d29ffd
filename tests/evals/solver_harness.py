"""Run one solver over the tiny benchmark with a real inspect_ai.eval() and mockllm (every output with usage)."""

from __future__ import annotations

from inspect_ai import Task, eval
from inspect_ai.model import get_model
from inspect_ai.scorer import includes
from support import mock_output

from memcurve.evals.dataset import load_samples

# tiny benchmark question -> the answer a perfect model gives
RIGHT_ANSWERS = {
    "What's my pup called again?": "Biscuit",
    "What's my cat's name?": "I don't know: there is no information about a cat.",
    "What day of the week did my dog wreck my shoes?": "Tuesday",
}


def answer_right(input, tools, tool_choice, config):
    """mockllm custom output: the right answer for whichever tiny question ends the prompt."""
    prompt = input[-1].text
    for question, answer in RIGHT_ANSWERS.items():
        if f"Question: {question}" in prompt:
            return mock_output(answer, input_tokens=len(prompt) // 4, output_tokens=3)
    return mock_output("I don't know.")


def run_solver(db, solver, tmp_path, *, solvers=("x",), sizes=None, **eval_kwargs):
    """Evaluate `solver` on the tiny store; returns {sample id: EvalSample}."""
    samples = load_samples(db, solvers=list(solvers), sizes=sizes)
    task = Task(dataset=samples, solver=solver, scorer=includes())
    model = get_model("mockllm/model", custom_outputs=answer_right)
    [log] = eval(task, model=model, display="none", log_dir=str(tmp_path / "logs"), **eval_kwargs)
    assert log.status == "success", log.error
    return {s.id: s for s in log.samples}


def history_ids(conversations):
    """Message ids of the tiny conversations, in order (2 messages each)."""
    return [f"{c}-m{i:02d}" for c in conversations for i in range(2)]


def answer_honestly(input, tools, tool_choice, config):
    """mockllm custom output that answers only from what the prompt shows (else "I don't know").

    Reproduces what a faithful model would score under each solver: the pet name needs the chew-toy
    message, the weekday needs that conversation's dated header, the cat question is always abstained.
    """
    prompt = input[-1].text
    question = prompt.rsplit("Question: ", 1)[-1]
    answer = "I don't know: there is no information about it."
    if question.startswith("What's my pup called") and "User: Biscuit chewed" in prompt:
        answer = "Biscuit"
    if question.startswith("What day of the week") and "Tuesday, 2024-01-09" in prompt:
        answer = "Tuesday"
    return mock_output(answer, input_tokens=len(prompt) // 4, output_tokens=4)
