"""ConvoMem-style memory evaluation: the same questions over histories of growing length, answered by
full-context and RAG (and optionally oracle / no-context) solvers, in one log.

    inspect eval memcurve/convomem                                  # offline default benchmark and model
    inspect eval tasks/convomem.py -T data=bench.duckdb -T sizes=1,10,30 -T solvers=full_context,rag,oracle
    inspect eval tasks/convomem.py --model anthropic/claude-sonnet-4-5 --model-role grader=anthropic/claude-haiku-4-5

With no `data`, a small default benchmark is generated once into <cache>/benchmarks/ (keyed by a hash of its
config) and reused; <cache> is $MEMCURVE_CACHE_DIR (default ~/.cache/memcurve), and relative paths resolve
against the directory you ran the command in (memcurve.paths). The -T options, with their defaults, are listed at the end of this docstring (made
from the ConvomemOptions declaration below, so it names every registered solver and retriever).

Prompt caching: full_context puts the history first and marks it as a cache breakpoint, so with
Anthropic every question of a history reads the cached prefix (keep Inspect's default `--cache-prompt`;
for RAG-only runs, whose prompts are all different, `--cache-prompt=false` avoids paying for cache writes).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset
from inspect_ai.model import GenerateConfig

from memcurve.evals.models import offline_default
from memcurve.paths import cache_path
from memcurve.evals.dataset import cached_benchmark, generate_default_into, load_samples
from memcurve.evals.memory.operations import memory_operations
from memcurve.evals.scorers import CONVOMEM, MODES, default_scorers
from memcurve.evals.scorers.stages import stage_attribution
from memcurve.evals.solvers import compare, uses_memory
from memcurve.evals.task_options import (
    MEMORY_CACHE_OPTION,
    K_OPTION,
    RETRIEVER_OPTION,
    SOLVERS_OPTION,
    UNIT_OPTION,
    category_list,
    choice,
    documented,
    integer,
    option,
    optional_data_or_new,
    options_help,
    parse_options,
    size_list,
    solver_options_of,
    task_errors,
    whole,
    window,
)
from memcurve.evals.summary import enable_terminal_summary
from memcurve.generators.config import build_config
DEFAULT_SEED = 7
# The default benchmark: planted single facts (user, assistant, changing) and abstention, 2 personas, histories
# of 1-100 short conversations (~100-10,000 tokens), run with an emulated 3,072-token window: full context
# keeps every conversation up to size 12, then only the most recent ~25, so evidence drops out as histories
# grow (the accuracy curve falls) while RAG still finds it, and no prompt exceeds ~3k tokens, which keeps
# the run within minutes for the offline 270M model on 2 cores (questions of one history reuse its KV cache).
DEFAULT_BENCHMARK = {
    "personas": 2,
    "sizes": "1,4,12,36,100",
    "categories": "user_facts,assistant_facts,changing_facts,abstention",
    "questions_per_category": 2,
    "questions_per_history": 6,
    "max_evidence": 1,
    "length": "short",  # brief turns: the offline run stays within minutes
}
DEFAULT_WINDOW = 3072




@dataclass(frozen=True)
class ConvomemOptions:
    data: Path | None = option(optional_data_or_new, "a benchmark .duckdb (none: the generated default benchmark "
                               "in the cache; a new .duckdb path: the default benchmark generated there)")
    sizes: tuple[int, ...] | None = option(size_list, "history sizes in conversations, e.g. 1,10,30 (none: all)")
    categories: tuple[str, ...] | None = option(category_list, "question categories, e.g. user_facts,temporal (none: all)")
    solvers: tuple[str, ...] = SOLVERS_OPTION()
    k: int = K_OPTION()
    unit: str = UNIT_OPTION()
    histories_per_size: int | None = option(whole(allow_none=True), "the first N history chains at each size")
    questions_per_history: int | None = option(whole(allow_none=True),
                                               "the first N questions of each history, round-robin over categories")
    max_context_tokens: int | str | None = option(window, f"the answer model's window in tokens, or \"model\" "
                                                  f"(none: {DEFAULT_WINDOW} for the generated default, else model)")
    max_tokens: int = option(whole(1), "reply length for the answer model")
    seed: int = option(integer, "seed of the generated default benchmark")
    judge: str = option(choice(MODES, label="judge mode", aliases={False: "off"}),
                        f"when the `grader` role judges: {' | '.join(MODES)} (rubric: rubric categories only)")
    judge_retries: int = option(whole(0), "extra judge calls when its verdict cannot be parsed")
    memory_cache: str | None = MEMORY_CACHE_OPTION()
    retriever: str = RETRIEVER_OPTION()
    context_budget: int | None = option(whole(allow_none=True),
                                        "tokens of history/memory context every solver may show (rag fills "
                                        "it in rank order instead of taking k units): equal context cost")


@task
@task_errors
@documented(ConvomemOptions, "ConvoMem-style memory evaluation over histories of growing length.")
def convomem(
    data: str | None = None,
    sizes: str | list | int | None = None,
    categories: str | list | None = None,
    solvers: str | list = "full_context,rag,memory:hybrid",
    k: int = 5,
    unit: str = "round",
    histories_per_size: int | None = None,
    questions_per_history: int | None = None,
    max_context_tokens: int | str | None = None,
    max_tokens: int = 32,
    seed: int = DEFAULT_SEED,
    judge: str = "rubric",
    judge_retries: int = 2,
    memory_cache: str | None = "default",
    retriever: str = "bm25",
    context_budget: int | None = None,
    **unknown: Any,
) -> Task:
    o = parse_options(ConvomemOptions, locals(), unknown)
    limit = o.max_context_tokens if o.max_context_tokens is not None else DEFAULT_WINDOW if o.data is None else "model"
    solver_options = solver_options_of(o, max_context_tokens=None if limit == "model" else limit)
    scorers = default_scorers(judge_mode=o.judge, judge_retries=o.judge_retries)
    default = build_config({**DEFAULT_BENCHMARK, "seed": o.seed})
    if o.data is None:
        db = cached_benchmark(default, cache_path("benchmarks"), progress=True)
    else:
        db = o.data if o.data.exists() else generate_default_into(default, o.data)
    samples = load_samples(db, solvers=o.solvers, sizes=o.sizes, categories=o.categories,
                           histories_per_size=o.histories_per_size, questions_per_history=o.questions_per_history)
    enable_terminal_summary()
    return Task(
        model=offline_default(),  # the offline model when no model is named (no .env here)
        dataset=MemoryDataset(samples, name=f"convomem:{Path(db).stem}"),
        solver=compare(solvers=list(o.solvers), **vars(solver_options)),
        scorer=[*scorers, stage_attribution(), *([memory_operations()] if uses_memory(o.solvers) else [])],
        config=GenerateConfig(max_tokens=o.max_tokens, temperature=0.0),
        name="convomem",
        **CONVOMEM.task_args(),
    )


__doc__ += "\n" + options_help(ConvomemOptions, convomem)
