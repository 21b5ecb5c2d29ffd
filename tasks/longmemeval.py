"""LongMemEval: one question per history, judged by LongMemEval's per-type yes/no judge, with its
QA metrics (overall, task-averaged, abstention accuracy) and retrieval metrics (session and turn level).

    inspect eval memcurve/longmemeval                                   # generated LongMemEval-style default, offline
    inspect eval tasks/longmemeval.py -T data=longmemeval_s_cleaned.json -T solvers=rag -T unit=session
    inspect eval tasks/longmemeval.py -T data=lme_s.duckdb -T solvers=rag -T key=value+facts -T time_aware=true \
        --model anthropic/claude-sonnet-4-5 --model-role grader=openai/gpt-4o --model-role memory=openai/gpt-4o-mini

The -T options, with their defaults, are listed at the end of this docstring (made from the
LongMemEvalOptions declaration below). `data`: an imported LongMemEval .duckdb, or a LongMemEval JSON
file (imported once into <cache>/benchmarks/, keyed by its sha256); none: a generated LongMemEval-style
benchmark covering the five abilities with question dates (evals.longmemeval).

Scores: `answer_check` (deterministic), `longmemeval_judge` (key `judge`; metrics overall, task_averaged,
abstention, type/<type>, each also per solver), `longmemeval_retrieval` (session_/turn_ recall_any, recall_all,
ndcg_any @1,3,5,10 from the rag ranking), `retrieval_metrics` (unit level) and `overflow`. Offline, the 270M
model is its own judge and says "yes" to almost anything: read `answer_check` there, and bind a real
`--model-role grader=...` for LongMemEval's judged numbers.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset
from inspect_ai.model import GenerateConfig

from memcurve.evals.models import offline_default
from memcurve.paths import cache_path
from memcurve.evals.dataset import load_samples
from memcurve.evals.longmemeval import first_histories, longmemeval_judge, longmemeval_retrieval, resolve_data
from memcurve.evals.longmemeval.default_benchmark import DEFAULT_SEED
from memcurve.evals.retrieval import KEYS
from memcurve.evals.scorers import LONGMEMEVAL, Headline, answer_check, headline, overflow, retrieval_metrics
from memcurve.evals.solvers import compare
from memcurve.evals.task_options import (
    K_OPTION,
    MEMORY_CACHE_OPTION,
    RETRIEVER_OPTION,
    SOLVERS_OPTION,
    UNIT_OPTION,
    boolean,
    category_list,
    documented,
    integer,
    one_of,
    option,
    optional_data,
    options_help,
    parse_options,
    solver_options_of,
    task_errors,
    whole,
)
from memcurve.evals.summary import enable_terminal_summary



@dataclass(frozen=True)
class LongMemEvalOptions:
    data: Path | None = option(optional_data, "an imported LongMemEval .duckdb or a LongMemEval JSON file "
                                              "(none: the generated LongMemEval-style default)")
    solvers: tuple[str, ...] = SOLVERS_OPTION()
    k: int = K_OPTION()
    unit: str = UNIT_OPTION()
    key: str = option(one_of(KEYS), lambda: f"RAG key: {KEYS.help()} (value+facts: LLM-extracted user facts "
                                            f"merged into the key, role `memory`)")
    time_aware: bool = option(boolean, "RAG: move sessions in the question's LLM-inferred date range to the front")
    retriever: str = RETRIEVER_OPTION()
    categories: tuple[str, ...] | None = option(category_list, "question categories (none: all)")
    histories: int | None = option(whole(allow_none=True), "the first N histories (none: all)")
    questions_per_history: int | None = option(whole(allow_none=True), "the first N questions of each history")
    max_context_tokens: int | None = option(whole(allow_none=True), "the answer model's window in tokens "
                                                                    "(none: the model's own)")
    max_tokens: int = option(whole(1), "reply length for the answer model")
    seed: int = option(integer, "seed of the generated default benchmark")
    judge: bool = option(boolean, "score with LongMemEval's judge (the `grader` role)")
    judge_retries: int = option(whole(0), "extra judge calls when its verdict cannot be parsed")
    memory_cache: str | None = MEMORY_CACHE_OPTION()


@task
@task_errors
@documented(LongMemEvalOptions, "LongMemEval: one question per history, judged by LongMemEval's yes/no judge.")
def longmemeval(
    data: str | None = None,
    solvers: str | list = "full_context,rag",
    k: int = 5,
    unit: str = "round",
    key: str = "value",
    time_aware: bool = False,
    retriever: str = "bm25",
    categories: str | list | None = None,
    histories: int | None = None,
    questions_per_history: int | None = None,
    max_context_tokens: int | None = None,
    max_tokens: int = 48,
    seed: int = DEFAULT_SEED,
    judge: bool = True,
    judge_retries: int = 0,
    memory_cache: str | None = "default",
    **unknown: Any,
) -> Task:
    o = parse_options(LongMemEvalOptions, locals(), unknown)
    solver_options = solver_options_of(o, max_context_tokens=o.max_context_tokens,
                                       key_cache="default")
    db = resolve_data(o.data, cache_path("benchmarks"), o.seed)
    samples = load_samples(db, solvers=o.solvers, categories=o.categories,
                           questions_per_history=o.questions_per_history)
    samples = first_histories(samples, o.histories)
    scorers = [answer_check(), *([longmemeval_judge(retries=o.judge_retries)] if o.judge else []),
               longmemeval_retrieval(), retrieval_metrics(), overflow()]
    declared = LONGMEMEVAL if o.judge else Headline(exact="answer_check", rubric="answer_check")
    scorers.append(headline(declared.exact, declared.rubric))
    enable_terminal_summary()
    return Task(
        model=offline_default(),  # the offline model when no model is named (no .env here)
        dataset=MemoryDataset(samples, name=f"longmemeval:{Path(db).stem}"),
        solver=compare(solvers=list(o.solvers), **vars(solver_options)),
        scorer=scorers,
        config=GenerateConfig(max_tokens=o.max_tokens, temperature=0.0),
        name="longmemeval",
        **declared.task_args(),
    )


__doc__ += "\n" + options_help(LongMemEvalOptions, longmemeval)
