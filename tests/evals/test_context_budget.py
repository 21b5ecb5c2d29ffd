"""-T context_budget: every solver shows at most that many context tokens, RAG fills it in rank order, the
report compares solvers at that budget with their ingestion cost; a bad value is one line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from inspect_ai import eval
from inspect_ai.model import get_model
from support import evidence_reader, mock_output

from memcurve.evals.analysis.budget_report import budget_table
from memcurve.evals.analysis.report import write_report
from memcurve.evals.analysis.results import read_results
from memcurve.generators.config import build_config
from memcurve.generators.generate import generate

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 400


def run_convomem(db, logs, **task_args):
    model = get_model("mockllm/model", custom_outputs=evidence_reader(db))
    grader = get_model("mockllm/model", custom_outputs=lambda *a: mock_output("RIGHT"))
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return eval("tasks/convomem.py", model=model, model_roles={"grader": grader}, display="none",
                    log_dir=str(logs), task_args={"data": str(db), **task_args})
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def budget_logs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("budget")
    db = tmp / "bench.duckdb"
    generate(build_config({"seed": 5, "personas": 2, "sizes": "1,8", "questions_per_category": 2, "length": "short",
                           "categories": "user_facts,changing_facts"}), db, force=False, progress=False)  # short rounds
    [log] = run_convomem(db, tmp / "logs", solvers="full_context,rag,memory:hybrid", context_budget=BUDGET,
                         memory_cache="off", judge="off")
    assert log.status == "success", log.error
    return tmp / "logs", log


def test_every_solver_respects_the_budget(budget_logs):
    _, log = budget_logs
    by_solver: dict[str, list[int]] = {}
    for sample in log.samples:
        assert sample.store["context_budget"] == BUDGET
        assert sample.store["context_tokens"] <= BUDGET
        by_solver.setdefault(sample.store["solver"], []).append(sample.store["context_tokens"])
    assert set(by_solver) == {"full_context", "rag", "memory:hybrid"}
    # at size 8 the history is larger than the budget: rag fills it with more than its default 5 rounds' worth
    rag = [s for s in log.samples if s.store["solver"] == "rag" and s.metadata["size"] == 8]
    assert max(len(s.store["retrieved_units"]) for s in rag) > 5
    # rounds at real length are 150-400 tokens, so after FILL_PATIENCE rounds that no longer fit, up to about one
    # round's worth can stay unused: most samples fill 60% of the budget, every one of them 40%
    filled = [s.store["context_tokens"] for s in rag]
    assert sum(BUDGET * 0.6 < t for t in filled) >= 0.75 * len(filled)
    assert all(BUDGET * 0.4 < t for t in filled)


def test_report_compares_solvers_at_the_same_budget(budget_logs, tmp_path):
    logs, _ = budget_logs
    table = budget_table(read_results([logs]))
    assert set(table["solver"]) == {"full_context", "rag", "memory:hybrid"}
    assert set(table["context_budget"]) == {BUDGET}
    assert (table["max_context_tokens"] <= BUDGET).all()
    hybrid = table.filter(table["solver"] == "memory:hybrid").row(0, named=True)
    assert hybrid["ingest_tokens"] == 0 and hybrid["ingest_seconds"] >= 0  # hybrid ingests without model calls
    text = write_report([logs], tmp_path / "report").read_text()
    assert "### Equal context budget" in text and f"| {BUDGET} | rag |" in text


def test_invalid_budget_is_one_line(tmp_path, tiny_store):
    with pytest.raises(Exception, match=r"invalid context_budget 'lots': expected a whole number >= 1"):
        from memcurve.convomem import convomem

        convomem(data=str(tiny_store), context_budget="lots")
