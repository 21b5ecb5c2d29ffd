"""`--model memcurve/smoke`: a model-free, network-free reader for checking an install in seconds.

Why this exists: Inspect's `mockllm/model` counts tokens with tiktoken, which downloads its encoding on first
use, so offline it ends in a ConnectionError. This provider needs nothing: it answers from the prompt by a
fixed rule and reports usage, so every solver, scorer and the log are exercised end to end.

The rule (deterministic, so two runs give the same log): the question is the last line of the last message
that holds a "?" (else its last non-blank line); the answer is the earlier line of the prompt that shares the
most content words with the question (the later line on a tie, as the most recent statement of a fact wins),
without its "[time] Role:" prefix; with no shared word it answers "I don't know." It is a plumbing check with
a crude lexical reader, not a model: its accuracy says nothing about any real model.

Usage counts whitespace-separated words of the rendered prompt and the answer.
"""

from __future__ import annotations

import re
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

NAME = "smoke"
ABSTAIN = "I don't know."
STOPWORDS = frozenset(
    "the a an and or of to in on at for with by from is are was were be been do does did what which who whom "
    "when where why how my your our their his her its me you we they i it this that these those have has had "
    "about into than then there here not no yes can could would should will just so as if any some did".split()
)
_PREFIX = re.compile(r"^\s*(\[[^\]]*\]\s*)?(user|assistant|system|tool|question|answer)\s*:\s*", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in STOPWORDS}


def answer_from(prompt_lines: list[str], question: str) -> str:
    """The prompt line sharing the most content words with the question (see the module docstring)."""
    wanted = content_words(question)
    best, best_score = ABSTAIN, 0
    for line in prompt_lines:
        score = len(wanted & content_words(line))
        if score and score >= best_score:
            best, best_score = line, score
    return _PREFIX.sub("", best).strip() or ABSTAIN


def split_question(messages: list[ChatMessage]) -> tuple[list[str], str]:
    """(every other non-blank prompt line, the question line)."""
    lines = [line for m in messages for line in m.text.splitlines() if line.strip()]
    last = [line for line in (messages[-1].text.splitlines() if messages else []) if line.strip()]
    asked = [line for line in last if "?" in line]
    question = asked[-1] if asked else (last[-1] if last else "")
    others = [line for line in lines if line is not question and line != question]
    return others, question


class SmokeModelAPI(ModelAPI):
    """The reader above behind Inspect's ModelAPI; the model name after `memcurve/` must be `smoke`."""

    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig = GenerateConfig(), **model_args: Any) -> None:
        super().__init__(model_name=model_name, base_url=base_url, api_key=api_key, config=config)
        if model_name != NAME or model_args:
            from memcurve.evals.models.llama_backend import OfflineModelError

            raise OfflineModelError(
                f"unknown memcurve model {model_name!r}{' with model args' if model_args else ''}; "
                f"valid: memcurve/{NAME} (no -M args)"
            )

    def max_tokens(self) -> int | None:
        return 64

    async def count_text_tokens(self, text: str) -> int:
        return len(text.split())

    async def count_tokens(self, input: str | list[ChatMessage], config: GenerateConfig | None = None) -> int:
        if isinstance(input, str):
            return len(input.split())
        return sum(len(m.text.split()) for m in input)

    async def generate(self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice,
                       config: GenerateConfig) -> ModelOutput:
        lines, question = split_question(input)
        words = answer_from(lines, question).split()
        if config.max_tokens is not None:
            words = words[: max(config.max_tokens, 1)]
        answer = " ".join(words) or ABSTAIN
        prompt_words = sum(len(m.text.split()) for m in input)
        output = ModelOutput.from_content(model=f"memcurve/{NAME}", content=answer)
        output.usage = ModelUsage(input_tokens=prompt_words, output_tokens=len(answer.split()),
                                  total_tokens=prompt_words + len(answer.split()))
        return output


@modelapi(name="memcurve")
def memcurve_models() -> type[ModelAPI]:
    """Register `--model memcurve/smoke` (nothing to install, nothing to download)."""
    return SmokeModelAPI
