"""Retrieval metrics read conversations from the sample contract, never from message ids: the same
retrieval outcome scores the same with generated ids and with imported (LoCoMo-style) ids."""

import asyncio

import pytest
from inspect_ai.model import ModelName
from inspect_ai.scorer import Target
from inspect_ai.solver import TaskState
from solver_harness import run_solver

from memcurve.evals.contract import SampleMeta, SolverRecord
from memcurve.evals.scorers.retrieval import retrieval_metrics
from memcurve.evals.solvers import rag

# conversation id -> its message ids, in two id styles: memcurve's generator and LoCoMo's (conv-26:D5:2)
GENERATED = {"p003-c0001": ["p003-c0001-m00", "p003-c0001-m01"], "p003-c0002": ["p003-c0002-m00"],
             "p003-c0003": ["p003-c0003-m00"], "p003-c0004": ["p003-c0004-m00"]}
LOCOMO = {"conv-26:S1": ["conv-26:D1:1", "conv-26:D1:2"], "conv-26:S2": ["conv-26:D2:1"],
          "conv-26:S3": ["conv-26:D3:1"], "conv-26:S4": ["conv-26:D4:1"]}


def _score(conversations: dict[str, list[str]]) -> dict[str, float]:
    """Evidence in conversations 1 and 2; the ranking (unit conversation, k=3) finds 1 first, then 3 and 4."""
    ids = list(conversations)
    evidence = [conversations[ids[0]][0], conversations[ids[1]][0]]
    meta = SampleMeta(db="unused.duckdb", history_id="h", size=4, question_id="q", category="user_facts",
                      evidence_ids=evidence, evidence_conversation_ids=[ids[0], ids[1]],
                      evidence_count=2, asked_at="2024-01-20T12:00:00", solver="rag")
    ranked = [ids[0], ids[2], ids[3]]
    state = TaskState(ModelName("mockllm/model"), "q", 0, "question?", [], metadata=meta.model_dump())
    SolverRecord(solver="rag", retrieved_units=[conversations[c] for c in ranked], retrieved_conversations=ranked,
                 k=3, unit="conversation").write(state.store)
    return asyncio.run(retrieval_metrics()(state, Target("x"))).value


def test_ndcg_is_the_same_for_generated_and_imported_ids():
    generated, imported = _score(GENERATED), _score(LOCOMO)
    # R = 2 relevant conversations, one found at rank 1: DCG 1 over ideal 1 + 1/log2(2) = 2
    assert generated["ndcg@3"] == pytest.approx(0.5)
    assert imported == generated  # splitting "conv-26:D1:1" on "-" once gave R = 1 and ndcg@3 = 1.0
    assert imported["recall_any@3"] == 1.0 and imported["recall_all@3"] == 0.0


def test_rag_records_the_conversation_of_each_ranked_unit(tiny_store, tmp_path):
    samples = run_solver(tiny_store, rag(k=2, unit="round"), tmp_path, solvers=["rag"], sizes=[3])
    record = SolverRecord.read(samples["rag:p000-h00-n0003:p000-q0002"].store)
    assert record.retrieved_conversations == ["p000-c0001", "p000-c0000"]
    assert [u[0].rsplit("-", 1)[0] for u in record.retrieved_units] == record.retrieved_conversations


def test_an_undeclared_store_key_is_refused():
    with pytest.raises(ValueError, match="retrieved_unit"):
        SolverRecord(solver="rag", retrieved_unit=[["m1"]])
