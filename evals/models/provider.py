"""Inspect model provider `gguf`: a GGUF model run in-process by llama-cpp-python (no key, no network).

    inspect eval tasks/convomem.py --model gguf/gemma-3-270m          # the bundled default (see .env)
    inspect eval ... --model gguf/path/to/any-model.gguf -M n_ctx=8192 -M n_threads=2

Model args (`-M k=v`, or `model_args=` in Python):
    n_ctx         context window in tokens (default 16384; the model's training window caps what is useful)
    n_threads     CPU threads (default: all cores, os.cpu_count())
    n_batch       prompt tokens per llama.cpp batch (default 512)
    prefix_cache  true (default): reuse the KV cache for a prompt prefix shared with an earlier call;
                  false: evaluate every prompt from scratch (the baseline the benchmark compares against)
    slots         llama contexts kept per model (default 2), so an interleaved judge prompt does not evict
                  the history being questioned
    flash_attn    llama.cpp flash attention (default false)
    swa_full      full-size sliding-window cache (default false; Gemma 3 uses sliding-window attention)

Prompt rendering (Gemma 3 270M is a base model without a chat template, so chat messages become one
plain completion prompt; other GGUF files get the same rendering):
    - every system message's text, as its own block;
    - then, if the conversation is a single user message, its text verbatim (memcurve's solvers put the
      history first and the question last, ending with a cue such as "Answer:", so prompts over one
      history share a text prefix and therefore a token prefix);
    - otherwise one line per turn, "User: <text>", "Assistant: <text>" (tool results as "Tool: <text>"),
      followed by a final "Assistant:" when the last turn is not the assistant's (the model answers);
      a last assistant turn is continued as a prefill;
    - blocks are joined by a blank line ("\\n\\n"), and the tokenizer adds the BOS token.

Generation: greedy (temperature 0) unless GenerateConfig.temperature is set; max_tokens defaults to 64;
seed, top_p, top_k and frequency/presence penalties pass through. Unless GenerateConfig.stop_seqs is given
(an empty list turns them off), the answer stops at a blank line, "\\nUser:", "\\nQuestion:" or "\\nAnswer:"
found after its first non-blank character, because a base model otherwise goes on to invent more turns.
The completion is stripped of surrounding whitespace.

Usage is counted with the model's own tokenizer: input_tokens are the prompt tokens evaluated in this
call, input_tokens_cache_read the prompt tokens reused from the KV cache (Inspect's convention, so
input_tokens + input_tokens_cache_read is the whole prompt). A prompt that does not fit the context
window returns stop_reason "model_length" (as Anthropic does), and generation that runs into the end of
the window stops with "model_length" too. With GenerateConfig.logprobs every generated token carries its
log probability (and top_logprobs alternatives). ModelOutput.metadata records prompt_tokens,
prompt_tokens_reused, prompt_tokens_evaluated, prompt_eval_seconds, generation_seconds, slot and n_ctx.
"""

from __future__ import annotations

import os
from functools import partial
from typing import Any

import anyio
from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    Logprob,
    Logprobs,
    ModelAPI,
    ModelCall,
    ModelOutput,
    ModelUsage,
    TopLogprob,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from memcurve.errors import ConfigError
from memcurve.evals.parsers import parse_bool
from memcurve.evals.models.llama_backend import (
    DEFAULT_N_CTX,
    Completion,
    Engine,
    LoadOptions,
    OfflineModelError,
    Sampling,
    get_engine,
    require_llama_cpp,
    resolve_model_path,
)

DEFAULT_MAX_TOKENS = 64
DEFAULT_STOP = ("\n\n", "\nUser:", "\nQuestion:", "\nAnswer:")
ROLE_LABELS = {"user": "User", "assistant": "Assistant", "tool": "Tool"}
MODEL_ARGS = ("n_ctx", "n_threads", "n_batch", "prefix_cache", "slots", "flash_attn", "swa_full")


def render_prompt(messages: list[ChatMessage]) -> str:
    """Chat messages -> one plain completion prompt (the rules are in the module docstring)."""
    blocks = [m.text for m in messages if m.role == "system" and m.text.strip()]
    turns = [m for m in messages if m.role != "system"]
    if len(turns) == 1 and turns[0].role == "user":
        blocks.append(turns[0].text)
    elif turns:
        lines = [f"{ROLE_LABELS[m.role]}: {m.text}" for m in turns]
        if turns[-1].role != "assistant":
            lines.append("Assistant:")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


class GGUFModelAPI(ModelAPI):
    """Inspect ModelAPI over a process-wide `llama_backend.Engine`."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        **model_args: Any,
    ) -> None:
        super().__init__(model_name=model_name, base_url=base_url, api_key=api_key, config=config)
        unknown = sorted(set(model_args) - set(MODEL_ARGS))
        if unknown:
            raise OfflineModelError(
                f"unknown gguf model arg(s) {', '.join(unknown)}; valid: {', '.join(MODEL_ARGS)}"
            )
        self.prefix_cache = _as_bool("prefix_cache", model_args.get("prefix_cache", True))
        options = LoadOptions(
            path=str(resolve_model_path(model_name)),
            n_ctx=_as_int("n_ctx", model_args.get("n_ctx", DEFAULT_N_CTX), minimum=16),
            n_threads=_as_int("n_threads", model_args.get("n_threads", os.cpu_count() or 1), minimum=1),
            n_batch=_as_int("n_batch", model_args.get("n_batch", 512), minimum=1),
            flash_attn=_as_bool("flash_attn", model_args.get("flash_attn", False)),
            swa_full=_as_bool("swa_full", model_args.get("swa_full", False)),
            slots=_as_int("slots", model_args.get("slots", 2), minimum=1),
        )
        self.engine: Engine = get_engine(options)
        # One connection: samples queue on the model in dataset order, so the questions of one history run
        # back to back and hit the prefix cache. (An explicit --max-connections still wins.)
        if config.max_connections is None:
            config.max_connections = 1

    @property
    def n_ctx(self) -> int:
        """The loaded model's context window in tokens."""
        return self.engine.n_ctx

    def max_tokens(self) -> int | None:
        return DEFAULT_MAX_TOKENS

    def max_connections(self) -> int:
        return 1

    def connection_key(self) -> str:
        return f"{self.engine.options.path}:{self.engine.options.n_ctx}"

    async def count_text_tokens(self, text: str) -> int:
        return len(self.engine.tokenize(text, add_bos=False))

    async def count_tokens(self, input: str | list[ChatMessage], config: GenerateConfig | None = None) -> int:
        """Exact prompt length: the rendered prompt (with BOS) for chat input, the bare text for a str."""
        if isinstance(input, str):
            return await self.count_text_tokens(input)
        return len(self.engine.tokenize(render_prompt(input), add_bos=True))

    async def tokenize(self, text: str) -> list[int]:
        return self.engine.tokenize(text, add_bos=False)

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> tuple[ModelOutput, ModelCall]:
        sampling = Sampling(
            max_tokens=config.max_tokens if config.max_tokens is not None else DEFAULT_MAX_TOKENS,
            temperature=config.temperature if config.temperature is not None else 0.0,
            top_p=config.top_p,
            top_k=config.top_k,
            seed=config.seed,
            frequency_penalty=config.frequency_penalty,
            presence_penalty=config.presence_penalty,
            stop=tuple(config.stop_seqs) if config.stop_seqs is not None else DEFAULT_STOP,
            logprobs=bool(config.logprobs),
            top_logprobs=config.top_logprobs or 0,
        )
        prompt = render_prompt(input)
        result = await anyio.to_thread.run_sync(
            partial(self.engine.complete, prompt, sampling, prefix_cache=self.prefix_cache)
        )
        output = self._output(result)
        call = ModelCall.create(
            request={"prompt_chars": len(prompt), "prefix_cache": self.prefix_cache, **sampling.__dict__},
            response=output.metadata,
            time=result.prompt_seconds + result.generation_seconds,
        )
        return output, call

    def _output(self, result: Completion) -> ModelOutput:
        metadata = {
            "prompt_tokens": result.prompt_tokens,
            "prompt_tokens_reused": result.reused_tokens,
            "prompt_tokens_evaluated": result.evaluated_tokens,
            "prompt_eval_seconds": round(result.prompt_seconds, 4),
            "generation_seconds": round(result.generation_seconds, 4),
            "slot": result.slot,
            "n_ctx": result.n_ctx,
        }
        if result.slot < 0:  # the prompt did not fit: nothing was evaluated
            message = (
                f"prompt is too long: {result.prompt_tokens} tokens > {result.n_ctx - 1} maximum "
                f"(gguf n_ctx={result.n_ctx})"
            )
            output = ModelOutput.from_content(
                model=self.model_name, content=message, stop_reason="model_length", error=message
            )
            output.usage = ModelUsage(input_tokens=0, output_tokens=0, total_tokens=0)
            output.metadata = metadata
            return output
        logprobs = None
        if result.logprobs is not None:
            logprobs = Logprobs(
                content=[
                    Logprob(
                        token=lp.token,
                        logprob=lp.logprob,
                        bytes=list(lp.token_bytes),
                        top_logprobs=[TopLogprob(token=t, logprob=v, bytes=list(b)) for t, b, v in lp.top]
                        or None,
                    )
                    for lp in result.logprobs
                ]
            )
        choice = ChatCompletionChoice(
            message=ChatMessageAssistant(content=result.text, model=self.model_name, source="generate"),
            stop_reason=result.stop_reason,
            logprobs=logprobs,
        )
        usage = ModelUsage(
            input_tokens=result.evaluated_tokens,
            output_tokens=result.output_tokens,
            total_tokens=result.prompt_tokens + result.output_tokens,
            input_tokens_cache_read=result.reused_tokens if self.prefix_cache else None,
        )
        return ModelOutput(
            model=self.model_name,
            choices=[choice],
            usage=usage,
            time=result.prompt_seconds + result.generation_seconds,
            metadata=metadata,
        )


def _as_bool(name: str, value: Any) -> bool:
    """A boolean model arg; Inspect prints OfflineModelError (a PrerequisiteError) without a traceback."""
    try:
        return parse_bool(f"gguf model arg {name}", value)
    except ConfigError as exc:
        raise OfflineModelError(str(exc)) from None


def _as_int(name: str, value: Any, minimum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = minimum - 1
    if isinstance(value, bool) or number < minimum or str(number) != str(value).strip():
        raise OfflineModelError(f"gguf model arg {name}={value!r} must be an integer >= {minimum}")
    return number


@modelapi(name="gguf")
def gguf() -> type[ModelAPI]:
    """Register `--model gguf/<gemma-3-270m | path.gguf>`; fails with one line if the local extra is missing."""
    require_llama_cpp()
    return GGUFModelAPI
