"""The judge: verdict parsing, per-category rubrics, and mode "rubric" through a real eval with the grader
role left unbound (it falls back to the model under test)."""

import math

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import get_model
from support import mock_output

from memcurve.evals.scorers.judge import (
    ABSTENTION,
    ALL_ESSENTIALS,
    CHANGING,
    RUBRIC,
    SEVERAL_FACTS,
    SINGLE_FACT,
    criteria_for,
    judge,
    judge_prompt,
    parse_verdict,
)
from memcurve.errors import ConfigError
from memcurve.evals.scorers.answer_check import answer_check
from memcurve.evals.scorers.headline import headline


@pytest.mark.parametrize("text, verdict", [
    ("RIGHT", True), ("WRONG", False), ("right.", True), ("Verdict: WRONG", False),
    ("RIGHT or WRONG? WRONG", False),         # both words: WRONG (ConvoMem)
    ("The reply is right, not wrong.", False),
    ("yes", True), ("No.", False), ("Yes, no doubt", False),  # LongMemEval-style yes/no, both -> WRONG
    ("There is no information about a cat.", None),          # yes/no only as the leading word
    ("maybe", None), ("", None), ("RIGHTEOUS", None),       # whole words only
])
def test_parse_verdict(text, verdict):
    assert parse_verdict(text) is verdict


@pytest.mark.parametrize("metadata, criteria", [
    ({"category": "user_facts", "evidence_count": 1}, SINGLE_FACT),
    ({"category": "user_facts", "evidence_count": 3}, SEVERAL_FACTS),
    ({"category": "assistant_facts"}, ALL_ESSENTIALS),
    ({"category": "changing_facts"}, CHANGING),
    ({"category": "preferences", "answer_kind": "rubric"}, RUBRIC),
    ({"category": "implicit_connections", "answer_kind": "text"}, RUBRIC),  # the category decides too
    ({"category": "user_facts", "is_abstention": True}, ABSTENTION),        # abstention wins over category
    ({"category": "single_hop"}, SINGLE_FACT),
    ({}, SINGLE_FACT),
])
def test_criteria_per_category(metadata, criteria):
    assert criteria_for(metadata) == criteria


def test_prompt_holds_question_reference_and_reply():
    prompt = judge_prompt("What is my dog called?", "Biscuit!", {"category": "user_facts"}, ["Biscuit", "Bisc"])
    assert "Question: What is my dog called?" in prompt
    assert "Correct answer: Biscuit (also accepted: Bisc)" in prompt
    assert "Assistant's reply: Biscuit!" in prompt and prompt.endswith("Verdict:")
    rubric = judge_prompt("Where should I eat?", "Green Leaf", {"category": "preferences", "answer_kind": "rubric",
                                                              "rubric": "Vegetarian only."}, ["recommend vegetarian"])
    assert "Rubric: Vegetarian only.\nA good reply in short: recommend vegetarian" in rubric
    abst = judge_prompt("Cat's name?", "Whiskers", {"is_abstention": True}, ["There is no information."])
    assert "nothing in the earlier conversations answers this question" in abst and "never mentioned" in abst


def test_invalid_mode_is_a_one_line_error():
    with pytest.raises(ConfigError, match="judge mode 'sometimes' is not valid; valid: rubric, all, off"):
        judge(mode="sometimes")


def _sample(qid, category, kind, answer):
    return Sample(id=qid, input=f"Question {qid}?", target=[answer], metadata={
        "history_id": "h1", "size": 1, "solver": "no_context", "category": category, "answer_kind": kind,
        "is_abstention": False, "evidence_count": 1, "rubric": "Vegetarian only." if kind == "rubric" else ""})


@pytest.mark.parametrize("mode, judged", [("rubric", 1), ("off", 0)])
def test_modes_through_eval_with_unbound_grader(tmp_path, mode, judged):
    prompts = []

    def model(input, tools, tool_choice, config):
        text = input[-1].text
        if text.startswith("You are grading"):  # the unbound grader role falls back to this model
            prompts.append(text)
            return mock_output("RIGHT", input_tokens=30, output_tokens=1)
        return mock_output("Biscuit, and try Green Leaf.")

    dataset = [_sample("exact", "user_facts", "text", "Rex"), _sample("pref", "preferences", "rubric", "veg")]
    task = Task(dataset=dataset, scorer=[answer_check(), judge(mode=mode), headline()])
    [log] = eval(task, model=get_model("mockllm/model", custom_outputs=model), display="none",
                 log_dir=str(tmp_path / "logs"))
    assert log.status == "success", log.error
    assert len(prompts) == judged and all("Question pref?" in p for p in prompts)
    scores = {s.id: {**s.scores["judge"].value, **s.scores["headline"].value} for s in log.samples}
    assert scores["exact"]["correct"] == 0.0 and math.isnan(scores["exact"]["judge"])  # Rex not in the reply
    assert math.isnan(scores["exact"]["judge_agreement"])
    if mode == "rubric":
        assert (scores["pref"]["correct"], scores["pref"]["judge"]) == (1.0, 1.0)
        assert math.isnan(scores["pref"]["judge_agreement"])
    else:
        assert math.isnan(scores["pref"]["correct"])  # rubric answers need a judge
