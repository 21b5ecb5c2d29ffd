"""Running an external memory library through the model bridge, with its cost in memcurve's accounting.

`bridged_call` runs one synchronous library call in a worker thread (the run's event loop must stay
free: the bridge serves chat requests on it) while the library talks to the bridge; `bridged_await`
awaits an asynchronous library's coroutine on the loop itself (its HTTP client yields while it waits).
Both add what the bridge served during the call to the memory build's Usage (evals.memory.llm), so
ingestion tokens of an external system are counted exactly like a built-in system's: in `ingest_tokens`
and, because the chat calls went through Inspect, in the sample's `memory` role usage.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from memcurve.evals.bridge import BridgeSession, log_usage
from memcurve.evals.memory.llm import Usage

T = TypeVar("T")


def add_served(usage: Usage | None, session: BridgeSession, before: dict[str, int]) -> None:
    """Add the bridge usage since `before` (a session.usage.as_dict()) to `usage`, and log it in the
    sample's transcript (an info event "model bridge", embedding tokens beside chat tokens)."""
    now = session.usage.as_dict()
    served = {key: now[key] - before[key] for key in now}
    log_usage(session, served)
    if usage is None:
        return
    usage.calls += served["chat_calls"]
    usage.input_tokens += served["input_tokens"]
    usage.cache_read_tokens += served["cache_read_tokens"]
    usage.output_tokens += served["output_tokens"]
    usage.errors += served["errors"]
    usage.embedding_calls += served["embedding_calls"]
    usage.embedding_tokens += served["embedding_tokens"]


async def bridged_call(session: BridgeSession, usage: Usage | None, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """fn(*args, **kwargs) in a thread; the bridge usage it caused is added to `usage` (also on failure)."""
    return await bridged_await(session, usage, asyncio.to_thread(fn, *args, **kwargs))


async def bridged_await(session: BridgeSession, usage: Usage | None, awaitable: Awaitable[T]) -> T:
    """await `awaitable`; the bridge usage it caused is added to `usage` (also on failure)."""
    before = session.usage.as_dict()
    try:
        return await awaitable
    finally:
        add_served(usage, session, before)
