"""evals.analysis.results: real Inspect logs (mockllm, with usage) become one tidy frame with costs."""

import math

import polars as pl
import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import get_model
from inspect_ai.scorer import CORRECT, INCORRECT, Score, Target, accuracy, scorer
from inspect_ai.solver import Generate, TaskState, generate, solver

from memcurve.evals.analysis.prices import Price, load_prices, price_for
from memcurve.evals.analysis.results import read_results, to_long, write_duckdb
from memcurve.errors import MemcurveError
from support import mock_output


@solver
def _record_context():
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state.store.set("solver", state.metadata["solver"])
        state.store.set("k", 3)
        state.store.set("context_tokens", 120)
        state.store.set("truncated", False)
        return await generate(state)

    return solve


@scorer(metrics=[accuracy()])
def answer_check():
    async def score(state: TaskState, target: Target) -> Score:
        return Score(value=CORRECT if target.text in state.output.completion else INCORRECT)

    return score


def _samples():
    out = []
    for i, (size, category) in enumerate([(1, "user_facts"), (10, "user_facts"), (10, "preferences")]):
        out.append(Sample(id=f"rag:h{i}:q{i}", input="What's my pup called?", target="Biscuit", metadata={
            "solver": "rag", "history_id": f"h{i}", "chain_id": "c0", "persona_id": "p000", "size": size,
            "history_tokens": 100 * size, "question_id": f"q{i}", "category": category,
            "question_type": f"{category}/x", "evidence_count": 1, "is_abstention": False}))
    return out


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("logs")
    outputs = [mock_output("Biscuit", 1000, 10), mock_output("No idea", 2000, 20), mock_output("Biscuit", 500, 5)]
    model = get_model("mockllm/model", custom_outputs=outputs)
    task = Task(dataset=_samples(), solver=[_record_context()], scorer=answer_check())
    [log] = eval(task, model=model, log_dir=str(tmp_path), display="none", max_samples=1)
    assert log.status == "success"
    return tmp_path


def test_frame_has_a_row_per_sample_with_metadata_scores_and_tokens(log_dir):
    frame = read_results([log_dir]).sort("sample_id")
    assert frame.height == 3
    assert frame["size"].to_list() == [1, 10, 10]
    assert frame["answer_check"].to_list() == [1.0, 0.0, 1.0]
    assert frame["solver"].to_list() == ["rag"] * 3
    assert frame["k"].to_list() == [3, 3, 3]
    assert sorted(frame["input_tokens"].to_list()) == [500, 1000, 2000]
    assert frame["prompt_tokens"].to_list() == frame["input_tokens"].to_list()  # mockllm reports no cache reads
    assert frame["cost_usd"].to_list() == [0.0, 0.0, 0.0]  # mockllm is free
    # preferences is a rubric category: with no judge score its headline stays unscored, not wrong
    correct = dict(zip(frame["category"], frame["correct"]))
    assert math.isnan(correct["preferences"]) and frame.filter(pl.col("size") == 1)["correct"][0] == 1.0


def test_long_form_and_duckdb(log_dir, tmp_path):
    frame = read_results([log_dir])
    long = to_long(frame)
    assert set(long["score"].unique()) == {"answer_check", "correct"}
    assert long.height == 2 * frame.height
    write_duckdb(frame, tmp_path / "r.duckdb")
    import duckdb

    with duckdb.connect(str(tmp_path / "r.duckdb")) as con:
        assert con.execute("SELECT count(*), sum(input_tokens) FROM samples").fetchone() == (3, 3500)


def test_prices_longest_prefix_and_user_override(tmp_path):
    table = load_prices()
    assert price_for("anthropic/claude-sonnet-4-5-20250929", table).input == 3.0
    assert price_for("anthropic/claude-opus-4-5", table).input == 5.0
    assert price_for("unknown/model", table) is None
    assert Price(3.0, 15.0, 0.3).cost(1_000_000, 100_000, cache_read=1_000_000) == pytest.approx(3 + 1.5 + 0.3)
    user = tmp_path / "prices.yaml"
    user.write_text("mockllm/: {input: 1.0, output: 2.0}\n")
    assert price_for("mockllm/model", load_prices(user)).cost(1_000_000, 1_000_000) == 3.0
    bad = tmp_path / "bad.yaml"
    bad.write_text("mockllm/: {input: cheap, output: 2}\n")
    with pytest.raises(MemcurveError, match="bad.yaml"):
        load_prices(bad)


def test_missing_logs_are_a_one_line_error(tmp_path):
    with pytest.raises(MemcurveError, match="no such log"):
        read_results([tmp_path / "nope"])
    with pytest.raises(MemcurveError, match="no Inspect logs"):
        read_results([tmp_path])
