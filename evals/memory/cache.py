"""Build a history's memory once and reuse it: in process (one ingest per key, even for concurrent
samples) and on disk across runs.

Key. A memory state depends on the system, its config (prompts included), the memory model and the
exact conversations ingested, in order. So the key of the state after conversation i is a chain hash:
    k_0 = sha256(format, system name, config, model name)
    k_i = sha256(k_{i-1}, digest(conversation i))   digest = ids, times, speakers and texts of its messages
The benchmark file itself is not in the key: two files (or two histories) with the same conversations
share their memory, and a regenerated file with other text misses.

Nested histories. Because keys chain, the state after every conversation is a checkpoint: a history
whose first j conversations equal another history's first j (same order) resumes from that checkpoint
and ingests only the rest. Generated chains insert conversations rather than append them, so the reuse
is the longest common prefix (often the first filler conversation or more), never a reordering.

Concurrency. Builds of histories that begin with the same conversation run one after another (one
asyncio lock per first-conversation key, per event loop), so concurrent questions never ingest twice and a
nested history waits for, then resumes from, its smaller sibling; histories with different first
conversations build in parallel.

Disk. `<dir>/<system>/<key>.json` holds the exported state, the cumulative usage that built it and
the identity (for reading); files are written atomically. A build during which the provider raised
errors is kept in process but not written, so a transient outage is not cached for later runs.

Trust. A file is used only if it has the expected shape, its key and identity are the ones asked for,
and the sha256 of its content matches the checksum stored with it; the system must also accept the
state. Anything else (`[]`, "garbage", a hand-edited summary, a file of an older memcurve without a
checksum) is ignored and rebuilt, and said once per file and process.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import tempfile
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memcurve.evals.history import Conversation, History
from memcurve.evals.memory.llm import MemoryLLM, Usage
from memcurve.evals.memory.protocol import MemorySystem

FORMAT = 1  # bump when a stored state changes meaning
log = logging.getLogger(__name__)
_SAVED_FIELDS = {"key": str, "identity": dict, "conversations": int, "usage": dict, "state": dict}
MAX_STATES = 4096  # in-process checkpoints kept (oldest evicted)


@dataclass
class BuiltMemory:
    """A memory ready for questions, with what it cost and where it came from."""

    system: MemorySystem
    key: str
    conversations: int
    usage: Usage  # cumulative over every conversation ingested (including reused checkpoints)
    source: str  # built | resumed | disk | memory
    reused_conversations: int = 0
    run_usage: Usage = field(default_factory=Usage)  # what this process spent on it


def conversation_digest(conversation: Conversation) -> str:
    parts = [conversation.conversation_id, conversation.started_at.isoformat(),
             [(m.message_id, m.speaker, m.text, m.sent_at.isoformat()) for m in conversation.messages]]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def identity(system: MemorySystem, model_name: str) -> dict[str, Any]:
    return {"format": FORMAT, "system": system.name, "config": system.config(), "model": model_name}


def chain_keys(ident: dict[str, Any], conversations: tuple[Conversation, ...]) -> list[str]:
    """Key after 0, 1, ..., n conversations."""
    keys = [hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()]
    for conversation in conversations:
        keys.append(hashlib.sha256(f"{keys[-1]}:{conversation_digest(conversation)}".encode()).hexdigest())
    return keys


_built: dict[str, BuiltMemory] = {}
_states: "OrderedDict[str, dict[str, Any]]" = OrderedDict()
_locks: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]]" = weakref.WeakKeyDictionary()


def built_memory(key: str) -> BuiltMemory | None:
    """The memory built in this process under `key` (SolverRecord.memory_key), for the memory_operations scorer."""
    return _built.get(key)


def clear_memory_cache() -> None:
    """Forget in-process memories and checkpoints (disk files stay)."""
    _built.clear()
    _states.clear()


def _lock(key: str) -> asyncio.Lock:
    per_loop = _locks.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault(key, asyncio.Lock())


class MemoryCache:
    """Get-or-build memories; `directory` None keeps them in process only."""

    def __init__(self, directory: str | Path | None):
        self.directory = Path(directory) if directory else None

    async def get(self, history: History, make_system: Callable[[], MemorySystem], llm: MemoryLLM,
                  model_name: str) -> BuiltMemory:
        system = make_system()
        ident = identity(system, model_name)
        keys = chain_keys(ident, history.conversations)
        final = keys[-1]
        if final in _built:
            return _reused(_built[final])
        # one build at a time per first conversation: a nested history then resumes from the checkpoints
        # of a smaller one (or is served by a larger one's) instead of ingesting the shared prefix twice
        async with _lock(keys[1] if len(keys) > 1 else final):
            if final in _built:
                return _reused(_built[final])
            built = await self._build(system, ident, keys, history, llm, make_system)
            _built[final] = built
            return built

    async def _build(self, system, ident, keys, history, llm: MemoryLLM, make_system) -> BuiltMemory:
        n = len(history.conversations)
        start, saved = 0, None
        restorable = getattr(system, "restorable", True)  # external stores cannot be rebuilt from JSON
        for i in range(n if restorable else 0, 0, -1):
            saved = self._load(system.name, keys[i], ident, i)
            if saved is not None:
                try:
                    system.load_state(saved["state"])
                    usage = Usage.from_dict(saved["usage"])
                except Exception as exc:  # noqa: BLE001 (a state the system cannot take: rebuild)
                    self._damaged(system.name, keys[i], f"state not accepted ({type(exc).__name__})")
                    _states.pop(keys[i], None)
                    system, saved = make_system(), None
                    continue
                llm.usage = usage
                start = i
                break
        before = Usage.from_dict(llm.usage.as_dict())
        for i in range(start, n):
            started = time.perf_counter()
            await system.ingest(history.conversations[i], llm)
            llm.usage.ingest_seconds += time.perf_counter() - started
            clean = llm.usage.errors == before.errors
            if restorable:
                self._save(system, ident, keys[i + 1], i + 1, llm.usage, to_disk=clean)
        run_usage = Usage.from_dict({k: v - getattr(before, k) for k, v in llm.usage.__dict__.items()})
        source = "built" if start == 0 else "disk" if start == n else "resumed"
        return BuiltMemory(system, keys[-1], n, llm.usage, source, start, run_usage)

    def _path(self, name: str, key: str) -> Path | None:
        return None if self.directory is None else self.directory / name / f"{key}.json"

    def _load(self, name: str, key: str, ident: dict[str, Any], conversations: int) -> dict[str, Any] | None:
        if key in _states:
            _states.move_to_end(key)
            return _states[key]
        path = self._path(name, key)
        if path is None or not path.is_file():
            return None
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self._damaged(name, key, f"unreadable ({type(exc).__name__})")
            return None
        problem = _problem(saved, key, ident, conversations)
        if problem:
            self._damaged(name, key, problem)
            return None
        _remember(key, saved)
        return saved

    def _damaged(self, name: str, key: str, problem: str) -> None:
        path = str(self._path(name, key))
        if path not in _reported:
            _reported.add(path)
            log.warning("memcurve: memory cache file %s ignored (%s); rebuilding that memory", path, problem)

    def _save(self, system, ident, key: str, conversations: int, usage: Usage, *, to_disk: bool) -> None:
        saved = {"key": key, "identity": ident, "conversations": conversations, "usage": usage.as_dict(),
                 "state": json.loads(json.dumps(system.export_state()))}
        saved["checksum"] = checksum(saved)
        _remember(key, saved)
        path = self._path(system.name, key)
        if path is None or not to_disk:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(saved, out, ensure_ascii=False, indent=1)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


_reported: set[str] = set()


def checksum(saved: dict[str, Any]) -> str:
    """sha256 over a saved memory's fields (everything but the checksum itself), canonical JSON."""
    content = {k: saved.get(k) for k in _SAVED_FIELDS}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _problem(saved: Any, key: str, ident: dict[str, Any], conversations: int) -> str | None:
    """Why a loaded file cannot be trusted, or None."""
    if not isinstance(saved, dict):
        return f"expected an object, found {type(saved).__name__}"
    for name, kind in _SAVED_FIELDS.items():
        if not isinstance(saved.get(name), kind) or isinstance(saved.get(name), bool):
            return f"field {name!r} missing or not {kind.__name__}"
    if saved["key"] != key or saved["conversations"] != conversations:
        return "key or conversation count differs from its name"
    if json.dumps(saved["identity"], sort_keys=True) != json.dumps(ident, sort_keys=True):
        return "identity (system, config, model) differs"
    if saved.get("checksum") != checksum(saved):
        return "checksum mismatch" if "checksum" in saved else "no checksum"
    return None


def _remember(key: str, saved: dict[str, Any]) -> None:
    _states[key] = saved
    _states.move_to_end(key)
    while len(_states) > MAX_STATES:
        _states.popitem(last=False)


def _reused(built: BuiltMemory) -> BuiltMemory:
    """The same memory seen by another question: nothing spent this time."""
    return BuiltMemory(built.system, built.key, built.conversations, built.usage, "memory",
                       built.conversations, Usage())
