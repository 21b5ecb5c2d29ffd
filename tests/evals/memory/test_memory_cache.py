"""The memory cache: built once per key, concurrent callers share one ingest, different config misses,
on-disk reuse across instances (a new process sees only the files), prefix checkpoints for nested histories."""

import asyncio
import json

import pytest
from inspect_ai.model import get_model
from memory_support import H2, H4, Scripted, build_memory_store

from memcurve.evals.history import load_history
from memcurve.evals.memory import make_system
from memcurve.evals.memory.cache import MemoryCache, chain_keys, clear_memory_cache, identity
from memcurve.evals.memory.fact_store import EXTRACT_OPENING
from memcurve.evals.memory.llm import MemoryLLM


@pytest.fixture
def store_db(tmp_path):
    clear_memory_cache()
    yield build_memory_store(tmp_path / "memory.duckdb")
    clear_memory_cache()


def get(cache, db, history_id, script, system="fact_store", options=None, model="mockllm/model"):
    history = load_history(db, history_id)
    llm = MemoryLLM(get_model("mockllm/model", custom_outputs=script))
    return asyncio.run(cache.get(history, lambda: make_system(system, options), llm, model))


def test_second_get_hits_and_costs_nothing(store_db, tmp_path):
    script, cache = Scripted(), MemoryCache(tmp_path / "mem")
    first = get(cache, store_db, H4, script)
    calls = len(script.prompts)
    second = get(cache, store_db, H4, script)
    assert (first.source, second.source) == ("built", "memory")
    assert len(script.prompts) == calls == 6
    assert second.system is first.system and second.run_usage.total_tokens == 0
    assert second.usage.total_tokens == first.usage.total_tokens == 800


def test_concurrent_questions_ingest_once(store_db):
    script, cache = Scripted(), MemoryCache(None)
    history = load_history(store_db, H4)

    async def many():
        llms = [MemoryLLM(get_model("mockllm/model", custom_outputs=script)) for _ in range(4)]
        return await asyncio.gather(*(cache.get(history, lambda: make_system("fact_store"), llm, "m") for llm in llms))

    results = asyncio.run(many())
    assert sorted(r.source for r in results) == ["built", "memory", "memory", "memory"]
    assert script.calls(EXTRACT_OPENING) == 4  # one ingest of 4 conversations


def test_different_config_or_model_misses(store_db, tmp_path):
    script, cache = Scripted(), MemoryCache(tmp_path / "mem")
    get(cache, store_db, H4, script, "summary", {"recent": 2})
    assert get(cache, store_db, H4, script, "summary", {"recent": 2}).source == "memory"
    assert get(cache, store_db, H4, script, "summary", {"recent": 1}).source == "built"
    assert get(cache, store_db, H4, script, "summary", {"recent": 2}, model="other/model").source == "built"
    assert script.calls("Updated summary:") == 3 * 4


def test_disk_reuse_across_instances(store_db, tmp_path):
    script = Scripted()
    first = get(MemoryCache(tmp_path / "mem"), store_db, H4, script)
    clear_memory_cache()  # as in a new process: only the files remain
    again = Scripted()
    second = get(MemoryCache(tmp_path / "mem"), store_db, H4, again)
    assert second.source == "disk" and again.prompts == []
    assert second.system.export_state() == first.system.export_state()
    assert second.usage.total_tokens == first.usage.total_tokens and second.run_usage.total_tokens == 0
    files = sorted((tmp_path / "mem" / "fact_store").glob("*.json"))
    assert len(files) == 4  # a checkpoint after every conversation
    saved = json.loads((tmp_path / "mem" / "fact_store" / f"{first.key}.json").read_text())
    assert saved["conversations"] == 4 and saved["identity"]["system"] == "fact_store"
    assert saved["identity"]["model"] == "mockllm/model"
    # without a directory nothing is written and a new process rebuilds
    clear_memory_cache()
    assert get(MemoryCache(None), store_db, H4, Scripted()).source == "built"


def test_nested_history_resumes_from_its_prefix(store_db, tmp_path):
    script, cache = Scripted(), MemoryCache(tmp_path / "mem")
    small = get(cache, store_db, H2, script)  # c0, c1
    big = get(cache, store_db, H4, script)  # c0, c1, c2, c3: resumes after c1
    assert (small.source, big.source, big.reused_conversations) == ("built", "resumed", 2)
    assert script.calls(EXTRACT_OPENING) == 2 + 2
    fresh = get(MemoryCache(None), store_db, H4, Scripted(), model="fresh/model")
    assert fresh.system.export_state() == big.system.export_state()  # resuming changes nothing
    assert big.usage.total_tokens == fresh.usage.total_tokens  # cumulative cost includes the prefix


def test_a_corrupt_file_is_rebuilt(store_db, tmp_path):
    first = get(MemoryCache(tmp_path / "mem"), store_db, H2, Scripted())
    (tmp_path / "mem" / "fact_store" / f"{first.key}.json").write_text("{not json")
    clear_memory_cache()
    again = get(MemoryCache(tmp_path / "mem"), store_db, H2, Scripted())
    assert again.source == "resumed" and again.reused_conversations == 1  # the c0 checkpoint is still good


def test_keys_chain_over_conversation_content(store_db):
    h2, h4 = load_history(store_db, H2), load_history(store_db, H4)
    ident = identity(make_system("hybrid"), "m")
    assert chain_keys(ident, h4.conversations)[:3] == chain_keys(ident, h2.conversations)
    assert chain_keys(identity(make_system("hybrid", {"k": 3}), "m"), h2.conversations)[0] != chain_keys(ident, h2.conversations)[0]
