"""mem0 (the `mem0` extra) through the model bridge with a scripted memory model: its extraction calls are
Inspect calls of the `memory` role (in the log), its vectors are local, and it answers from what it kept.
Skipped when mem0 is not installed (memcurve does not install it by default)."""

from __future__ import annotations

import json

import pytest
from adapter_support import facts_in, run_adapter
from memory_support import H2, H4, build_memory_store
from support import mock_output

from memcurve.evals.memory.mem0_adapter import available

pytestmark = pytest.mark.skipif(not available(), reason="mem0 (the mem0 extra, PyPI mem0ai) is not installed")


def mem0_extractor(input, tools, tool_choice, config):
    """mem0's single ADD-only extraction call: facts of the prompt's '## New Messages' section."""
    prompt = input[-1].text
    new = prompt.split("## New Messages", 1)[-1].split("## Observation Date", 1)[0]
    reply = json.dumps({"memory": [{"id": str(i), "text": fact} for i, fact in enumerate(facts_in(new))]})
    return mock_output(reply, input_tokens=200, output_tokens=25)


def test_mem0_runs_through_the_bridge_with_its_tokens_in_the_log(tmp_path):
    db = build_memory_store(tmp_path / "m.duckdb")
    log = run_adapter(db, "mem0", mem0_extractor, {"embedder": "hashing", "k": 3})
    [sample] = log.samples
    store = sample.store
    calls = [e for e in sample.events if e.event == "model" and e.role == "memory"]
    assert len(calls) == 4  # one extraction per conversation
    usage = sample.role_usage["memory"]
    assert (usage.input_tokens, usage.output_tokens) == (800, 100)
    assert store["ingest_tokens"] == 900 and store["ingest_calls"] == 4
    assert store["ingest_embedding_tokens"] > 0  # counted by the embedder's tokenizer
    assert store["memory_items"] == 4  # one memory per conversation in this script
    assert "The user's manager is Gwendolyn" in sample.messages[0].text
    assert sample.output.completion == "Gwendolyn"


def test_nested_histories_each_build_their_own_mem0(tmp_path):
    """mem0's store cannot be checkpointed: the 4-conversation history is built afresh, not resumed."""
    db = build_memory_store(tmp_path / "m.duckdb")
    log = run_adapter(db, "mem0", mem0_extractor, {"embedder": "hashing", "k": 3}, histories=(H2, H4))
    by_history = {s.metadata["history_id"]: s for s in log.samples}
    assert [by_history[h].store["ingest_calls"] for h in (H2, H4)] == [2, 4]
    assert all(s.error is None and s.output.completion == "Gwendolyn" for s in log.samples)
