"""The model bridge inside real Inspect runs: HTTP calls from another thread are served by the `memory` role
model, counted in the sample's role usage and transcript; embeddings are local and deterministic; the
server binds loopback only, uses one port per run and is gone when the run ends."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import struct
import urllib.error
import urllib.request

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import get_model
from inspect_ai.solver import Generate, TaskState, solver
from support import mock_output

from memcurve.evals.bridge import HashingEmbedder, bridge_session, resolve_embedder_name
from memcurve.errors import ConfigError


def post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


SEEN: dict = {}


@solver
def talks_to_bridge():
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        async with bridge_session(embedder="hashing") as session:
            base = session.base_url
            SEEN.setdefault("ports", set()).add(base.split(":")[2].split("/")[0])
            SEEN["base"] = base
            chat = {"model": "anything", "messages": [{"role": "system", "content": "Extract facts."},
                                                      {"role": "user", "content": state.input_text}],
                    "max_tokens": 20, "temperature": 0}
            status, reply = await asyncio.to_thread(post, f"{base}/chat/completions", chat)
            SEEN.setdefault("chat", []).append((status, reply))
            status, emb = await asyncio.to_thread(
                post, f"{base}/embeddings", {"input": ["my dog Biscuit", "Biscuit my dog"], "encoding_format": "base64"})
            SEEN.setdefault("emb", []).append((status, emb))
            status, bad = await asyncio.to_thread(post, f"{base}/chat/completions", {"messages": "nope"})
            SEEN.setdefault("bad", []).append((status, bad))
            state.store.set("bridge_usage", session.usage.as_dict())
        SEEN["after_close"] = await asyncio.to_thread(post, f"{base}/chat/completions", chat)
        return state

    return solve


def run_eval(samples: int = 2):
    memory = get_model("mockllm/model", custom_outputs=[
        mock_output('{"facts": ["has a dog named Biscuit"]}', input_tokens=40, output_tokens=12)] * samples)
    task = Task(dataset=[Sample(input=f"My dog is called Biscuit ({i}).", id=f"s{i}") for i in range(samples)],
                solver=talks_to_bridge())
    [log] = eval(task, model="mockllm/model", model_roles={"memory": memory}, display="none", log_dir=None,
                 max_samples=1)
    return log


def test_chat_and_embeddings_through_the_bridge_are_in_the_log():
    SEEN.clear()
    log = run_eval(samples=2)
    assert log.status == "success", log.error
    status, reply = SEEN["chat"][0]
    assert status == 200
    assert reply["choices"][0]["message"]["content"] == '{"facts": ["has a dog named Biscuit"]}'
    assert reply["usage"] == {"prompt_tokens": 40, "completion_tokens": 12, "total_tokens": 52}
    for sample in log.samples:
        assert sample.role_usage["memory"].input_tokens == 40
        assert sample.role_usage["memory"].output_tokens == 12
        assert sample.store["bridge_usage"]["chat_calls"] == 1
        assert sample.store["bridge_usage"]["embedding_texts"] == 2
        assert sample.store["bridge_usage"]["embedding_tokens"] == 6  # 3 words each, by the hashing tokenizer
        model_events = [e for e in sample.events if e.event == "model"]
        assert [e.role for e in model_events] == ["memory"]
        assert model_events[0].input[1].text.startswith("My dog is called Biscuit")
        info = [e for e in sample.events if e.event == "info" and isinstance(e.data, dict) and "model bridge" in e.data]
        assert info and info[0].data["model bridge"]["chat_tokens"] == 52
        assert info[0].data["model bridge"]["embedding_tokens"] == 6
        assert info[0].data["model bridge"]["embedding_tokenizer"] == "memcurve-hashing-words"
    assert log.stats.role_usage["memory"].input_tokens == 80
    status, emb = SEEN["emb"][0]
    vectors = [struct.unpack(f"<{384}f", base64.b64decode(d["embedding"])) for d in emb["data"]]
    assert status == 200 and emb["model"] == "hashing" and len(vectors) == 2
    assert emb["usage"] == {"prompt_tokens": 6, "total_tokens": 6}
    expected = HashingEmbedder().embed(["my dog Biscuit"])[0]
    assert vectors[0] == pytest.approx(expected, abs=1e-6)
    assert sum(a * b for a, b in zip(*vectors)) == pytest.approx(1.0, abs=1e-6)  # same words, any order
    assert SEEN["bad"][0][0] == 400 and "messages" in SEEN["bad"][0][1]["error"]["message"]
    assert SEEN["after_close"][0] == 404  # a closed session is refused


def test_one_loopback_port_per_run_and_it_is_closed_after_the_run():
    SEEN.clear()
    run_eval(samples=3)
    assert len(SEEN["ports"]) == 1
    assert SEEN["base"].startswith("http://127.0.0.1:")
    port = int(SEEN["ports"].pop())
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more
    first = SEEN["base"]
    SEEN.clear()
    run_eval(samples=1)
    assert SEEN["base"] != first  # a new run, a new session (and server)


def test_hashing_embedder_is_deterministic_and_separates_topics():
    embedder = HashingEmbedder()
    a, b, c = embedder.embed(["I adopted a beagle named Biscuit", "my beagle Biscuit", "quarterly tax forms"])
    cosine = lambda x, y: sum(p * q for p, q in zip(x, y))  # noqa: E731
    assert cosine(a, b) > 0.4 > cosine(a, c)
    assert embedder.embed(["I adopted a beagle named Biscuit"])[0] == a


def test_unknown_embedder_is_one_line_error():
    with pytest.raises(ConfigError, match="invalid embedder 'bert'; valid: auto, minilm, hashing"):
        resolve_embedder_name("bert")


def test_json_schema_response_format_becomes_inspects_response_schema():
    from memcurve.evals.bridge.translate import to_config

    schema = {"type": "object", "properties": {"facts": {"type": "array", "items": {"type": "string"}}},
              "required": ["facts"]}
    config = to_config({"max_tokens": 64, "response_format": {"type": "json_schema",
                                                              "json_schema": {"name": "Facts", "schema": schema}}})
    assert config.max_tokens == 64
    assert config.response_schema.name == "Facts"
    assert config.response_schema.json_schema.required == ["facts"]
    assert config.response_schema.json_schema.properties["facts"].type == "array"


def test_embedders_count_tokens_with_their_own_tokenizer():
    hashing = HashingEmbedder()
    assert hashing.tokenizer == "memcurve-hashing-words"
    assert hashing.count_tokens(["I adopted a beagle, Biscuit!", "Model-3 (2024)"]) == 5 + 3
    assert hashing.count_tokens([]) == 0


@pytest.mark.skipif(resolve_embedder_name("auto") != "minilm", reason="MiniLM (the dense extra) is not installed")
def test_minilm_counts_wordpiece_ids_with_cls_and_sep():
    from memcurve.evals.bridge import get_embedder

    minilm = get_embedder("minilm")
    assert minilm.tokenizer.startswith("all-MiniLM-L6-v2 WordPiece")
    assert minilm.count_tokens(["hello world"]) == 4  # [CLS] hello world [SEP]
    assert minilm.count_tokens(["word " * 1000]) == 256  # truncated where the encoder stops reading
