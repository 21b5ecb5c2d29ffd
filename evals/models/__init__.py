"""Model helpers: the offline in-process GGUF provider and context-window sizes.

The `gguf` Inspect provider lives in `evals.models.provider` (registered through the `inspect_ai` entry
point, `memcurve._registry`); the llama-cpp-python engine behind it in `evals.models.llama_backend`.
Importing this package does not import llama_cpp.
"""

from __future__ import annotations

from typing import Any

from memcurve.evals.models.llama_backend import BUNDLED_MODEL, DEFAULT_N_CTX, OfflineModelError

__all__ = ["BUNDLED_MODEL", "DEFAULT_N_CTX", "OfflineModelError", "context_window", "offline_default"]

OFFLINE_MODEL = f"gguf/{BUNDLED_MODEL}"


def offline_default() -> str | None:
    """The task's own model: the offline model when the user named none, else None (theirs is used).

    From a directory without memcurve's .env there is no INSPECT_EVAL_MODEL, and Inspect runs tasks on its
    "none/none" model. Inspect makes the eval model active before it creates tasks, so a task can see that
    and fall back to the offline model; `Task(model=...)` would otherwise override a model the user named.
    """
    from inspect_ai.model import get_model

    try:
        active = str(get_model())
    except Exception:  # no active model and no INSPECT_EVAL_MODEL
        return OFFLINE_MODEL
    return OFFLINE_MODEL if active == "none/none" else None

# Published context windows of common API models, matched by name prefix (longest prefix wins).
API_CONTEXT_WINDOWS: dict[str, int] = {
    "anthropic/claude": 200_000,
    "openai/gpt-3.5-turbo": 16_385,
    "openai/gpt-4-turbo": 128_000,
    "openai/gpt-4o": 128_000,
    "openai/gpt-4.1": 1_047_576,
    "openai/gpt-5": 400_000,
    "openai/o1": 200_000,
    "openai/o3": 200_000,
    "openai/o4-mini": 200_000,
    "google/gemini-1.5-pro": 2_097_152,
    "google/gemini": 1_048_576,
    "mistral/mistral-large": 128_000,
    "grok/grok-4": 256_000,
}


def context_window(model: Any) -> int | None:
    """Context window in tokens of a model (an Inspect `Model` or a "provider/name" string), or None if unknown.

    For `gguf/...` it is the window actually allocated: read from the live model when given an Inspect
    Model (so `-M n_ctx=...` counts), else from a model already loaded in this process, else the default.
    """
    api = getattr(model, "api", None)
    n_ctx = getattr(api, "n_ctx", None)
    if isinstance(n_ctx, int):
        return n_ctx
    name = str(model)
    if name.startswith("gguf/"):
        return _loaded_gguf_window(name.removeprefix("gguf/")) or DEFAULT_N_CTX
    matches = [prefix for prefix in API_CONTEXT_WINDOWS if name.startswith(prefix)]
    return API_CONTEXT_WINDOWS[max(matches, key=len)] if matches else None


def _loaded_gguf_window(model_name: str) -> int | None:
    from pathlib import Path

    from memcurve.evals.models.llama_backend import loaded_engines

    for engine in reversed(loaded_engines()):
        path = Path(engine.options.path)
        if model_name == BUNDLED_MODEL and path.name.startswith("gemma-3-270m"):
            return engine.n_ctx
        if model_name != BUNDLED_MODEL and Path(model_name).expanduser().resolve() == path:
            return engine.n_ctx
    return None
