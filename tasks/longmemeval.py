"""LongMemEval: one question per history, judged by LongMemEval's per-type yes/no judge, with its
QA metrics (overall, task-averaged, abstention accuracy) and retrieval metrics (session and turn level).

    inspect eval tasks/longmemeval.py                                   # generated LongMemEval-style default, offline
    inspect eval tasks/longmemeval.py -T data=longmemeval_s_cleaned.json -T solvers=rag -T unit=session
    inspect eval tasks/longmemeval.py -T data=lme_s.duckdb -T solvers=rag -T key=value+facts -T time_aware=true \
        --model anthropic/claude-sonnet-4-5 --model-role grader=openai/gpt-4o --model-role memory=openai/gpt-4o-mini

Options (-T):
  data                   an imported LongMemEval .duckdb, or a LongMemEval JSON file (imported once into
                         results/cache/, keyed by its sha256); default: a generated LongMemEval-style
                         benchmark covering the five abilities with question dates (evals.longmemeval)
  solvers                full_context, rag, oracle, no_context, memory:<system> (default: full_context,rag)
  k, unit                RAG: top-k values; unit round | session (alias of conversation) | message (default: 5 rounds)
  key                    RAG key: value | value+facts (LLM-extracted user facts merged into the key; role `memory`)
  time_aware             RAG: move sessions in the question's LLM-inferred date range to the front (default: false)
  retriever              RAG: bm25 | dense | hybrid (dense/hybrid need the dense extra; key must be value)
  categories, questions_per_history, histories  subsets (histories: the first N histories)
  max_context_tokens, max_tokens, seed, judge (true/false), judge_retries, memory_cache

Scores: `answer_check` (deterministic), `longmemeval_judge` (key `judge`; metrics overall, task_averaged,
abstention, type/<type>, each also per solver), `longmemeval_retrieval` (session_/turn_ recall_any, recall_all,
ndcg_any @1,3,5,10 from the rag ranking), `retrieval_metrics` (unit level) and `overflow`. Offline, the 270M
model is its own judge and says "yes" to almost anything: read `answer_check` there, and bind a real
`--model-role grader=...` for LongMemEval's judged numbers.
"""

from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset
from inspect_ai.model import GenerateConfig

from memcurve.evals.dataset import load_samples
from memcurve.evals.longmemeval import first_histories, longmemeval_judge, longmemeval_retrieval, longmemeval_solvers, resolve_data
from memcurve.evals.longmemeval.default_benchmark import DEFAULT_SEED
from memcurve.evals.scorers import answer_check, overflow, retrieval_metrics
from memcurve.evals.task_options import (
    parse_bool,
    parse_categories,
    parse_k,
    parse_key,
    parse_positive_int,
    parse_solvers,
    parse_unit,
)

CACHE_DIR = Path(__file__).resolve().parent.parent / "results" / "cache"
MEMORY_CACHE_DIR = CACHE_DIR.parent / "memory"


@task
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
    memory_cache: str | None = str(MEMORY_CACHE_DIR),
) -> Task:
    solver_names = parse_solvers(solvers)
    k, unit, key = parse_k(k), parse_unit(unit), parse_key(key)
    time_aware, judge = parse_bool("time_aware", time_aware), parse_bool("judge", judge)
    db = resolve_data(data, CACHE_DIR, int(seed))
    samples = load_samples(
        db,
        solvers=solver_names,
        categories=parse_categories(categories),
        questions_per_history=parse_positive_int("questions_per_history", questions_per_history, allow_none=True),
    )
    samples = first_histories(samples, parse_positive_int("histories", histories, allow_none=True))
    scorers = [answer_check(), *([longmemeval_judge(retries=int(judge_retries))] if judge else []),
               longmemeval_retrieval(), retrieval_metrics(), overflow()]
    return Task(
        dataset=MemoryDataset(samples, name=f"longmemeval:{Path(db).stem}"),
        solver=longmemeval_solvers(solvers=solver_names, k=k, unit=unit, key=key, time_aware=time_aware,
                                   key_cache=str(CACHE_DIR / "fact_keys"),
                                   max_context_tokens=parse_positive_int("max_context_tokens", max_context_tokens,
                                                                         allow_none=True),
                                   memory_cache=memory_cache, retriever=retriever),
        scorer=scorers,
        config=GenerateConfig(max_tokens=parse_positive_int("max_tokens", max_tokens), temperature=0.0),
        name="longmemeval",
    )
