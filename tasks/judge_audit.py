"""Judge audit: how often each grader accepts wrong replies, measured on labelled replies from the ground truth.

    inspect eval memcurve/judge_audit --model-role grader=anthropic/claude-haiku-4-5
    inspect eval memcurve/judge_audit -T data=bench.duckdb -T graders=grader,second \
        --model-role grader=openai/gpt-4o-mini --model-role second=anthropic/claude-haiku-4-5
    memcurve judge-audit logs            # rates, kappa, majority verdict from the audit logs

With no `data`, the generated default benchmark of memcurve/convomem is used (the same cached file). The -T
options, with their defaults, are listed at the end of this docstring (made from the JudgeAuditOptions
declaration below).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_ai import Task, task

from memcurve.convomem import DEFAULT_BENCHMARK, DEFAULT_SEED
from memcurve.evals.dataset import cached_benchmark
from memcurve.evals.judge_audit.judges import parse_judges
from memcurve.evals.judge_audit.task import judge_audit_task, parse_roles
from memcurve.evals.task_options import (
    documented,
    integer,
    option,
    optional_data,
    options_help,
    parse_options,
    task_errors,
    whole,
)
from memcurve.generators.config import build_config
from memcurve.paths import cache_path


@dataclass(frozen=True)
class JudgeAuditOptions:
    data: Path | None = option(optional_data, "a benchmark .duckdb (none: the generated default benchmark)")
    graders: tuple[str, ...] = option(lambda name, value: tuple(parse_roles(value)),
                                      "model roles that grade, comma separated (bind each with --model-role)")
    judges: tuple[str, ...] = option(lambda name, value: tuple(j.name for j in parse_judges(value)),
                                     "strict | lenient | longmemeval, comma separated")
    questions_per_category: int = option(whole(1), "the first N questions of each category")
    seed: int = option(integer, "seed of the labelled replies")
    judge_retries: int = option(whole(0), "extra grader calls when a verdict cannot be parsed")
    max_tokens: int = option(whole(1), "reply length for the grader")


def default_benchmark() -> Path:
    """memcurve/convomem's generated default benchmark (built once into the cache, then reused)."""
    return cached_benchmark(build_config({**DEFAULT_BENCHMARK, "seed": DEFAULT_SEED}), cache_path("benchmarks"),
                            progress=True)


@task
@task_errors
@documented(JudgeAuditOptions, "Judge audit: each grader's true- and false-positive rates on labelled replies.")
def judge_audit(data: str | None = None, graders: str = "grader", judges: str = "strict,lenient",
                questions_per_category: int = 4, seed: int = 0, judge_retries: int = 2, max_tokens: int = 16,
                **unknown: Any) -> Task:
    o = parse_options(JudgeAuditOptions, locals(), unknown)
    db = o.data if o.data is not None else default_benchmark()
    return judge_audit_task(str(db), graders=list(o.graders), judges=list(o.judges),
                            questions_per_category=o.questions_per_category, seed=o.seed,
                            retries=o.judge_retries, max_tokens=o.max_tokens)


__doc__ += "\n" + options_help(JudgeAuditOptions, judge_audit)
