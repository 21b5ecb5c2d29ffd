"""mem0 adapter: the protocol wiring with an in-memory stand-in for mem0's Memory (always), and mem0's own
class when the package is installed (skipped otherwise: memcurve does not install it)."""

import asyncio

import pytest
from memory_support import H2, build_memory_store

from memcurve.evals.history import load_history
from memcurve.evals.memory import make_system
from memcurve.evals.memory.mem0_adapter import Mem0Memory, available
from memcurve.errors import ConfigError


class RecordingMemory:
    """Implements the three mem0 Memory calls the adapter uses (add, search, get_all), in memory."""

    def __init__(self):
        self.added, self.rows = [], []

    def add(self, messages, user_id, metadata, infer):
        self.added.append((messages, user_id, metadata, infer))
        text = messages[0]["content"]
        if "explode" in text:
            raise RuntimeError("LLM failure")
        self.rows.append({"id": str(len(self.rows)), "memory": text, "metadata": metadata})
        return {"results": [{"id": self.rows[-1]["id"], "memory": text, "event": "ADD"}]}

    def search(self, query, top_k, filters):
        assert filters == {"user_id": "memcurve-user"}
        return {"results": [r for r in self.rows if "manager" in r["memory"]][:top_k]}

    def get_all(self, filters, top_k):
        return {"results": list(self.rows)}


def test_adapter_feeds_conversations_and_renders_search_hits(tmp_path):
    db = build_memory_store(tmp_path / "m.duckdb")
    history = load_history(db, H2)
    fake = RecordingMemory()
    adapter = Mem0Memory(k=5, memory=fake)

    async def run():
        for conversation in history.conversations:
            await adapter.ingest(conversation, llm=None)

    asyncio.run(run())
    messages, user, metadata, infer = fake.added[0]
    assert messages[0] == {"role": "user", "content": "Help me write a note to my boss. My manager is Oluwaseun."}
    assert user == "memcurve-user" and infer is True
    assert metadata == {"conversation_id": "p001-c0000", "timestamp": "2024-02-05T10:00"}
    assert adapter.ops["ADD"] == 2
    context = adapter.context("Who is my manager?", history, None)
    assert context.rendered.text.splitlines()[1] == "- (2024-02-05) Help me write a note to my boss. My manager is Oluwaseun."
    assert [i.text for i in adapter.items()][1].startswith("Oluwaseun left")
    with pytest.raises(ConfigError, match="memory_cache=off"):
        adapter.load_state({})


def test_mem0_failures_are_recorded():
    from datetime import datetime

    from memcurve.evals.history import Conversation, Message

    adapter = Mem0Memory(memory=RecordingMemory())
    msg = Message("x-m00", "x", 0, "user", "please explode", datetime(2024, 1, 1), 2)
    asyncio.run(adapter.ingest(Conversation("x", datetime(2024, 1, 1), (msg,)), llm=None))
    assert adapter.ops["failed"] == 1


@pytest.mark.skipif(available(), reason="mem0 is installed")
def test_without_mem0_the_system_says_how_to_get_it():
    with pytest.raises(ConfigError, match=r"needs the mem0 extra: pip install -e '.\[mem0\]'"):
        make_system("mem0")


@pytest.mark.skipif(not available(), reason="mem0 (PyPI mem0ai) is not installed")
def test_real_mem0_class_is_constructed():
    system = make_system("mem0", {"infer": False})
    assert system.name == "mem0" and system.config()["infer"] is False
