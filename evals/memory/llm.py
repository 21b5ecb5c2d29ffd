"""Model calls of memory systems: through Inspect's model API, JSON parsed robustly, retried, never fatal.

Small offline base models (gemma-3-270m) often emit broken JSON, so prompts are plain completions that
end with the opening of the expected object (e.g. `{"facts": [`); the reply is appended to that opening
and parsed leniently (first complete object, else the longest prefix that closes cleanly). A reply that
still does not parse, or fails the caller's validation, is retried (`retries` more times, sampled at
temperature 0.7 with a per-attempt seed so a greedy failure is not simply repeated); after that the call
returns None and the caller records a failed operation. Provider exceptions are caught the same way.

Every call's usage is added up here, so a memory's ingestion cost is known (and, because the calls go
through Inspect, it is also counted in the sample's role usage under the `memory` role).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from inspect_ai.model import GenerateConfig, Model

T = TypeVar("T")

DEFAULT_RETRIES = 2
RETRY_TEMPERATURE = 0.7
_FENCE = re.compile(r"```(?:json)?")


@dataclass
class Usage:
    calls: int = 0
    input_tokens: int = 0  # evaluated prompt tokens
    cache_read_tokens: int = 0  # prompt tokens served from a cache
    output_tokens: int = 0
    parse_failures: int = 0  # replies that did not parse or validate (each retried)
    errors: int = 0  # provider exceptions
    failed_calls: int = 0  # calls that gave up after every retry
    ingest_seconds: float = 0.0  # wall time of the ingests (time until the memory is searchable)
    embedding_calls: int = 0  # embedding requests an external system sent through the model bridge
    embedding_tokens: int = 0  # their tokens, counted by the bridge embedder's named tokenizer (not in total_tokens)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.cache_read_tokens + self.output_tokens

    def as_dict(self) -> dict[str, float]:
        return {**self.__dict__, "total_tokens": self.total_tokens}

    @classmethod
    def from_dict(cls, data: dict[str, float]) -> "Usage":
        return cls(**{k: float(v) if k == "ingest_seconds" else int(v)
                      for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class MemoryLLM:
    """Calls `model` for a memory system; `usage` accumulates over every call."""

    model: Model
    retries: int = DEFAULT_RETRIES
    usage: Usage = field(default_factory=Usage)

    async def complete(self, prompt: str, *, max_tokens: int, attempt: int = 0,
                       stop_seqs: list[str] | None = None) -> str | None:
        """One completion (None on a provider error, which is counted)."""
        config = GenerateConfig(max_tokens=max_tokens, temperature=0.0 if attempt == 0 else RETRY_TEMPERATURE,
                                seed=attempt, stop_seqs=stop_seqs)
        try:
            output = await self.model.generate(prompt, config=config)
        except Exception:  # noqa: BLE001 - a memory call must never end the run
            self.usage.errors += 1
            return None
        self.usage.calls += 1
        if output.usage is not None:
            self.usage.input_tokens += output.usage.input_tokens or 0
            self.usage.cache_read_tokens += output.usage.input_tokens_cache_read or 0
            self.usage.output_tokens += output.usage.output_tokens or 0
        if output.error:
            self.usage.errors += 1
            return None
        return output.completion

    async def json_call(self, prompt: str, opening: str, validate: Callable[[Any], T], *, max_tokens: int = 256,
                        stop_seqs: list[str] | None = None) -> T | None:
        """Complete `prompt` (which ends with `opening`), parse opening + reply as JSON, validate, retry.

        `validate` turns the parsed object into the caller's value or raises ValueError/TypeError/KeyError.
        """
        for attempt in range(self.retries + 1):
            reply = await self.complete(prompt, max_tokens=max_tokens, attempt=attempt, stop_seqs=stop_seqs)
            if reply is None:
                continue
            try:
                return validate(parse_json(_join_opening(opening, reply)))
            except (ValueError, TypeError, KeyError, AttributeError):
                self.usage.parse_failures += 1
        self.usage.failed_calls += 1
        return None

    async def text_call(self, prompt: str, validate: Callable[[str], T], *, max_tokens: int = 256,
                        stop_seqs: list[str] | None = None) -> T | None:
        """Complete `prompt`; `validate` the stripped text (raise ValueError to retry)."""
        for attempt in range(self.retries + 1):
            reply = await self.complete(prompt, max_tokens=max_tokens, attempt=attempt, stop_seqs=stop_seqs)
            if reply is None:
                continue
            try:
                return validate(reply.strip())
            except ValueError:
                self.usage.parse_failures += 1
        self.usage.failed_calls += 1
        return None


def _join_opening(opening: str, reply: str) -> str:
    """The reply may repeat the opening (chat models often do): do not double it."""
    stripped = _FENCE.sub("", reply).strip()
    head = opening.split(":", 1)[0].strip()  # '{"facts"'
    if opening and stripped.replace(" ", "").startswith(head.replace(" ", "")):
        return stripped
    if opening.rstrip().endswith("[") and stripped.startswith("["):  # the model reopened the list
        return opening.rstrip()[:-1] + stripped
    return opening + reply


def parse_json(text: str) -> Any:
    """The first JSON object in `text`, leniently: trailing chatter ignored, an unfinished object closed.

    Raises ValueError when nothing usable is found.
    """
    text = _FENCE.sub("", text)
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object")
    text = text[start:]
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
        return value
    except json.JSONDecodeError:
        pass
    repaired = _close_prefix(text)
    if repaired is None:
        raise ValueError("unparseable JSON")
    return repaired


def _close_prefix(text: str) -> Any:
    """The longest prefix of `text` that parses once its open brackets are closed (None if none does)."""
    cuts = [i + 1 for i, ch in enumerate(text) if ch in '"}]' or ch.isdigit() or ch in "el"]  # ends of values
    for cut in reversed(cuts[-400:]):
        candidate = _balanced(text[:cut])
        if candidate is None:
            continue
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    return None


def _balanced(prefix: str) -> str | None:
    """`prefix` with its open brackets closed, or None when it ends inside a string."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in prefix:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if not stack or stack.pop() != ch:
                return None
    if in_string:
        return None
    body = prefix.rstrip().rstrip(",").rstrip()
    if body.endswith(":"):
        return None
    return body + "".join(reversed(stack))
