"""Memory cache files are trusted only when their shape, key, identity and checksum hold: `[]`,
"garbage", a wrong-shape state or a hand-edited summary is ignored, rebuilt and reported once."""

import asyncio
import json
import logging

import pytest
from inspect_ai.model import get_model
from memory_support import H2, Scripted, build_memory_store

from memcurve.evals.history import load_history
from memcurve.evals.memory import make_system
from memcurve.evals.memory.cache import MemoryCache, checksum, clear_memory_cache
from memcurve.evals.memory.llm import MemoryLLM


@pytest.fixture
def store_db(tmp_path):
    clear_memory_cache()
    yield build_memory_store(tmp_path / "memory.duckdb")
    clear_memory_cache()


def get(cache, db, system="summary"):
    history = load_history(db, H2)
    llm = MemoryLLM(get_model("mockllm/model", custom_outputs=Scripted()))
    return asyncio.run(cache.get(history, lambda: make_system(system), llm, "mockllm/model"))


def _tamper(path, change):
    saved = json.loads(path.read_text())
    change(saved)
    path.write_text(json.dumps(saved))


CORRUPTIONS = {
    "empty list": lambda path: path.write_text("[]"),
    "a string": lambda path: path.write_text('"garbage"'),
    "state of the wrong shape": lambda path: _tamper(path, lambda s: s.update(state=[1, 2])),
    "tampered summary, key kept": lambda path: _tamper(path, lambda s: s["state"].update(summary="The user owns 9 cats.")),
    "no checksum (older file)": lambda path: _tamper(path, lambda s: s.pop("checksum")),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_untrusted_file_is_rebuilt_and_reported_once(store_db, tmp_path, caplog, corruption):
    first = get(MemoryCache(tmp_path / "mem"), store_db)
    files = sorted((tmp_path / "mem" / "summary").glob("*.json"))
    assert len(files) == 2
    for path in files:
        CORRUPTIONS[corruption](path)
    for _ in range(2):  # two runs: the rebuild is said once per file, and the rebuilt files are good again
        clear_memory_cache()
        with caplog.at_level(logging.WARNING):
            again = get(MemoryCache(tmp_path / "mem"), store_db)
        assert again.system.export_state() == first.system.export_state()
    assert again.source == "disk"
    warnings = [r.getMessage() for r in caplog.records if "memory cache file" in r.getMessage()]
    assert len(warnings) == 2 and all("rebuilding" in w for w in warnings)
    for path in files:
        saved = json.loads(path.read_text())
        assert saved["checksum"] == checksum(saved)


def test_a_state_the_system_refuses_is_rebuilt(store_db, tmp_path, caplog):
    """Right shape and a valid checksum, but the system cannot load it (an older state format)."""
    first = get(MemoryCache(tmp_path / "mem"), store_db)
    for path in (tmp_path / "mem" / "summary").glob("*.json"):
        saved = json.loads(path.read_text())
        saved["state"] = {"unexpected": True}
        saved["checksum"] = checksum(saved)
        path.write_text(json.dumps(saved))
    clear_memory_cache()
    with caplog.at_level(logging.WARNING):
        again = get(MemoryCache(tmp_path / "mem"), store_db)
    assert again.source == "built" and again.system.export_state() == first.system.export_state()
    assert any("state not accepted" in r.getMessage() for r in caplog.records)
