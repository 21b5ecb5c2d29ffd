"""One grader helper for every judge: ask a grader model until its verdict parses, record every raw reply.

Both judges (memcurve's RIGHT/WRONG judge and LongMemEval's yes/no judge) and the judge audit call
`ask_grader`, so retries, temperature and the "unparseable is unscored, never wrong" rule live here once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from inspect_ai.model import GenerateConfig, Model, get_model


@dataclass
class GraderReply:
    """The parsed verdict (None = unparseable after every attempt) and each raw grader reply in order."""

    verdict: bool | None
    raw: list[str] = field(default_factory=list)

    @property
    def unparseable(self) -> bool:
        return self.verdict is None


def grader_model(role: str = "grader", model: str | Model | None = None) -> Model:
    """The grader: an explicit model, else the model bound to `role` at run time, else the model under test."""
    if model is not None:
        return model if isinstance(model, Model) else get_model(model)
    return get_model(role=role)


async def ask_grader(prompt: str, parse: Callable[[str], bool | None], *, retries: int = 2, max_tokens: int = 16,
                     role: str = "grader", model: Any = None) -> GraderReply:
    """At most 1 + retries calls at temperature 0; stops at the first reply `parse` reads as a verdict."""
    grader = grader_model(role, model)
    reply = GraderReply(None)
    for _ in range(1 + max(0, int(retries))):
        output = await grader.generate(prompt, config=GenerateConfig(temperature=0.0, max_tokens=max_tokens))
        reply.raw.append(output.completion)
        reply.verdict = parse(output.completion)
        if reply.verdict is not None:
            break
    return reply
