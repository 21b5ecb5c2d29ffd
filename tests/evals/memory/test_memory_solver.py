"""The memory solver end to end: tasks/convomem.py with memory:* solvers, mockllm for the answer, memory
and grader roles (every output with usage), the memory_operations scorer in the log."""

import math
from pathlib import Path

import pytest
from inspect_ai import eval
from inspect_ai.model import get_model
from memory_support import H2, H4, Scripted, build_memory_store
from support import mock_output, sample_metrics

from memcurve.evals.memory.cache import clear_memory_cache
from memcurve.evals.memory.fact_store import EXTRACT_OPENING
from memcurve.evals.memory.hybrid import RecentPlusRag
from memcurve.evals.history import load_history
from memcurve.evals.memory.summary import RollingSummary, cap_tokens
from memcurve.evals.solvers.memory import memory
from memcurve.errors import ConfigError
from memcurve.generators.tokens import estimate_tokens

TASK_FILE = Path(__file__).resolve().parents[3] / "tasks" / "convomem.py"


@pytest.fixture
def store_db(tmp_path, monkeypatch):
    monkeypatch.chdir(TASK_FILE.parents[1])  # Inspect resolves task files relative to the working directory
    clear_memory_cache()
    yield build_memory_store(tmp_path / "memory.duckdb")
    clear_memory_cache()


def run_task(db, tmp_path, solvers, script, memory_model=None, **args):
    model = get_model("mockllm/model", custom_outputs=script)
    roles = {"grader": get_model("mockllm/model", custom_outputs=lambda *a: mock_output("RIGHT"))}
    if memory_model is not None:
        roles["memory"] = memory_model
    [log] = eval("tasks/convomem.py", model=model, model_roles=roles, display="none", log_dir=str(tmp_path / "logs"),
                 task_args={"data": str(db), "solvers": solvers, "memory_cache": str(tmp_path / "mem"), **args})
    assert log.status == "success", log.error
    return log


def metric(log, scorer, name):
    """A metric of one score, recomputed from the samples (the log's results hold the headline only)."""
    return sample_metrics(log, scorer)[0][name]


def test_three_systems_through_convomem(store_db, tmp_path):
    script = Scripted(answer="Gwendolyn")
    log = run_task(store_db, tmp_path, "memory:fact_store,memory:summary,memory:hybrid,rag", script)
    assert len(log.samples) == 4 * 2 * 2
    by_id = {s.id: s for s in log.samples}
    fs = by_id[f"memory:fact_store:{H4}:p001-q0000"]
    assert fs.store["solver"] == "memory:fact_store" and fs.store["memory_system"] == "fact_store"
    assert fs.store["memory_items"] == 4
    assert fs.store["memory_ops"] == {"ADD": 5, "UPDATE": 1, "DELETE": 1, "NONE": 1, "failed": 0, "dropped": 1}
    ops = fs.scores["memory_operations"].value  # computed by the scorer, not the solver
    assert ops["extraction_recall"] == pytest.approx(2 / 3) and ops["update_accuracy"] == 1.0
    assert ops["hallucinated"] == 0.25 and "extraction_recall" not in fs.store
    # H2 (c0, c1) runs first and H4 resumes from it: 2 + 2 extractions, 4 conversations' cost in total
    assert script.calls(EXTRACT_OPENING) == 4
    assert fs.store["ingest_tokens"] == 800 and fs.store["ingest_tokens_per_conversation"] == 200
    assert {by_id[f"memory:fact_store:{H4}:{q}"].store["memory_source"] for q in ("p001-q0000", "p001-q0001")} == {
        "resumed", "memory"}
    # the answer prompt: memory context first, question last, as for every solver
    prompt = fs.messages[0].text
    assert prompt.index("- (2024-02-06) Manager is Gwendolyn") < prompt.index("Question: Who is my manager now?")
    assert prompt.rstrip().endswith("Answer:")
    # ingest calls are tagged with the memory role (it falls back to the model under test)
    builders = [s for s in log.samples if s.store.get("ingest_tokens_this_sample")]
    assert sum(s.role_usage["memory"].total_tokens for s in builders) == sum(
        s.store["ingest_tokens_this_sample"] for s in builders)
    summary = by_id[f"memory:summary:{H4}:p001-q0001"]
    assert "The user's manager is Gwendolyn. The user lives in Leeds." in summary.messages[0].text
    assert summary.store["memory_ops"]["UPDATE"] == 4
    hybrid = by_id[f"memory:hybrid:{H4}:p001-q0000"]
    assert hybrid.store["ingest_tokens"] == 0 and hybrid.store["memory_items"] == 0
    assert hybrid.store["memory_details"]["recent_conversations"] == ["p001-c0002", "p001-c0003"]
    # scorer metrics per solver; other solvers' samples are NaN (left out)
    assert metric(log, "update_accuracy", "solver/memory:fact_store") == 1.0
    assert metric(log, "ingest_tokens", "solver/memory:hybrid") == 0.0
    assert metric(log, "extraction_recall", "solver/memory:hybrid") == 1.0
    assert "solver/rag" not in sample_metrics(log, "extraction_recall")[0]  # NaN on rag samples: no group
    assert metric(log, "answer_check", "solver/memory:fact_store") == 0.5  # the mock always says Gwendolyn
    rag = by_id[f"rag:{H4}:p001-q0000"]
    assert rag.scores["memory_operations"].value["ingest_tokens"] != rag.scores["memory_operations"].value["ingest_tokens"]


def test_bound_memory_role_gets_the_ingest_calls(store_db, tmp_path):
    answers, memory_calls = Scripted(answer="Leeds"), Scripted()
    log = run_task(store_db, tmp_path, "memory:summary", answers,
                   memory_model=get_model("mockllm/model", custom_outputs=memory_calls))
    assert memory_calls.calls("Updated summary:") == 4 and answers.calls("Updated summary:") == 0
    assert all(p.rstrip().endswith("Answer:") for p in answers.prompts)


def test_malformed_memory_json_never_fails_the_run(store_db, tmp_path):
    script = Scripted(garbage={m: 99 for m in ("My manager is Oluwaseun", "my new manager is Gwendolyn",
                                                "I live in Leeds now", "can't handle spicy food")})
    log = run_task(store_db, tmp_path, "memory:fact_store", script, memory_cache="off")
    sample = next(s for s in log.samples if s.id == f"memory:fact_store:{H4}:p001-q0000")
    assert sample.store["memory_ops"]["failed"] == 4 and sample.store["memory_items"] == 0
    ops = sample.scores["memory_operations"].value
    assert sample.store["ingest_failed_calls"] == 4 and ops["extraction_recall"] == 0.0
    assert math.isnan(ops["hallucinated"])  # nothing stored: not applicable
    assert "(no memories)" in sample.messages[0].text
    assert not (tmp_path / "mem").exists()  # memory_cache=off (YAML False) writes nothing


def test_hybrid_context_and_budget(store_db):
    history = load_history(store_db, H4)
    hybrid = RecentPlusRag(recent=1, k=1, unit="round")
    hybrid.load_state({"conversations": [c.conversation_id for c in history.conversations], "ops": {}})
    context = hybrid.context("Who is my manager now?", history, None)
    # recent: c3 whole; the best older round for "manager" (c0 ranks first on ties of equal score)
    assert context.details["recent_conversations"] == ["p001-c0003"]
    assert context.rendered.message_ids[-2:] == ("p001-c0003-m00", "p001-c0003-m01")
    assert len(context.details["retrieved_units"]) == 1
    assert context.details["retrieved_units"][0][0] in {"p001-c0000-m00", "p001-c0001-m00"}
    only_recent = hybrid.context("Who is my manager now?", history, context.rendered.tokens - 1)
    assert only_recent.truncated and only_recent.rendered.message_ids == ("p001-c0003-m00", "p001-c0003-m01")


def test_summary_context_and_cap():
    assert cap_tokens("One two. Three four. Five six.", 5) == "Five six."
    assert cap_tokens("Short.", 100) == "Short."
    summary = RollingSummary(recent=0)
    summary.summary = "The user lives in Leeds."
    assert summary.verbatim_conversations() == []


def test_unknown_system_or_option_is_one_line():
    with pytest.raises(ConfigError, match="unknown memory system 'graph'; valid: fact_store, summary, hybrid, mem0"):
        memory(system="graph")
    with pytest.raises(ConfigError, match="memory system 'hybrid': invalid options"):
        memory(system="hybrid", options={"window": 3})
    with pytest.raises(ConfigError, match="invalid unit 'page'"):
        memory(system="hybrid", options={"unit": "page"})


def test_external_adapters_render_their_memories_within_the_budget():
    from memcurve.evals.memory.protocol import lines_context

    full = lines_context("[Memories]", ["- lives in Leeds", "- manager is Gwendolyn"], None, {"ids": [1, 2]})
    assert full.rendered.text == "[Memories]\n- lives in Leeds\n- manager is Gwendolyn" and not full.truncated
    assert full.rendered.tokens == estimate_tokens(full.rendered.text) and full.details == {"ids": [1, 2]}
    cut = lines_context("[Memories]", ["- lives in Leeds", "- manager is Gwendolyn"], 8, {})
    assert cut.rendered.text == "[Memories]\n- lives in Leeds" and cut.truncated  # the worst-ranked line goes first
    none = lines_context("[Facts]", ["- lives in Leeds"], 2, {}, empty="(no facts)")
    assert none.rendered.text == "[Facts]\n(no facts)" and none.truncated
