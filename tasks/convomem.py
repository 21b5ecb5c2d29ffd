"""ConvoMem-style memory evaluation: the same questions over histories of growing length, answered by
full-context and RAG (and optionally oracle / no-context) solvers, in one log.

    inspect eval tasks/convomem.py                                  # offline default benchmark and model
    inspect eval tasks/convomem.py -T data=bench.duckdb -T sizes=1,10,30 -T solvers=full_context,rag,oracle
    inspect eval tasks/convomem.py --model anthropic/claude-sonnet-4-5 --model-role grader=anthropic/claude-haiku-4-5

With no `data`, a small default benchmark is generated once into results/cache/ (keyed by a hash of its
config) and reused. Options (-T):
  data                   a benchmark .duckdb (default: the generated default benchmark)
  sizes                  history sizes in conversations, e.g. 1,10,30 (default: all in the benchmark)
  categories             question categories, e.g. user_facts,temporal (default: all in the benchmark)
  solvers                any of full_context, rag, oracle, no_context, memory:fact_store, memory:summary,
                         memory:hybrid, memory:mem0 (default: full_context,rag,memory:hybrid)
  memory_cache           directory for built memories (default: results/memory; off = in process only)
  k, unit                RAG: top-k units of message | round | conversation (default: 5 rounds)
  retriever              RAG ranking: bm25 | dense | hybrid (dense/hybrid need pip install -e '.[dense]')
  histories_per_size     the first N history chains at each size (default: all)
  questions_per_history  the first N questions of each history, round-robin over categories (default: all)
  max_context_tokens     the answer model's context window in tokens, or "model" for the model's own (default:
                         "model"; 3072 for the generated default benchmark, see DEFAULT_WINDOW)
  max_tokens             reply length for the answer model (default: 32)
  seed                   seed of the generated default benchmark
  judge                  rubric | all | off: when the `grader` role judges (default: rubric categories only)
  judge_retries          extra judge calls when its verdict cannot be parsed (default: 2)

Prompt caching: full_context puts the history first and marks it as a cache breakpoint, so with
Anthropic every question of a history reads the cached prefix (keep Inspect's default `--cache-prompt`;
for RAG-only runs, whose prompts are all different, `--cache-prompt=false` avoids paying for cache writes).
"""

from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset
from inspect_ai.model import GenerateConfig

from memcurve.evals.dataset import cached_benchmark, load_samples
from memcurve.evals.memory.operations import memory_operations
from memcurve.evals.scorers import default_scorers
from memcurve.evals.solvers import compare
from memcurve.evals.task_options import (
    parse_window,
    parse_categories,
    parse_data,
    parse_k,
    parse_positive_int,
    parse_size_list,
    parse_solvers,
    parse_retriever,
    parse_unit,
)
from memcurve.generators.config import build_config

CACHE_DIR = Path(__file__).resolve().parent.parent / "results" / "cache"
MEMORY_CACHE_DIR = CACHE_DIR.parent / "memory"
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
}
DEFAULT_WINDOW = 3072


@task
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
    memory_cache: str | None = str(MEMORY_CACHE_DIR),
    retriever: str = "bm25",
) -> Task:
    solver_names = parse_solvers(solvers)
    k, unit = parse_k(k), parse_unit(unit)
    if max_context_tokens is None:
        max_context_tokens = DEFAULT_WINDOW if data is None else "model"
    window = None if max_context_tokens == "model" else parse_window(max_context_tokens)
    scorers = default_scorers(judge_mode=judge, judge_retries=int(judge_retries))
    if data is None:
        config = build_config({**DEFAULT_BENCHMARK, "seed": seed})
        db = cached_benchmark(config, CACHE_DIR, progress=True)
    else:
        db = parse_data(data)
    samples = load_samples(
        db,
        solvers=solver_names,
        sizes=parse_size_list(sizes),
        categories=parse_categories(categories),
        histories_per_size=parse_positive_int("histories_per_size", histories_per_size, allow_none=True),
        questions_per_history=parse_positive_int("questions_per_history", questions_per_history, allow_none=True),
    )
    return Task(
        dataset=MemoryDataset(samples, name=f"convomem:{Path(db).stem}"),
        solver=compare(solvers=solver_names, k=k, unit=unit, max_context_tokens=window, memory_cache=memory_cache,
                       retriever=parse_retriever(retriever)),
        scorer=[*scorers, memory_operations()] if any(n.startswith("memory:") for n in solver_names) else scorers,
        config=GenerateConfig(max_tokens=parse_positive_int("max_tokens", max_tokens), temperature=0.0),
        name="convomem",
    )
