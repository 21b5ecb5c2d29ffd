"""Every scorer path through one real inspect_ai.eval() run with mockllm (answer model and grader).

Fifteen plain Samples over four histories carry the dataset's metadata; a scripted solver sets the
store keys the real solvers set and asks the mock model, which replies per question. Judge mode "all",
so every sample not overflowed is also judged, and judge/answer_check agreement is measured.
"""

import math

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessageUser, get_model
from inspect_ai.solver import solver
from support import ABSTAIN, mock_output, sample_metrics

from memcurve.evals.scorers import default_scorers

HAYSTACK = "SECRET-HAYSTACK: the whole history would be here."
RANK2 = [["a"], ["e1", "x"], ["b"], ["c"], ["d"]]      # evidence e1 at rank 2 of 5
RANK35 = [["a"], ["b"], ["e1"], ["c"], ["e2", "y"]]    # evidence e1, e2 at ranks 3 and 5
RUBRIC = "Recommends vegetarian places and avoids steakhouses."

# qid: (history, size, solver, category, answer_kind, answer, aliases, reply, grade, extra)
CASES = {
    "q01-right": ("h1", 1, "rag", "user_facts", "text", "Biscuit", [], "Your pup is called Biscuit.", "RIGHT",
                  {"store": {"retrieved_units": RANK2}, "evidence_ids": ["e1"]}),
    "q02-wrong": ("h1", 1, "full_context", "user_facts", "text", "Biscuit", [], "Your dog is called Rex.", "RIGHT", {}),
    "q03-alias": ("h1", 1, "full_context", "temporal", "text", "Tuesday", ["Tue"], "It was a Tue.", "RIGHT", {}),
    "q04-number": ("h2", 3, "rag", "aggregation", "number", "1200", [], "You spent $1,200.00 in total.", "RIGHT",
                   {"store": {"retrieved_units": RANK35}, "evidence_ids": ["e1", "e2"], "evidence_count": 2}),
    "q05-words": ("h2", 3, "full_context", "user_facts", "number", "3", [], "You have three dogs.", "RIGHT", {}),
    "q06-abst-right": ("h2", 3, "rag", "abstention", "abstention", ABSTAIN, [], "You haven't mentioned a cat.",
                       "RIGHT", {"is_abstention": True, "store": {"retrieved_units": RANK2}, "evidence_ids": ["e1"]}),
    "q07-abst-wrong": ("h2", 3, "full_context", "abstention", "abstention", ABSTAIN, [],
                       "Your cat is called Whiskers.", "WRONG", {"is_abstention": True}),
    "q08-abstained": ("h3", 3, "full_context", "user_facts", "text", "Leeds", [], "I don't have that information.",
                      "WRONG", {}),
    "q09-rubric-right": ("h3", 3, "full_context", "preferences", "rubric", "recommend vegetarian", [],
                         "Try Green Leaf, a vegetarian place.", "RIGHT", {"rubric": RUBRIC}),
    "q10-rubric-wrong": ("h3", 3, "full_context", "implicit_connections", "rubric", "mind the budget", [],
                         "Book the most expensive hotel.", "WRONG", {"rubric": "Keeps to the user's small budget."}),
    "q11-rubric-both": ("h3", 3, "full_context", "preferences", "rubric", "recommend vegetarian", [],
                        "Try the steakhouse.", "RIGHT or WRONG? I would say WRONG.", {"rubric": RUBRIC}),
    "q12-unparseable": ("h4", 1, "full_context", "implicit_connections", "rubric", "mind the budget", [],
                        "Book the cheap hostel.", "maybe", {"rubric": "Keeps to the user's small budget."}),
    "q13-overflow": ("h4", 1, "full_context", "preferences", "rubric", "recommend vegetarian", [],
                     "prompt is too long: 250000 tokens > 200000 maximum", "RIGHT",
                     {"rubric": RUBRIC, "stop_reason": "model_length"}),
    "q14-truncated": ("h4", 1, "full_context", "user_facts", "text", "Biscuit", [], "Biscuit.", "RIGHT",
                      {"store": {"truncated": True, "dropped_conversations": 2}}),
    "q15-rag-miss": ("h4", 1, "rag", "user_facts", "text", "Leeds", [], "You live in Leeds.", "RIGHT",
                     {"store": {"retrieved_units": [["a"], ["b"]]}, "evidence_ids": ["e9"]}),
}
NAN = math.nan
# qid: (answer_check, correct, judge, judge_agreement)
EXPECTED = {
    "q01-right": (1, 1, 1, 1), "q02-wrong": (0, 0, 1, 0), "q03-alias": (1, 1, 1, 1), "q04-number": (1, 1, 1, 1),
    "q05-words": (1, 1, 1, 1), "q06-abst-right": (1, 1, 1, 1), "q07-abst-wrong": (0, 0, 0, 1),
    "q08-abstained": (0, 0, 0, 1), "q09-rubric-right": (NAN, 1, 1, NAN), "q10-rubric-wrong": (NAN, 0, 0, NAN),
    "q11-rubric-both": (NAN, 0, 0, NAN), "q12-unparseable": (NAN, NAN, NAN, NAN),
    "q13-overflow": (NAN, NAN, NAN, NAN), "q14-truncated": (1, 1, 1, 1), "q15-rag-miss": (1, 1, 1, 1),
}


def question(qid):
    return f"Question {qid}: what about it?"


def samples():
    out = []
    for qid, (history, size, solver_name, category, kind, answer, aliases, _, _, extra) in CASES.items():
        evidence = extra.get("evidence_ids", ["m1"])
        out.append(Sample(id=qid, input=question(qid), target=[answer, *aliases], metadata={
            "db": "unused.duckdb", "history_id": history, "chain_id": history, "persona_id": "p000", "size": size,
            "history_tokens": 100 * size, "question_id": qid, "category": category, "question_type": category,
            "answer_kind": kind, "answer": answer, "aliases": aliases, "rubric": extra.get("rubric", ""),
            "is_abstention": extra.get("is_abstention", False), "evidence_count": extra.get("evidence_count", 1),
            "evidence_ids": evidence, "asked_at": "2024-01-20T12:00:00", "solver": solver_name}))
    return out


@solver
def scripted():
    """Sets the store keys the real solvers set, puts the haystack in the prompt and asks the model."""

    async def solve(state, generate):
        extra = CASES[state.metadata["question_id"]][-1]
        state.messages = [ChatMessageUser(content=f"{HAYSTACK}\n\nQuestion: {state.input_text}\nAnswer:")]
        store = {"solver": state.metadata["solver"], "context_message_ids": ["m1"], "context_tokens": 100,
                 "truncated": False, "dropped_conversations": 0, "k": None, "unit": None, **extra.get("store", {})}
        if "retrieved_units" in store:
            store.update(k=5, unit="round")
        for key, value in store.items():
            state.store.set(key, value)
        return await generate(state)

    return solve


def _qid_in(prompt):
    return next(qid for qid in CASES if question(qid) in prompt)


def answer_model(input, tools, tool_choice, config):
    case = CASES[_qid_in(input[-1].text)]
    return mock_output(case[7], input_tokens=50, output_tokens=8, stop_reason=case[-1].get("stop_reason", "stop"))


GRADER_PROMPTS: list[str] = []


def grader_model(input, tools, tool_choice, config):
    prompt = input[-1].text
    GRADER_PROMPTS.append(prompt)
    return mock_output(CASES[_qid_in(prompt)][8], input_tokens=30, output_tokens=1)


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    GRADER_PROMPTS.clear()
    task = Task(dataset=samples(), solver=scripted(), scorer=default_scorers(judge_mode="all"))
    [result] = eval(task, model=get_model("mockllm/model", custom_outputs=answer_model),
                    model_roles={"grader": get_model("mockllm/model", custom_outputs=grader_model)},
                    display="none", log_dir=str(tmp_path_factory.mktemp("logs")))
    assert result.status == "success", result.error
    return result


def by_id(log):
    return {s.id: s for s in log.samples}


def metrics(log, name):
    """A score's breakdown, recomputed from the samples (the results hold the headline only)."""
    return sample_metrics(log, name)


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) if (math.isnan(a) or math.isnan(b)) else a == pytest.approx(b)


def test_per_sample_verdicts(log):
    from inspect_ai.scorer import value_to_float

    to_float = value_to_float()
    for qid, sample in by_id(log).items():
        ac = sample.scores["answer_check"]
        judged = sample.scores["judge"].value
        headline = sample.scores["headline"]
        got = (to_float(ac.value), headline.value["correct"], judged["judge"], judged["judge_agreement"])
        rubric = CASES[qid][4] == "rubric"
        assert headline.metadata["headline_from"] == ("judge.judge" if rubric else "answer_check")
        assert all(same(g, e) for g, e in zip(got, EXPECTED[qid])), (qid, got, EXPECTED[qid])
        assert ac.answer == CASES[qid][7]  # Score.answer is the model reply


def test_abstention_recorded(log):
    samples_ = by_id(log)
    assert samples_["q08-abstained"].scores["answer_check"].metadata["abstained"] is True
    assert samples_["q06-abst-right"].scores["answer_check"].metadata["abstained"] is True
    assert samples_["q07-abst-wrong"].scores["answer_check"].metadata["abstained"] is False


def test_overflow_is_recorded_never_wrong_and_not_judged(log):
    sample = by_id(log)["q13-overflow"]
    ac = sample.scores["answer_check"]
    assert math.isnan(ac.value) and ac.metadata["overflow"] is True and ac.explanation == "context overflow"
    assert sample.scores["judge"].metadata["overflow"] is True
    assert sample.scores["overflow"].value == {"overflow": 1.0, "truncated": 0.0}
    assert not any(question("q13-overflow") in p for p in GRADER_PROMPTS)
    values, score = metrics(log, "overflow")
    assert values["mean"] == pytest.approx(1 / 15) and score.scored_samples == 15


def test_truncation_recorded(log):
    assert by_id(log)["q14-truncated"].scores["overflow"].value == {"overflow": 0.0, "truncated": 1.0}
    values, _ = metrics(log, "truncated")
    assert values["mean"] == pytest.approx(1 / 15)
    assert values["solver/full_context"] == pytest.approx(1 / 11)


def test_unparseable_judge_is_recorded_not_wrong(log):
    score = by_id(log)["q12-unparseable"].scores["judge"]
    assert score.metadata["judge_unparseable"] is True and score.metadata["judge_attempts"] == 3
    assert score.metadata["judge_raw"] == ["maybe"] * 3 and score.reason == "grader_failed"
    assert sum(question("q12-unparseable") in p for p in GRADER_PROMPTS) == 3  # 1 + retries=2


def test_judge_sees_question_reference_and_reply_only(log):
    assert len(GRADER_PROMPTS) == 14 + 2  # 15 samples - 1 overflow; q12 asked 3 times
    assert not any("SECRET-HAYSTACK" in p for p in GRADER_PROMPTS)
    [prompt] = [p for p in GRADER_PROMPTS if question("q09-rubric-right") in p]
    assert f"Rubric: {RUBRIC}" in prompt and "Try Green Leaf, a vegetarian place." in prompt
    assert "ALL criteria" in prompt
    [prompt] = [p for p in GRADER_PROMPTS if question("q03-alias") in p]
    assert "Correct answer: Tuesday (also accepted: Tue)" in prompt


def test_accuracy_with_clustered_stderr(log):
    values, score = metrics(log, "answer_check")
    assert score.scored_samples == 10 and score.unscored_samples == 5
    assert values["accuracy"] == pytest.approx(0.7)
    # by hand: clusters h1 [1,0,1], h2 [1,1,1,0], h3 [0], h4 [1,1]; mean 0.7; deviation sums -0.1, 0.2, -0.7,
    # 0.6 -> squares 0.9; x C/(C-1) = 4/3 -> 1.2; sqrt / n = sqrt(1.2) / 10
    assert values["stderr"] == pytest.approx(math.sqrt(1.2) / 10)
    correct, _ = metrics(log, "correct")
    assert correct["accuracy"] == pytest.approx(8 / 13)
    agreement, _ = metrics(log, "judge_agreement")
    assert agreement["mean"] == pytest.approx(0.9)


def test_grouped_metric_names(log):
    values, _ = metrics(log, "answer_check")
    expected = {"category/user_facts": 4 / 6, "category/abstention": 0.5, "category/temporal": 1.0,
                "category/aggregation": 1.0, "size/1": 0.8, "size/3": 0.6, "solver/rag": 1.0,
                "solver/full_context": 0.5, "solver/rag/size/1": 1.0, "solver/full_context/size/3": 1 / 3}
    for name, value in expected.items():
        assert values[name] == pytest.approx(value), name
    assert {"category/user_facts/stderr", "size/3/stderr", "solver/rag/size/1/stderr"} <= set(values)
    assert "category/preferences" not in values  # all unscored for answer_check: the group vanishes
    correct, _ = metrics(log, "correct")  # the headline scorer's dict value: every group survives there too
    assert correct["category/preferences"] == pytest.approx(0.5)  # q09 right, q11 both words = wrong
    assert correct["size/3"] == pytest.approx(0.5) and correct["solver/full_context/size/3"] == pytest.approx(2 / 6)
    assert {"solver/rag", "solver/rag/size/1/stderr", "category/preferences/stderr"} <= set(correct)
    assert correct["category/implicit_connections"] == 0.0
    judge, _ = metrics(log, "judge")
    assert judge["category/abstention"] == pytest.approx(0.5)


def test_retrieval_metrics_on_known_rankings(log):
    samples_ = by_id(log)
    right = samples_["q01-right"].scores["retrieval_metrics"].value
    assert (right["recall_any@1"], right["recall_any@3"], right["recall_all@3"]) == (0.0, 1.0, 1.0)
    assert (right["ndcg@1"], right["ndcg@3"]) == (0.0, 1.0)
    two = samples_["q04-number"].scores["retrieval_metrics"].value
    assert two["ndcg@5"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / 2)
    assert math.isnan(right["recall_any@10"])  # top-5 solver (store k=5): rank 10 was never measured
    assert samples_["q15-rag-miss"].scores["retrieval_metrics"].value["recall_any@10"] == 0.0  # 2 < k: complete
    for qid in ("q02-wrong", "q06-abst-right", "q13-overflow"):  # no ranking, abstention: NaN, not 0
        assert all(math.isnan(v) for v in samples_[qid].scores["retrieval_metrics"].value.values()), qid
    any3, score = metrics(log, "recall_any@3")
    assert score.scored_samples == 3 and any3["mean"] == pytest.approx(2 / 3)
    assert any3["solver/rag"] == pytest.approx(2 / 3) and "solver/full_context" not in any3
    ndcg3, _ = metrics(log, "ndcg@3")
    assert ndcg3["mean"] == pytest.approx((1.0 + (1 / math.log2(3)) / 2 + 0.0) / 3)


def test_results_carry_the_headline_only(log):
    """Inspect prints every metric in the log's results at the end of a run: memcurve puts only the headline
    there (accuracy and clustered stderr of `correct`); every other score stays per sample."""
    [score] = log.results.scores
    assert (score.scorer, score.name) == ("headline", "correct")
    assert {m.name: m.value for m in score.metrics.values()} == pytest.approx(
        {"accuracy": metrics(log, "correct")[0]["accuracy"], "stderr": metrics(log, "correct")[0]["stderr"]})
    assert log.results.headline is not None
    assert {s.name for s in log.eval.scorers} == {"answer_check", "judge", "retrieval_metrics", "overflow", "headline"}
