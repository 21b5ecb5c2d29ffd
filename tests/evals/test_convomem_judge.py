"""ConvoMem's per-category judge: each category gets its upstream prompt, verbatim and filled as the Scala code
fills it; verdicts parsed by its rule; one real eval run with a mockllm grader."""

from __future__ import annotations

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import get_model
from inspect_ai.solver import generate
from support import mock_output

from memcurve.evals.scorers.convomem_judge import (
    convomem_judge,
    convomem_prompts,
    evaluation_for,
    evidence_texts,
    judge_prompt,
    parse_convomem_verdict,
)

# The first line of each upstream prompt (AnsweringEvaluation.scala at the pinned commit).
OPENING = {
    "DefaultAnsweringEvaluation": "I will provide you with a **Question**, a **Correct Answer**, and a **Model's "
                                  "Response**. Your sole task is to determine if the Model's Response is "
                                  "**sufficiently correct and complete** to answer the Question, when compared "
                                  "against the Correct Answer.",
    "RubricBasedAnsweringEvaluation": "You are a judge evaluating if a model's response meets the criteria in a "
                                      "rubric.",
    "TemporalAnsweringEvaluation": "You are a judge determining if a model's temporal answer is correct.",
    "UserFactsAnsweringEvaluation(1)": "You are evaluating whether a model's response correctly answers a question "
                                       "using information from an evidence message.",
    "UserFactsAnsweringEvaluation(n>1)": "You are evaluating whether a model's response correctly answers a "
                                         "question using information from multiple evidence messages.",
    "AbstentionAnsweringEvaluation": "You are evaluating an ABSTENTION test where the model should recognize it "
                                     "lacks sufficient information to answer the question.",
}


@pytest.mark.parametrize("category, n, evaluation", [
    ("user_facts", 1, "UserFactsAnsweringEvaluation(1)"), ("user_facts", 3, "UserFactsAnsweringEvaluation(n>1)"),
    ("assistant_facts", 1, "DefaultAnsweringEvaluation"), ("changing_facts", 2, "DefaultAnsweringEvaluation"),
    ("abstention", 1, "AbstentionAnsweringEvaluation"), ("preferences", 1, "RubricBasedAnsweringEvaluation"),
    ("implicit_connections", 2, "RubricBasedAnsweringEvaluation"), ("temporal", 1, "TemporalAnsweringEvaluation"),
    ("multi_hop", 1, "DefaultAnsweringEvaluation"),  # LoCoMo's test cases: upstream names none, the default
])
def test_each_category_gets_its_upstream_prompt(category, n, evaluation):
    assert evaluation_for(category, n) == evaluation
    prompt = judge_prompt("Q?", "A", "R", category, n, ["first evidence", "second evidence"])
    assert prompt.splitlines()[0] == OPENING[evaluation]
    assert "$" not in prompt
    assert prompt.endswith(("Answer (RIGHT/WRONG):", "Respond with only RIGHT or WRONG."))


def test_prompt_data_names_source_commit_and_licence():
    data = convomem_prompts()
    assert data["source"].startswith("SalesforceAIResearch/ConvoMem, src/main/scala/")
    assert data["commit"] == "5f9eb9e050112e030964202eba29bb30965ca898" and data["licence"].startswith("Apache-2.0")
    assert set(OPENING) == set(data["evaluations"])


def test_rubric_prompt_filled_exactly():
    assert judge_prompt("Dinner?", "Suggests vegetarian places", "Try Green Leaf", "preferences", 1) == (
        "You are a judge evaluating if a model's response meets the criteria in a rubric.\n\n"
        "Question asked: Dinner?\n\nEvaluation rubric: Suggests vegetarian places\n\nModel's response: Try Green Leaf"
        "\n\nGuidelines:\n- The model's response must fully satisfy ALL criteria in the rubric\n"
        "- Partial fulfillment of criteria should result in INCORRECT\n"
        "- The response must demonstrate clear understanding of the context\n"
        "- Missing any important aspect mentioned in the rubric means INCORRECT\n\n"
        "Evaluate whether the model's response satisfies the rubric criteria.\n\n"
        "If the response satisfies the criteria: RIGHT\nIf the response does not satisfy the criteria: WRONG\n\n"
        "Respond with only RIGHT or WRONG.")


def test_user_facts_prompts_carry_the_evidence_messages():
    single = judge_prompt("Where?", "Leeds", "In Leeds", "user_facts", 1, ["I moved to Leeds."])
    assert "**Evidence Message Available to the Model:**\nI moved to Leeds.\n\n" in single
    assert "**Correct Answer (what the response should convey):**\nLeeds\n" in single
    multi = judge_prompt("Where?", "Leeds, Porto", "x", "user_facts", 2, ["I moved to Leeds.", "Ines is in Porto."])
    assert "**Evidence Messages Available to the Model:**\nEvidence Message 1: I moved to Leeds.\n" \
           "Evidence Message 2: Ines is in Porto.\n\n" in multi
    assert "Question: Cat?\nExpected behavior:" in judge_prompt("Cat?", "n/a", "x", "abstention", 1)


def test_evidence_texts_come_from_the_store(tiny_store):
    from memcurve.generators.store import open_store

    con = open_store(tiny_store)
    ids, texts = zip(*con.execute("SELECT message_id, text FROM messages ORDER BY message_id LIMIT 2").fetchall())
    con.close()
    assert evidence_texts(str(tiny_store), [ids[1], ids[0], "no-such-id"]) == [texts[1], texts[0]]
    assert evidence_texts(str(tiny_store.parent / "moved.duckdb"), list(ids)) == []


@pytest.mark.parametrize("text, verdict", [
    ("RIGHT", True), ("wrong.", False), ("RIGHT? No, WRONG", False), ("I am not sure", None)])
def test_verdict_rule(text, verdict):
    assert parse_convomem_verdict(text) is verdict


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
    scores = [s.scores["convomem_judge"] for s in sorted(log.samples, key=lambda s: s.id)]
    assert [s.value for s in scores] == [1.0, 0.0, 1.0]  # the third asked twice: "hmm" has no verdict
    assert [s.metadata["evaluation"] for s in scores] == [
        "UserFactsAnsweringEvaluation(1)", "AbstentionAnsweringEvaluation", "DefaultAnsweringEvaluation"]
