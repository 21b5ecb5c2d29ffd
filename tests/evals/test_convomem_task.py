"""tasks/convomem.py end to end with mockllm: -T plumbing, scores per solver, one-line option errors."""

import importlib.util
from pathlib import Path

import pytest
from inspect_ai import eval
from inspect_ai.model import get_model
from inspect_ai.scorer import value_to_float
from solver_harness import answer_honestly
from support import mock_output, sample_metrics

from memcurve.errors import ConfigError, StoreError

TASK_FILE = Path(__file__).resolve().parents[2] / "tasks" / "convomem.py"


def _convomem():
    spec = importlib.util.spec_from_file_location("convomem_task_under_test", TASK_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.convomem


def _metric(log, name, metric_name):
    """A metric of one score, recomputed from the samples (the log's results hold the headline only)."""
    return sample_metrics(log, name)[0][metric_name]


def test_every_solver_through_inspect_eval(tiny_store, tmp_path, monkeypatch):
    monkeypatch.chdir(TASK_FILE.parents[1])  # Inspect resolves task files relative to the working directory
    model = get_model("mockllm/model", custom_outputs=answer_honestly)
    grader = get_model("mockllm/model", custom_outputs=lambda *a: mock_output("RIGHT"))
    [log] = eval("tasks/convomem.py", model=model, model_roles={"grader": grader}, display="none",
                 log_dir=str(tmp_path / "logs"),
                 task_args={"data": str(tiny_store), "solvers": "full_context,rag,oracle,no_context",
                            "k": 1, "unit": "message", "judge": "all"})
    assert log.status == "success", log.error
    assert len(log.samples) == 4 * 2 * 3  # solvers x histories x questions
    correct = {}
    for sample in log.samples:
        solver = sample.metadata["solver"]
        assert sample.store["solver"] == solver
        correct.setdefault(solver, []).append(value_to_float()(sample.scores["answer_check"].value))
    # full context and oracle see the evidence; no context can only abstain; rag@1 message misses the
    # pet name at size 3 ("pup" matches nothing, the tie goes to the pasta message) but not at size 1
    assert {s: sum(v) / len(v) for s, v in correct.items()} == pytest.approx(
        {"full_context": 1.0, "oracle": 1.0, "rag": 5 / 6, "no_context": 1 / 3})
    rag = next(s for s in log.samples if s.id == "rag:p000-h00-n0003:p000-q0002")
    assert rag.store["retrieved_units"] == [["p000-c0001-m00"]]
    assert rag.scores["retrieval_metrics"].value["recall_any@1"] == 1.0
    assert log.eval.task_args["k"] == 1
    # the log's metrics (H5's scorers) see the same per-solver, per-size accuracies
    assert _metric(log, "answer_check", "solver/rag/size/3") == pytest.approx(2 / 3)
    assert _metric(log, "answer_check", "solver/rag/size/1") == 1.0
    assert _metric(log, "answer_check", "solver/no_context") == pytest.approx(1 / 3)
    assert _metric(log, "judge", "accuracy") == 1.0  # judge="all": the mock grader says RIGHT
    assert _metric(log, "recall_any@1", "solver/rag") == 0.75  # abstention questions excluded
    assert _metric(log, "truncated", "mean") == 0.0


@pytest.mark.parametrize("args, error, message", [
    ({"solvers": "full_context,memgpt"}, ConfigError,
     "unknown solver 'memgpt'; valid: full_context, rag, oracle, no_context"),
    ({"solvers": ["rag", "bogus"]}, ConfigError, "unknown solver 'bogus'; valid: full_context, rag, oracle, no_context"),
    ({"categories": "user_facts,hobbies"}, ConfigError, "unknown category 'hobbies'; valid: user_facts, "),
    ({"sizes": 0}, ConfigError, "invalid size 0: sizes are whole numbers of conversations >= 1"),
    ({"sizes": [1, 0]}, ConfigError, "invalid size 0: sizes are whole numbers of conversations >= 1"),
    ({"sizes": "1,7"}, ConfigError, "size 7 not in "),
    ({"unit": "page"}, ConfigError, "invalid unit 'page'; valid: message, round, conversation"),
    ({"k": 0}, ConfigError, "invalid k 0: expected a whole number >= 1"),
    ({"max_tokens": "lots"}, ConfigError, "invalid max_tokens 'lots': expected a whole number >= 1"),
    ({"judge": "maybe"}, ConfigError, "judge mode 'maybe' is not valid; valid: rubric, all, off"),
    ({"data": "no-such-folder/missing.duckdb"}, StoreError, "missing.duckdb: no such benchmark file (data="),
    ({"data": "missing.db"}, StoreError, "missing.db: no such benchmark file (data="),
    ({"max_context_tokens": "big"}, ConfigError, "invalid max_context_tokens 'big': expected a whole number >= 1 or"),
])
def test_invalid_options_fail_on_one_line(tiny_store, args, error, message):
    convomem = _convomem()
    with pytest.raises(error) as err:
        convomem(**{"data": str(tiny_store), **args})
    assert message in str(err.value) and "\n" not in str(err.value)


def test_window_option_truncates_and_overflow_is_not_scored_wrong(tiny_store, tmp_path):
    convomem = _convomem()
    model = get_model("mockllm/model", custom_outputs=answer_honestly)
    from memcurve.evals.context import keep_recent
    from memcurve.evals.history import load_history
    from memcurve.evals.solvers.prompt import PROMPT_RESERVE_TOKENS, history_budget

    convs = load_history(tiny_store, "p000-h00-n0003").conversations
    window = next(w for w in range(1, 5000)  # the task's max_tokens is 32
                  if len(keep_recent(convs, history_budget(w, 32, PROMPT_RESERVE_TOKENS))[0]) == 2)
    task = convomem(data=str(tiny_store), solvers="full_context", sizes=3, max_context_tokens=window, judge="off")
    [log] = eval(task, model=model, display="none", log_dir=str(tmp_path / "logs"))
    assert log.status == "success", log.error
    for sample in log.samples:  # the pasta conversation no longer fits; the chew-toy one still does
        assert sample.store["truncated"] is True and sample.store["dropped_conversations"] >= 1
        assert "p000-c0001-m00" in sample.store["context_message_ids"]
    assert _metric(log, "truncated", "mean") == 1.0
    assert _metric(log, "answer_check", "accuracy") == 1.0
    # "model": no emulated window, the whole history (mockllm has no known window)
    [log] = eval(convomem(data=str(tiny_store), solvers="full_context", sizes=3, max_context_tokens="model",
                          judge="off"), model=model, display="none", log_dir=str(tmp_path / "logs"))
    assert {len(s.store["context_message_ids"]) for s in log.samples} == {6}
