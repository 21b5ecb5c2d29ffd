"""Judge audit through real inspect_ai.eval() runs: a lenient and a strict scripted grader (mockllm) grade
labelled replies built from a generated benchmark; rates, kappa and the majority verdict come from the log."""

import re

import polars as pl
import pytest
from inspect_ai import eval
from inspect_ai.model import get_model

from support import mock_output

from memcurve.errors import ConfigError
from memcurve.evals.judge_audit import KINDS, audit_markdown, audit_replies, kappas, rates, read_audit
from memcurve.evals.judge_audit.rates import cohen_kappa, false_positive_rates
from memcurve.evals.judge_audit.task import judge_audit_task
from memcurve.evals.scorers.answer_key import answer_keys
from memcurve.evals.scorers.single_answer import score_reply


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    from memcurve.generators.config import build_config
    from memcurve.generators.generate import generate

    db = tmp_path_factory.mktemp("audit") / "bench.duckdb"
    generate(build_config({"seed": 11, "personas": 2, "sizes": "1,6", "questions_per_category": 2}), db,
             force=False, progress=False)
    return db


def _lenient(input, tools, tool_choice, config):
    return mock_output("RIGHT")


def strict_grader(db):
    """RIGHT only when memcurve's single-answer check (or, for rubrics, the rubric's own demand) confirms the
    reply: the grader a careful human would be. Long replies first get an unparseable answer (a retry)."""
    keys = {}
    for key in answer_keys(db).values():
        keys.setdefault(key.question.strip(), []).append(key)
    seen: set[str] = set()

    def respond(input, tools, tool_choice, config):
        prompt = input[-1].text
        question = prompt.split("Question: ", 1)[1].split("\n", 1)[0].strip()
        reply = prompt.split("Assistant's reply:", 1)[1].rsplit("Is the reply RIGHT or WRONG", 1)[0].strip()
        if len(reply) > 200 and prompt not in seen:
            seen.add(prompt)
            return mock_output("Hmm, hard to say.")
        reference = prompt.split("Question: ", 1)[1]
        oks = []
        for key in keys[question]:
            if key.answer_kind == "rubric":
                oks.append(f"A good reply in short: {key.golds[0]}\n" in reference
                           and reply.endswith(f"it will {key.golds[0]}."))
            elif key.golds[0] in reference or key.is_abstention and "nothing in the earlier" in reference:
                oks.append(bool(score_reply(reply, key).correct))
        return mock_output("RIGHT" if any(oks) else "WRONG")

    return respond


def test_labelled_replies_agree_with_the_ground_truth(bench):
    pairs = audit_replies(answer_keys(bench), seed=0)
    kinds = {r.kind for _, r in pairs}
    assert {"paraphrase", "other_value", "stale", "vague", "candidate_list", "long_hedge", "abstain_known",
            "answer_unknown"} <= kinds <= set(KINDS)
    assert {k.category for k, _ in pairs} >= {"user_facts", "changing_facts", "abstention", "temporal",
                                               "aggregation", "preferences"}
    for key, labelled in pairs:  # the deterministic single-answer check agrees with every label it can judge
        verdict = score_reply(labelled.reply, key)
        if verdict.correct is not None:
            assert verdict.correct is labelled.correct, (key.question_id, labelled, verdict.reason)
    assert audit_replies(answer_keys(bench), seed=0) == pairs  # same seed, same replies
    assert all(r.correct == (r.kind == "paraphrase") for _, r in pairs)


def test_two_scripted_graders_through_inspect(bench, tmp_path):
    lenient = get_model("mockllm/lenient", custom_outputs=_lenient)
    strict = get_model("mockllm/strict", custom_outputs=strict_grader(bench))
    task = judge_audit_task(str(bench), graders="lenient,strict", judges="strict,lenient",
                            questions_per_category=2)
    [log] = eval(task, model="mockllm/model", model_roles={"lenient": lenient, "strict": strict},
                 display="none", log_dir=str(tmp_path / "logs"))
    assert log.status == "success", log.error
    frame = read_audit([tmp_path / "logs"])
    n = len(log.samples)
    assert frame.filter(pl.col("role") != "majority").height == n * 4  # 2 graders x 2 judge prompts
    overall = {(r["role"], r["judge"]): r for r in rates(frame, by=("role", "judge")).iter_rows(named=True)}
    # the lenient grader accepts everything: every wrong reply is a false positive
    assert overall[("lenient", "strict")]["tpr"] == 1.0 and overall[("lenient", "strict")]["fpr"] == 1.0
    # the strict grader is never fooled and confirms most paraphrases; long hedges needed a retry
    assert overall[("strict", "strict")]["fpr"] == 0.0
    assert overall[("strict", "strict")]["tpr"] == 1.0
    assert overall[("strict", "strict")]["unparseable"] == 0.0
    hedges = [s for s in log.samples if s.metadata["kind"] == "long_hedge"]
    assert hedges and all(len(s.scores["graded"].metadata["raw"]["strict:strict"]) == 2 for s in hedges)
    # two graders: a tie on every wrong reply (1 RIGHT, 1 WRONG) makes the majority verdict unparseable there
    majority = overall[("majority", "strict")]
    assert majority["fpr"] == 0.0 and majority["unparseable"] > 0
    kap = kappas(frame)
    pair = kap.filter((pl.col("a") == "lenient:strict") & (pl.col("b") == "strict:strict"))
    assert pair["kappa"][0] == pytest.approx(0.0)  # a rater that always says RIGHT agrees only by chance
    fpr = false_positive_rates(frame)
    assert fpr[("mockllm/lenient", "strict")] == 1.0 and fpr[("mockllm/strict", "strict")] == 0.0
    text = audit_markdown(frame)
    assert "| lenient | mockllm/lenient | strict |" in text and "| strict | mockllm/strict | lenient |" in text
    assert "long_hedge" in text and "kappa" in text


def test_cohen_kappa_values():
    assert cohen_kappa([True, False, True, False], [True, False, True, False]) == 1.0
    assert cohen_kappa([True, True, False, False], [False, False, True, True]) == -1.0
    assert cohen_kappa([True, True, False, False], [True, False, True, False]) == 0.0


def test_bad_options_are_refused(bench):
    with pytest.raises(ConfigError, match="unknown judge 'generous'"):
        judge_audit_task(str(bench), judges="strict,generous")
    with pytest.raises(ConfigError, match="graders"):
        judge_audit_task(str(bench), graders="a b")


def test_the_task_parses_its_options_once_and_refuses_bad_ones_in_one_line(bench):
    """memcurve/judge_audit goes through the shared option parsing: unknown -T names and bad values are one-line
    PrerequisiteErrors naming the value, and parsed values reach the task."""
    from inspect_ai._util.error import PrerequisiteError

    from memcurve.judge_audit import JudgeAuditOptions, judge_audit

    task = judge_audit(data=str(bench), graders="a,b", judges=["strict"], questions_per_category=1)
    assert task.metadata["judge_audit"] == {"roles": ["a", "b"], "judges": ["strict"]}
    questions = {s.metadata["question_id"]: s.metadata["category"] for s in task.dataset}
    assert len(questions) == len(set(questions.values())) > 1  # one question per category
    for given, message in [({"judje": "strict"}, "unknown option judje (-T); valid: data, graders, judges"),
                           ({"judges": "generous"}, "unknown judge 'generous'"),
                           ({"questions_per_category": 0}, "invalid questions_per_category 0"),
                           ({"judge_retries": -1}, "invalid judge_retries -1"),
                           ({"data": str(bench) + ".missing"}, "no such benchmark file (data=)")]:
        with pytest.raises(PrerequisiteError, match=re.escape(message)):
            judge_audit(**{"data": str(bench), **given})
    assert "questions_per_category" in judge_audit.__doc__ and "(default: strict,lenient)" in judge_audit.__doc__
    assert [f for f in JudgeAuditOptions.__dataclass_fields__] == ["data", "graders", "judges",
                                                                   "questions_per_category", "seed",
                                                                   "judge_retries", "max_tokens"]
