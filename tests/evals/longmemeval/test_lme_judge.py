"""LongMemEval judge: per-type prompts and rules through a real inspect_ai.eval with mockllm."""

import math

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import get_model
from lme_helpers import rule_judge
from support import mock_output

from memcurve.evals.longmemeval import longmemeval_judge, parse_yes_no, prompt_type
from memcurve.evals.longmemeval.judge import judge_prompt

# id -> (question_type / category, flags, gold, reply)
CASES = {
    "temporal_off_by_one": ({"question_type": "temporal-reasoning"}, "11 days", "It took 12 days."),
    "temporal_off_by_two": ({"question_type": "temporal-reasoning"}, "11 days", "It took 13 days."),
    "user_off_by_one": ({"question_type": "single-session-user"}, "11 days", "It took 12 days."),
    "update_with_old": ({"question_type": "knowledge-update"}, "the garage",
                        "It used to be the hallway, but now it is in the garage."),
    "single_with_old": ({"question_type": "single-session-user"}, "the garage",
                        "It used to be the hallway, but now it is in the garage."),
    "abs_by_flag": ({"question_type": "single-session-user", "is_abstention": True}, "never mentioned",
                    "I don't know, you never told me."),
    "abs_by_id_abs": ({"question_type": "single-session-user", "question_id": "c4a1ceb8_abs"}, "never mentioned",
                      "I don't know."),
    "abs_guess": ({"question_type": "multi-session", "is_abstention": True}, "never mentioned", "Your hamster is Tom."),
    "generated_update": ({"category": "changing_facts", "question_type": "changing_facts/city"}, "York",
                         "I moved from Leeds, but York is home now."),
    "unparseable": ({"question_type": "single-session-user"}, "Luna", "GARBLE"),
}


def _samples():
    for sid, (md, gold, reply) in CASES.items():
        yield Sample(id=sid, input=f"Question for {sid}?", target=gold,
                     metadata={"question_id": sid, "solver": "rag", "history_id": sid, "reply": reply, **md})


def _reply(input, tools, tool_choice, config):
    question = input[-1].text
    sid = question.removeprefix("Question for ").rstrip("?")
    return mock_output(CASES[sid][2])


def test_per_type_rules_through_eval(tmp_path):
    task = Task(dataset=list(_samples()), scorer=longmemeval_judge())
    grader = get_model("mockllm/model", custom_outputs=rule_judge)
    [log] = eval(task, model=get_model("mockllm/model", custom_outputs=_reply), model_roles={"grader": grader},
                 display="none", log_dir=str(tmp_path))
    assert log.status == "success", log.error
    scores = {s.id: s.scores["longmemeval_judge"] for s in log.samples}
    values = {sid: score.value["judge"] for sid, score in scores.items()}
    assert values["temporal_off_by_one"] == 1.0  # 12 vs 11 days: tolerated for temporal reasoning
    assert values["temporal_off_by_two"] == 0.0
    assert values["user_off_by_one"] == 0.0  # no tolerance outside temporal reasoning
    assert values["update_with_old"] == 1.0  # the updated value beside the old one
    assert values["single_with_old"] == 0.0
    assert values["generated_update"] == 1.0  # category changing_facts -> knowledge-update prompt
    assert values["abs_by_flag"] == 1.0 and values["abs_by_id_abs"] == 1.0 and values["abs_guess"] == 0.0
    for sid in ("abs_by_flag", "abs_by_id_abs", "abs_guess"):  # the flag wins over the base type
        assert scores[sid].metadata["prompt_type"] == "abstention"
    assert scores["abs_guess"].metadata["question_type"] == "multi-session"
    assert math.isnan(values["unparseable"])
    assert scores["unparseable"].metadata["judge_unparseable"] is True
    assert scores["unparseable"].metadata["judge_raw"] == ["Perhaps."]
    assert scores["unparseable"].explanation == "Perhaps."
    # the log's LongMemEval metrics skip the unparseable sample: 9 scored, 5 right
    [judge] = [s for s in log.results.scores if s.name == "judge"]
    # Inspect names a dict-valued metric's keys `<registry name>_<key>` (memcurve/longmemeval_accuracy_overall); the prefix is dropped
    metrics = {name.split("longmemeval_accuracy_")[-1]: m.value for name, m in judge.metrics.items()}
    assert metrics["overall"] == pytest.approx(5 / 9)
    # types: knowledge-update 2/2, multi-session 0/1, single-session-user 2/4 (abstention items in their base
    # type, as in the original), temporal-reasoning 1/2 -> unweighted mean 0.5
    assert metrics["task_averaged"] == pytest.approx((1.0 + 0.0 + 0.5 + 0.5) / 4)
    assert metrics["type/single-session-user"] == 0.5
    assert metrics["solver/rag/overall"] == pytest.approx(5 / 9)
    assert metrics["abstention"] == pytest.approx(2 / 3)


def test_parse_yes_no_follows_the_original_rule():
    assert parse_yes_no("Yes.") is True
    assert parse_yes_no("yes, it does") is True
    assert parse_yes_no("No") is False
    assert parse_yes_no("no yes") is True  # the original: "yes" anywhere is correct
    assert parse_yes_no("The answer is right") is None
    assert parse_yes_no("") is None


def test_prompt_choice_and_wording():
    assert prompt_type({"question_type": "temporal-reasoning", "question_id": "x_abs"}) == "abstention"
    assert prompt_type({"category": "aggregation", "question_type": "aggregation/books"}) == "multi-session"
    assert prompt_type({"category": "preferences"}) == "single-session-preference"
    text = judge_prompt("Where should I go?", "mention an aisle seat", "Book an aisle seat.", "single-session-preference")
    assert "Rubric: mention an aisle seat" in text and "need not reflect every point" in text
    assert text.endswith("Answer yes or no only.\nAnswer:")
    assert "Explanation: not mentioned" in judge_prompt("Q?", "not mentioned", "R", "abstention")
