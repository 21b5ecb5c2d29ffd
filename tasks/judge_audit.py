"""Judge audit: how often each grader accepts wrong replies, measured on labelled replies from the ground truth.

    inspect eval tasks/judge_audit.py --model-role grader=anthropic/claude-haiku-4-5
    inspect eval tasks/judge_audit.py -T data=bench.duckdb -T graders=grader,second \
        --model-role grader=openai/gpt-4o-mini --model-role second=anthropic/claude-haiku-4-5
    memcurve judge-audit results/logs            # rates, kappa, majority verdict from the audit logs

Options (-T):
  data                    a benchmark .duckdb (default: the generated default benchmark of tasks/convomem.py)
  graders                 model roles that grade, comma separated (default: grader; bind each with --model-role)
  judges                  strict | lenient | longmemeval, comma separated (default: strict,lenient)
  questions_per_category  the first N questions of each category (default: 4)
  seed, judge_retries, max_tokens
"""

from inspect_ai import Task, task

from memcurve.evals.dataset import cached_benchmark
from memcurve.evals.judge_audit.task import judge_audit_task
from memcurve.evals.task_options import parse_data, parse_positive_int


@task
def judge_audit(data: str | None = None, graders: str = "grader", judges: str = "strict,lenient",
                questions_per_category: int = 4, seed: int = 0, judge_retries: int = 2, max_tokens: int = 16) -> Task:
    if data is None:
        from memcurve.convomem import CACHE_DIR, DEFAULT_BENCHMARK, DEFAULT_SEED
        from memcurve.generators.config import build_config

        db = str(cached_benchmark(build_config({**DEFAULT_BENCHMARK, "seed": DEFAULT_SEED}), CACHE_DIR))
    else:
        db = str(parse_data(data))
    return judge_audit_task(db, graders=graders, judges=judges,
                            questions_per_category=parse_positive_int("questions_per_category", questions_per_category),
                            seed=int(seed), retries=int(judge_retries),
                            max_tokens=parse_positive_int("max_tokens", max_tokens))
