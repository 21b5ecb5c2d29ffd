"""Retrieval keys (the key/value design of LongMemEval, Wu et al. 2024, section 5): what each value unit is indexed under.

LongMemEval separates the VALUE shown to the reader (a round or a whole session: rag `unit`) from the
KEY it is found by. Keys here:
- `value`: the value's own text (plain BM25, the default; evals.retrieval.index_for);
- `value+facts`: user facts an LLM extracted from the unit's session, prepended to the value ("merge",
  LongMemEval's best key: +9.4% recall in their Table 3). Facts are extracted once per session and
  prepended to every unit of that session.

Fact extraction uses `get_model(role="memory")` (the model under test when the role is unbound) with a
completion-friendly prompt that ends at the first bullet, so a base model just continues the list. A
reply that yields no usable line, or a provider error, leaves that session's key as the plain value
and is counted (`key_failures`); the ranking then falls back to BM25 on the value for that session.

Extracted facts are cached per (session content, model, prompt) in process and on disk as
`<cache_dir>/<sha256>.json` (the benchmark file is not in the key: the same session text shares its
facts across files and sizes). Provider errors are not written to disk.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from inspect_ai.model import GenerateConfig, Model, get_model

from memcurve.evals.history import Conversation, History
from memcurve.evals.memo import HistoryMemo
from memcurve.evals.retrieval.bm25 import BM25Index
from memcurve.evals.registry import Registry
from memcurve.evals.retrieval.units import Unit, split_units
from memcurve.paths import cache_path

KEYS: Registry = Registry("key", unknown="invalid")
KEYS.add("value", None, "the unit's own text")
KEYS.add("value+facts", None, "LLM-extracted user facts merged into the key (role `memory`)")
FORMAT = 1  # bump when the prompt or parsing changes what is cached
DEFAULT_CACHE_DIR = cache_path("fact_keys")
MAX_SESSION_CHARS = 6000  # user turns shown to the extractor (a 270M model has a small window)
MAX_FACTS = 20
MAX_FACT_CHARS = 300
FACT_TOKENS = 160

FACT_PROMPT = """Below are the user's messages from one conversation with an AI assistant.

{turns}

List the facts the user states about themselves (their life, people, pets, work, plans, purchases, \
preferences and dates), one short standalone sentence per line, saying "The user" instead of "I". \
If there are none, write "None".

Facts about the user:
-"""


@dataclass(frozen=True)
class SessionFacts:
    facts: tuple[str, ...]
    status: str  # ok | none (the model found no facts) | unparsed | error


def fact_prompt(conversation: Conversation) -> str:
    turns = "\n".join(f"User: {m.text}" for m in conversation.messages if m.speaker == "user")
    return FACT_PROMPT.format(turns=turns[:MAX_SESSION_CHARS] or "(no user messages)")


def parse_facts(reply: str) -> SessionFacts:
    """The bullet list continued by the model -> facts; "None" -> no facts; nothing usable -> unparsed."""
    facts: list[str] = []
    for line in ("-" + reply).splitlines():
        text = re.sub(r"^\s*(?:[-*\u2022]|\d+[.)])\s*", "", line).strip()
        if not text:
            if facts:
                break  # a blank line ends the list
            continue
        if re.match(r"^(user|assistant|question|facts?)\s*:", text, re.I):
            break  # the model started a new block
        if text.lower().strip(".") in ("none", "n/a", "no facts"):
            return SessionFacts((), "none") if not facts else SessionFacts(tuple(facts), "ok")
        if len(text.split()) >= 2 and text not in facts:
            facts.append(text[:MAX_FACT_CHARS])
        if len(facts) >= MAX_FACTS:
            break
    return SessionFacts(tuple(facts), "ok" if facts else "unparsed")


def cache_key(model_name: str, prompt: str) -> str:
    return hashlib.sha256(json.dumps([FORMAT, model_name, prompt]).encode()).hexdigest()


_memo: dict[str, SessionFacts] = {}
_inflight: dict[tuple[int, str], asyncio.Future] = {}


async def session_facts(conversation: Conversation, model: Model, cache_dir: str | Path | None) -> SessionFacts:
    """The user facts of one session: in-process memo, then disk, then one model call (shared by waiters)."""
    prompt = fact_prompt(conversation)
    key = cache_key(str(model), prompt)
    if key in _memo:
        return _memo[key]
    path = Path(cache_dir) / f"{key}.json" if cache_dir else None
    if path is not None and path.is_file():
        data = json.loads(path.read_text())
        _memo[key] = SessionFacts(tuple(data["facts"]), data["status"])
        return _memo[key]
    flight = (id(asyncio.get_running_loop()), key)
    if flight in _inflight:
        return await asyncio.shield(_inflight[flight])
    future = asyncio.get_running_loop().create_future()
    _inflight[flight] = future
    try:
        result = await _extract(model, prompt)
        if result.status != "error":
            _memo[key] = result
            if path is not None:
                _write_atomic(path, {"facts": list(result.facts), "status": result.status, "model": str(model)})
        future.set_result(result)
        return result
    except BaseException as exc:
        future.set_exception(exc)
        raise
    finally:
        _inflight.pop(flight, None)


async def _extract(model: Model, prompt: str) -> SessionFacts:
    try:
        output = await model.generate(prompt, config=GenerateConfig(temperature=0.0, max_tokens=FACT_TOKENS,
                                                                    stop_seqs=["\n\n\n", "\nUser:"]))
    except Exception:  # noqa: BLE001 - a failed extraction falls back to the plain key
        return SessionFacts((), "error")
    if output.error:
        return SessionFacts((), "error")
    return parse_facts(output.completion)


def _write_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".facts-", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)


def merge_key(facts: tuple[str, ...], unit: Unit) -> Unit:
    """LongMemEval's "merge": the facts prepended to the value's text (message ids unchanged)."""
    return Unit(unit.message_ids, "\n".join([*facts, unit.text])) if facts else unit


_indexes: HistoryMemo[tuple[BM25Index, dict]] = HistoryMemo()


async def keyed_index(history: History, unit: str, key: str, *, cache_dir: str | Path | None = DEFAULT_CACHE_DIR,
                      model: Model | None = None) -> tuple[BM25Index, dict]:
    """A BM25 index of `history`'s units under `key`, and what building it took (recorded by rag)."""
    if key not in KEYS:
        raise ValueError(f"unknown key {key!r}; valid: {', '.join(KEYS)}")
    model = model or get_model(role="memory")
    memo_key = (unit, key, str(model))
    built = _indexes.peek(history, memo_key)
    if built is not None:
        return built
    units = split_units(history, unit)
    facts_by_conversation: dict[str, SessionFacts] = {}
    if key == "value+facts":
        results = await asyncio.gather(*(session_facts(c, model, cache_dir) for c in history.conversations))
        facts_by_conversation = {c.conversation_id: r for c, r in zip(history.conversations, results)}
        units = [merge_key(facts_by_conversation[history.message_index[u.message_ids[0]].conversation_id].facts, u)
                 for u in units]
    statuses = [r.status for r in facts_by_conversation.values()]
    info = {"key": key, "key_model": str(model) if key != "value" else None,
            "key_facts": sum(len(r.facts) for r in facts_by_conversation.values()),
            "key_failures": sum(s in ("unparsed", "error") for s in statuses)}
    return _indexes.put(history, memo_key, (BM25Index(units), info))
