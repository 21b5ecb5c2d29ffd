"""The bridge of the current eval run: started on first use, one port per run, shut down with the run.

A run is one event loop (each `inspect eval` / `inspect_ai.eval()` call runs its own). The first
`bridge_session()` of a run starts its server; Inspect's run-end hook closes it, and the server also
closes itself as soon as that event loop is closed (a run that died without the hook). A session is
closed when its `async with` block ends, after it has written what it served into the sample's
transcript (an info event "model bridge"), so the log shows chat tokens under the `memory` role and
the embedding work next to them (tokens counted by the embedder's named tokenizer). A lasting
BridgeLink session writes one such event per library call instead (evals.memory.bridged).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import weakref
from collections.abc import AsyncIterator

from inspect_ai.hooks import Hooks, RunEnd
from inspect_ai.model import Model, get_model

from memcurve.evals.bridge.embedders import get_embedder
from memcurve.evals.late_hooks import register_once
from memcurve.evals.bridge.server import DEFAULT_TIMEOUT, BridgeSession, ModelBridge

_bridges: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ModelBridge]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def run_bridge(timeout: float = DEFAULT_TIMEOUT) -> ModelBridge:
    """The bridge of the running event loop (started now if this run has none)."""
    register_once(BridgeHooks, "memcurve_model_bridge", "Closes memcurve's local model bridge when the run ends.")
    loop = asyncio.get_running_loop()
    with _lock:
        bridge = _bridges.get(loop)
        if bridge is None or bridge.closed:
            bridge = _bridges[loop] = ModelBridge(loop, timeout=timeout)
        return bridge


def close_run_bridge(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Close the bridge of `loop` (default: the running one), if it has one."""
    loop = loop or asyncio.get_running_loop()
    with _lock:
        bridge = _bridges.pop(loop, None)
    if bridge is not None:
        bridge.close()


def memory_model() -> Model:
    """The Inspect model of the `memory` role (the model under test when the role is unbound)."""
    return get_model(role="memory", default=get_model())


@contextlib.asynccontextmanager
async def bridge_session(model: Model | None = None, embedder: str = "auto") -> AsyncIterator[BridgeSession]:
    """A session on this run's bridge for `model` (default: the memory role), closed on exit."""
    bridge = run_bridge()
    session = bridge.open_session(model or memory_model(), get_embedder(embedder))
    try:
        yield session
    finally:
        bridge.close_session(session)
        log_usage(session)


class BridgeLink:
    """A memory library's lasting link to the bridge: one session per run, re-bound to the sample using it.

    Libraries build their OpenAI clients once, so `attach()` returns the same session (same URL) for
    every sample of a run and reports through `changed` when a new run (a new server) gave it a new URL.
    Call it on the run's event loop (inside a solver or a memory system's ingest/context).
    """

    def __init__(self, embedder: str = "auto"):
        self.embedder = embedder
        self.session: BridgeSession | None = None
        self._bridge: ModelBridge | None = None
        self.changed = False

    def attach(self) -> BridgeSession:
        bridge = run_bridge()
        if self.session is None or self._bridge is not bridge or bridge.session(self.session.token) is None:
            self.session, self._bridge, self.changed = bridge.open_session(memory_model(), get_embedder(self.embedder)), bridge, True
        else:
            self.session.rebind(memory_model())
            self.changed = False
        return self.session


def log_usage(session: BridgeSession, served: dict[str, int] | None = None) -> None:
    """An info event "model bridge" in the current sample's transcript: what the session served (or
    `served`, a part of it), chat tokens beside embedding tokens and the tokenizer that counted them."""
    try:
        from inspect_ai.log import transcript

        transcript().info({"model bridge": {"model": str(session.model), "embedder": session.embedder.name,
                                            "embedding_tokenizer": session.embedder.tokenizer,
                                            **(session.usage.as_dict() if served is None else served)}})
    except Exception:  # noqa: BLE001 - outside a sample there is no transcript; the usage is still returned
        pass


class BridgeHooks(Hooks):
    async def on_run_end(self, data: RunEnd) -> None:
        close_run_bridge()
