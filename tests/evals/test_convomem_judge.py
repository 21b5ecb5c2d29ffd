"""ConvoMem's per-category judge: criteria chosen as its evaluation code does, verdicts parsed by its rule,
and one real eval run with a mockllm grader."""

from __future__ import annotations

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import get_model
from inspect_ai.solver import generate
from support import mock_output

from memcurve.evals.scorers.convomem_judge import convomem_judge, criteria_for, judge_prompt, parse_convomem_verdict


@pytest.mark.parametrize("category, n, key", [
    ("user_facts", 1, "user_facts_single"), ("user_facts", 3, "user_facts_multi"), ("assistant_facts", 1, "all_facts"),
    ("changing_facts", 2, "all_facts"), ("abstention", 1, "abstention"), ("preferences", 1, "rubric"),
    ("implicit_connections", 2, "rubric"),
])
def test_criteria_per_category(category, n, key):
    assert criteria_for(category, n) == key


@pytest.mark.parametrize("text, verdict", [
    ("RIGHT", True), ("wrong.", False), ("RIGHT? No, WRONG", False), ("I am not sure", None)])
def test_verdict_rule(text, verdict):
    assert parse_convomem_verdict(text) is verdict


def test_single_fact_prompt_shows_the_evidence_and_rubric_prompt_the_rubric():
    single = judge_prompt("Where?", "Leeds", "In Leeds", "user_facts", 1, ["I moved to Leeds."])
    assert "Evidence messages:\n- I moved to Leeds." in single and "Correct answer: Leeds" in single
    rubric = judge_prompt("Dinner?", "Recommends vegetarian places", "Try Green Leaf", "preferences", 1)
    assert "Rubric: Recommends vegetarian places" in rubric and "ALL of the rubric" in rubric


def test_real_eval_with_a_mock_grader(tmp_path):
    samples = [Sample(id=i, input=q, target=a, metadata={"category": c, "evidence_count": 1, "answer": a})
               for i, (q, a, c) in enumerate([("Where do I live?", "Leeds", "user_facts"),
                                              ("What is my cat called?", "none", "abstention"),
                                              ("Which colour?", "blue", "assistant_facts")])]
    answers = get_model("mockllm/model", custom_outputs=[mock_output(t) for t in ("Leeds", "Tom", "blue")])
    grader = get_model("mockllm/model", custom_outputs=[mock_output(t) for t in
                                                        ("RIGHT", "WRONG", "hmm", "RIGHT")])
    (log,) = eval(Task(dataset=samples, solver=generate(), scorer=convomem_judge()), model=answers,
                  model_roles={"grader": grader}, log_dir=str(tmp_path), display="none", max_samples=1)
    assert log.status == "success", log.error
    values = [s.scores["convomem_judge"].value for s in sorted(log.samples, key=lambda s: s.id)]
    assert values == [1.0, 0.0, 1.0]  # the third asked twice: "hmm" has no verdict
