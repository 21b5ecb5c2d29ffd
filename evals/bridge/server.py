"""The bridge server: an OpenAI-compatible HTTP endpoint on 127.0.0.1 that forwards to an Inspect model.

One server per eval run (one port), many sessions: a session is opened inside a sample (it captures that
sample's context variables and the run's event loop) and gets its own base URL
`http://127.0.0.1:<port>/s/<token>/v1`. A chat request on that URL is run as
`model.generate(...)` ON THE RUN'S EVENT LOOP, IN THE SESSION'S CONTEXT, so Inspect counts its tokens
in that sample's model and role usage and logs a model event in its transcript, exactly as if the
memory system had called Inspect itself. Embeddings come from a local embedder (embedders.py).

Routes (all under the session prefix): POST /chat/completions (stream true is answered as one
server-sent chunk plus the finish), POST /embeddings (float or base64), GET /models.
The server binds 127.0.0.1 only and refuses any peer that is not loopback; a request for a closed or
unknown session gets 404. Callers must not block the run's event loop while the memory system talks
to the bridge (run synchronous libraries with asyncio.to_thread): a request waits for the loop, and
gives up after `timeout` seconds with a 504 rather than hanging the run.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import json
import secrets
import struct
import threading
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from inspect_ai.model import Model

from memcurve.evals.bridge.embedders import Embedder
from memcurve.evals.bridge.translate import (
    BadRequest,
    completion_json,
    stream_chunks,
    to_config,
    to_messages,
    to_tool_choice,
    to_tools,
)

HOST = "127.0.0.1"
MAX_BODY_BYTES = 16 * 1024 * 1024
DEFAULT_TIMEOUT = 900.0  # seconds one chat request may wait for the model (the offline model is slow)
WATCH_INTERVAL = 0.25  # seconds between checks that the run's event loop is still open
LOOPBACK = ("127.0.0.1", "::1", "::ffff:127.0.0.1")


@dataclass
class BridgeUsage:
    """What one session served (chat tokens are also in the Inspect log; embeddings only here)."""

    chat_calls: int = 0
    input_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0
    embedding_calls: int = 0
    embedding_texts: int = 0
    embedding_tokens: int = 0  # counted by the embedder's own tokenizer (Embedder.tokenizer names it)
    errors: int = 0

    @property
    def chat_tokens(self) -> int:
        return self.input_tokens + self.cache_read_tokens + self.output_tokens

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "chat_tokens": self.chat_tokens}


class BridgeSession:
    """One memory system's view of the bridge: a base URL bound to a model, an embedder and a sample context."""

    def __init__(self, server: "ModelBridge", model: Model, embedder: Embedder, loop: asyncio.AbstractEventLoop):
        self.token = secrets.token_hex(12)
        self.model, self.embedder, self.loop = model, embedder, loop
        self.context = contextvars.copy_context()  # the sample's: usage and transcript land there
        self.usage = BridgeUsage()
        self.base_url = f"http://{HOST}:{server.port}/s/{self.token}/v1"
        self.api_key = self.token  # clients insist on a key; the URL already names the session
        self._lock = threading.Lock()

    def rebind(self, model: Model) -> None:
        """Serve the CURRENT sample from now on (its context and memory model): a memory built by one
        sample and queried or extended by another books each call to the sample that made it."""
        self.model, self.context = model, contextvars.copy_context()

    async def _generate(self, body: dict[str, Any]):
        return await self.model.generate(to_messages(body.get("messages")), tools=to_tools(body.get("tools")),
                                         tool_choice=to_tool_choice(body.get("tool_choice")),
                                         config=to_config(body))

    def chat(self, body: dict[str, Any], timeout: float) -> dict[str, Any]:
        to_messages(body.get("messages")), to_tools(body.get("tools")), to_config(body)  # 400 before the loop
        coroutine = self._generate(body)
        future = self.context.copy().run(asyncio.run_coroutine_threadsafe, coroutine, self.loop)
        try:
            output = future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise
        with self._lock:
            self.usage.chat_calls += 1
            if output.usage is not None:
                self.usage.input_tokens += (output.usage.input_tokens or 0) + (output.usage.input_tokens_cache_write or 0)
                self.usage.cache_read_tokens += output.usage.input_tokens_cache_read or 0
                self.usage.output_tokens += output.usage.output_tokens or 0
        return completion_json(output, str(self.model), f"chatcmpl-{secrets.token_hex(8)}")

    def embed(self, body: dict[str, Any]) -> dict[str, Any]:
        raw = body.get("input")
        texts = [raw] if isinstance(raw, str) else raw
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise BadRequest("input: expected a string or a list of strings (token arrays are not supported)")
        encoding = body.get("encoding_format") or "float"
        if encoding not in ("float", "base64"):
            raise BadRequest(f"encoding_format: unsupported value {encoding!r}")
        vectors = self.embedder.embed(texts) if texts else []
        tokens = self.embedder.count_tokens(texts)
        with self._lock:
            self.usage.embedding_calls += 1
            self.usage.embedding_texts += len(texts)
            self.usage.embedding_tokens += tokens
        data = [{"object": "embedding", "index": i,
                 "embedding": vector if encoding == "float" else
                 base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()}
                for i, vector in enumerate(vectors)]
        return {"object": "list", "data": data, "model": self.embedder.name,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


class ModelBridge:
    """The HTTP server of one run. `open_session` must be called on the run's event loop, inside a sample."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float = DEFAULT_TIMEOUT):
        self.loop, self.timeout = loop, float(timeout)
        self.sessions: dict[str, BridgeSession] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.httpd = ThreadingHTTPServer((HOST, 0), _handler(self))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._serve = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                       name=f"memcurve-bridge-{self.port}", daemon=True)
        self._watch = threading.Thread(target=self._watch_loop, name=f"memcurve-bridge-watch-{self.port}",
                                       daemon=True)
        self._serve.start()
        self._watch.start()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def open_session(self, model: Model, embedder: Embedder) -> BridgeSession:
        if self.closed:
            raise RuntimeError("the model bridge of this run is closed")
        session = BridgeSession(self, model, embedder, self.loop)
        with self._lock:
            self.sessions[session.token] = session
        return session

    def close_session(self, session: BridgeSession) -> None:
        with self._lock:
            self.sessions.pop(session.token, None)

    def session(self, token: str) -> BridgeSession | None:
        with self._lock:
            return self.sessions.get(token)

    def close(self) -> None:
        """Stop serving and free the port (idempotent; safe from any thread)."""
        if self._closed.is_set():
            return
        self._closed.set()
        with self._lock:
            self.sessions.clear()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _watch_loop(self) -> None:
        """Shut down when the run's event loop closes, even if nobody called close()."""
        while not self._closed.wait(WATCH_INTERVAL):
            if self.loop.is_closed():
                threading.Thread(target=self.close, daemon=True).start()
                return


def _handler(bridge: ModelBridge) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "memcurve-bridge"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: eval output stays clean
            return

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
            self._reply(status, {"error": {"message": message, "type": kind, "code": status}})

        def _route(self) -> tuple[BridgeSession | None, str]:
            parts = self.path.split("?", 1)[0].strip("/").split("/")
            if len(parts) < 4 or parts[0] != "s" or parts[2] != "v1":
                return None, ""
            return bridge.session(parts[1]), "/".join(parts[3:])

        def _allowed(self) -> bool:
            if self.client_address[0] not in LOOPBACK:
                self._error(403, "the model bridge serves loopback clients only", "permission_error")
                return False
            return True

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            if not self._allowed():
                return
            session, route = self._route()
            if session is None or route != "models":
                self._error(404, f"no such session or route: {self.path}", "not_found_error")
                return
            self._reply(200, {"object": "list", "data": [
                {"id": str(session.model), "object": "model", "owned_by": "inspect"},
                {"id": session.embedder.name, "object": "model", "owned_by": "memcurve"}]})

        def do_POST(self) -> None:  # noqa: N802
            if not self._allowed():
                return
            session, route = self._route()
            if session is None or route not in ("chat/completions", "embeddings"):
                self._error(404, f"no such session or route: {self.path}", "not_found_error")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._error(413, f"request body of {length} bytes exceeds {MAX_BODY_BYTES}")
                return
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                if not isinstance(body, dict):
                    raise BadRequest("request body: expected a JSON object")
                if route == "embeddings":
                    self._reply(200, session.embed(body))
                    return
                completion = session.chat(body, bridge.timeout)
            except (BadRequest, json.JSONDecodeError) as err:
                session.usage.errors += 1
                self._error(400, str(err).splitlines()[0] if str(err) else "bad request")
                return
            except TimeoutError:
                session.usage.errors += 1
                self._error(504, f"the model did not answer within {bridge.timeout:.0f}s", "timeout")
                return
            except Exception as err:  # noqa: BLE001 - a provider error becomes an API error, not a dead thread
                session.usage.errors += 1
                self._error(500, f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}", "api_error")
                return
            if body.get("stream"):
                self._stream(completion)
            else:
                self._reply(200, completion)

        def _stream(self, completion: dict[str, Any]) -> None:
            events = b"".join(f"data: {json.dumps(chunk)}\n\n".encode() for chunk in stream_chunks(completion))
            events += b"data: [DONE]\n\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(events)))
            self.end_headers()
            self.wfile.write(events)

    return Handler
