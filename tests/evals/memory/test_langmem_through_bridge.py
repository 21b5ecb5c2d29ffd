"""LangMem (the `langmem` extra) through the model bridge with a scripted memory model: its tool-calling
extraction runs as Inspect calls of the `memory` role (in the log), its index embeds locally through the
bridge, and it answers from what it kept. Skipped when LangMem is not installed."""

from __future__ import annotations

import pytest
from adapter_support import facts_in, memory_calls_billed, run_adapter
from inspect_ai.model import ChatMessageAssistant, ModelOutput, ModelUsage
from inspect_ai.tool import ToolCall
from memory_support import build_memory_store

from memcurve.evals.memory import make_system
from memcurve.evals.memory.langmem_adapter import available
from memcurve.errors import ConfigError

SEEN: list[tuple[list[str], object]] = []


def langmem_extractor(input, tools, tool_choice, config):
    """trustcall's extraction step: one `Memory` tool call per fact of the conversation in the prompt."""
    SEEN.append(([t.name for t in tools], tool_choice))
    conversation = "\n".join(m.text for m in input if m.role != "system")
    facts = facts_in(conversation.rsplit("<convo>", 1)[-1]) if "<convo>" in conversation else facts_in(conversation)
    calls = [ToolCall(id=f"call_{i}", function="Memory", arguments={"content": fact}) for i, fact in enumerate(facts)]
    output = ModelOutput.from_message(ChatMessageAssistant(content="" if calls else "Nothing new.", tool_calls=calls or None),
                                      stop_reason="tool_calls" if calls else "stop")
    output.usage = ModelUsage(input_tokens=300, output_tokens=20, total_tokens=320)
    return output


@pytest.mark.skipif(available(), reason="langmem is installed")
def test_without_langmem_the_system_says_how_to_get_it():
    with pytest.raises(ConfigError, match=r"needs the langmem extra: pip install -e '.\[langmem\]'"):
        make_system("langmem")


@pytest.mark.skipif(not available(), reason="langmem (the langmem extra) is not installed")
def test_langmem_runs_through_the_bridge_with_its_tokens_in_the_log(tmp_path):
    SEEN.clear()
    db = build_memory_store(tmp_path / "m.duckdb")
    log = run_adapter(db, "langmem", langmem_extractor, {"embedder": "hashing", "k": 3})
    [sample] = log.samples
    calls = memory_calls_billed(sample, 300, 20)
    assert len(calls) == len(SEEN) >= 4 and all("Memory" in names for names, _ in SEEN)
    assert sample.store["ingest_embedding_tokens"] > 0  # counted by the embedder's tokenizer
    assert sample.store["memory_items"] >= 4
    assert "The user's manager is Gwendolyn" in sample.messages[0].text
    assert sample.output.completion == "Gwendolyn"
