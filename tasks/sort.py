"""Sequence-order recall (SORT): given two segments of a text, which came first?

  inspect eval tasks/sort.py -T text=book.txt
  inspect eval tasks/sort.py -T data=bench.duckdb -T history_sizes=50 -T history_limit=3
  inspect eval tasks/sort.py -T text=book.txt -T conditions=in_context,no_context,rag -T excerpt_lengths=250,1000

Options: excerpt_lengths (words; default 250,1000,2500; lengths longer than the text are dropped),
segment_lengths (default 20,50), excerpts (per excerpt and segment length; default 10, Book-SORT uses 110),
seed, conditions (in_context, no_context, rag), chunk_words and rag_top_k (rag), answer_mode (auto: compare
A/B log-probabilities for gguf/ models, parse the reply otherwise; or logprobs / generate), max_tokens.
"""

from inspect_ai import Task, task

from memcurve.evals.sort.dataset import as_list, sort_samples
from memcurve.evals.sort.scorer import sort_scorer
from memcurve.evals.sort.solvers import sort_solver
from memcurve.evals.sort.sources import store_sources, text_source
from memcurve.errors import ConfigError


@task
def sort(
    text: str | None = None,
    data: str | None = None,
    history_sizes=None,
    history_limit: int | None = None,
    excerpt_lengths=(250, 1000, 2500),
    segment_lengths=(20, 50),
    excerpts: int = 10,
    seed: int = 0,
    conditions=("in_context", "no_context"),
    chunk_words: int = 100,
    rag_top_k: int = 2,
    answer_mode: str = "auto",
    max_tokens: int = 16,
) -> Task:
    if (text is None) == (data is None):
        raise ConfigError("text/data: give exactly one source: -T text=book.txt or -T data=bench.duckdb")
    if text is not None:
        texts = [text_source(text)]
    else:
        texts = store_sources(data, history_sizes=as_list(history_sizes, "history_sizes"),
                              history_limit=history_limit)
    samples = sort_samples(
        texts,
        excerpt_lengths=as_list(excerpt_lengths, "excerpt_lengths"),
        segment_lengths=as_list(segment_lengths, "segment_lengths"),
        excerpts=int(excerpts),
        seed=int(seed),
        conditions=as_list(conditions, "conditions", str),
    )
    return Task(
        dataset=samples,
        solver=sort_solver(texts, answer_mode=answer_mode, chunk_words=int(chunk_words),
                           rag_top_k=int(rag_top_k), max_tokens=int(max_tokens)),
        scorer=sort_scorer(),
        metadata={"source": [t.source for t in texts], "seed": int(seed)},
    )
