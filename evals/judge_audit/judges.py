"""The judges the audit can measure: a prompt builder and a verdict parser per name, one registry.

- strict: memcurve's judge (per-category criteria, RIGHT/WRONG, both words = WRONG);
- lenient: the same reference and reply under the generous LoCoMo-style grading;
- longmemeval: LongMemEval's prompt by question type with its original parser ("yes" anywhere = correct).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from memcurve.errors import ConfigError
from memcurve.evals.longmemeval.judge import judge_prompt as lme_prompt
from memcurve.evals.longmemeval.judge import parse_yes_no, prompt_type
from memcurve.evals.scorers.judge import judge_prompt, parse_verdict


@dataclass(frozen=True)
class Judge:
    name: str
    prompt: Callable[[str, str, dict, list[str]], str]  # (question, reply, metadata, golds) -> prompt
    parse: Callable[[str], bool | None]


def _lme(question: str, reply: str, md: dict, golds: list[str]) -> str:
    kind = prompt_type(md)
    reference = (md.get("rubric") or (golds[0] if golds else "")) if kind == "single-session-preference" \
        else (golds[0] if golds else "")
    return lme_prompt(question, reference, reply, kind)


JUDGES: dict[str, Judge] = {
    "strict": Judge("strict", lambda q, r, md, g: judge_prompt(q, r, md, g, "strict"), parse_verdict),
    "lenient": Judge("lenient", lambda q, r, md, g: judge_prompt(q, r, md, g, "lenient"), parse_verdict),
    "longmemeval": Judge("longmemeval", _lme, parse_yes_no),
}


def parse_judges(value: str | list | None) -> list[Judge]:
    """'strict,lenient' -> judges; unknown names are refused in one line."""
    names = value if isinstance(value, list) else [n.strip() for n in str(value or "strict,lenient").split(",")]
    out = []
    for name in [n for n in names if n]:
        if name not in JUDGES:
            raise ConfigError(f"unknown judge {name!r}; valid: {', '.join(JUDGES)}")
        out.append(JUDGES[name])
    if not out:
        raise ConfigError("judges: give at least one of " + ", ".join(JUDGES))
    return out
