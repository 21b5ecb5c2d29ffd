"""Graphiti (the `graphiti` extra) through the model bridge with a scripted memory model: its structured-output
extraction steps (entities, their resolution, facts, fact deduplication and invalidation, summaries) run
as Inspect calls of the `memory` role (in the log), its embeddings come from the bridge's local embedder,
its graph is an in-memory Kuzu database, the new manager invalidates the old one, and it answers from the
dated facts it kept. The scripted model reads
the step from the response schema's name and answers from the current message of the prompt only, so a
fact enters the graph only because Graphiti asked for it. Skipped when Graphiti is not installed."""

from __future__ import annotations

import json
import re

import pytest
from adapter_support import FACTS, memory_calls_billed, run_adapter
from inspect_ai.model import ModelOutput, ModelUsage
from memory_support import build_memory_store

from memcurve.evals.memory import make_system
from memcurve.evals.memory.graphiti_adapter import available
from memcurve.errors import ConfigError

SEEN: list[str] = []
NAMES = ("Gwendolyn", "Oluwaseun", "Leeds")  # the entities the scripted model knows


def _current(prompt: str) -> str:
    """The episode being processed (Graphiti's prompts wrap it in CURRENT MESSAGE / CURRENT_MESSAGE tags)."""
    match = re.search(r"<CURRENT[ _]MESSAGE>(.*?)</CURRENT[ _]MESSAGE>", prompt, re.S)
    return match.group(1) if match else ""


def _reply(step: str, prompt: str) -> dict:
    current = _current(prompt)
    if step == "ExtractedEntities":
        names = ["user", *(n for n in NAMES if n in current)]
        return {"extracted_entities": [{"name": n, "entity_type_id": 0, "episode_indices": [0]} for n in names]}
    if step == "ExtractedEdges":
        return {"edges": [{"source_entity_name": "user", "target_entity_name": n, "relation_type": "RELATES_TO",
                           "fact": FACTS[n], "episode_indices": [0]} for n in NAMES if n in current]}
    if step == "EdgeDuplicate":  # the new manager contradicts the old one
        new = re.search(r"<NEW FACT>(.*?)</NEW FACT>", prompt, re.S).group(1)
        candidates = re.search(r"<FACT INVALIDATION CANDIDATES>(.*?)</FACT INVALIDATION CANDIDATES>", prompt, re.S)
        contradicted = []
        if "Gwendolyn" in new and candidates:
            contradicted = [int(i) for i in re.findall(r"""['"]idx['"]:\s*(\d+)[^}]*Oluwaseun""", candidates.group(1))]
        return {"duplicate_facts": [], "contradicted_facts": contradicted}
    if step == "EdgeTimestamps":  # a present-tense fact holds from the episode's reference time
        return {"valid_at": re.search(r"<REFERENCE TIME>\s*(\S+)", prompt).group(1), "invalid_at": None}
    if step == "SummarizedEntities":
        return {"summaries": []}
    return {}


def graphiti_model(input, tools, tool_choice, config):
    step = config.response_schema.name if config.response_schema else "text"
    prompt = "\n".join(m.text for m in input)
    SEEN.append(step)
    output = ModelOutput.from_content("mockllm/model", json.dumps(_reply(step, prompt)))
    output.usage = ModelUsage(input_tokens=200, output_tokens=10, total_tokens=210)
    return output


@pytest.mark.skipif(available(), reason="graphiti is installed")
def test_without_graphiti_the_system_says_how_to_get_it():
    with pytest.raises(ConfigError, match=r"needs the graphiti extra: pip install -e '.\[graphiti\]'"):
        make_system("graphiti")


@pytest.mark.skipif(not available(), reason="graphiti-core (the graphiti extra) is not installed")
def test_graphiti_runs_through_the_bridge_with_its_tokens_in_the_log(tmp_path):
    SEEN.clear()
    db = build_memory_store(tmp_path / "m.duckdb")
    log = run_adapter(db, "graphiti", graphiti_model, {"embedder": "hashing", "k": 5})
    [sample] = log.samples
    calls = memory_calls_billed(sample, 200, 10)
    assert len(calls) == len(SEEN) >= 4
    # its embeddings are counted by the hashing embedder's tokenizer, logged per ingest beside the chat tokens
    served = [e.data["model bridge"] for e in sample.events
              if e.event == "info" and isinstance(e.data, dict) and "model bridge" in e.data]
    assert len(served) == 4 and {s["embedding_tokenizer"] for s in served} == {"memcurve-hashing-words"}
    assert sum(s["chat_tokens"] for s in served) == sample.store["ingest_tokens"]
    assert sum(s["embedding_tokens"] for s in served) == sample.store["ingest_embedding_tokens"] > 0
    assert sample.store["ingest_embedding_calls"] >= 4
    assert sample.store["memory_ops"] == {"ADD": 3, "UPDATE": 1, "DELETE": 0, "NONE": 1, "failed": 0, "dropped": 0}
    assert sorted(sample.store["memory_texts"]) == sorted(FACTS[n] for n in NAMES)
    # the new manager invalidated the old one: both kept, with the dates each held
    assert "- The user's manager is Oluwaseun (2024-02-05 - 2024-02-06)" in sample.messages[0].text
    assert "- The user's manager is Gwendolyn (2024-02-06 - present)" in sample.messages[0].text
    assert sample.output.completion == "Gwendolyn"
