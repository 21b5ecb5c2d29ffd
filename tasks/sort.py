"""Sequence-order recall (SORT): given two segments of a text, which came first?

  inspect eval memcurve/sort -T text=book.txt      # paths resolve against your working directory
  inspect eval tasks/sort.py -T data=bench.duckdb -T history_sizes=50 -T history_limit=3
  inspect eval tasks/sort.py -T text=book.txt -T conditions=in_context,no_context,rag -T excerpt_lengths=250,1000

Excerpt lengths longer than the text are dropped; Book-SORT (Pink et al. 2024) uses 110 excerpts per
length. The -T options, with their defaults, are listed at the end of this docstring (made from the
SortOptions declaration below).
"""

from dataclasses import dataclass
from typing import Any

from inspect_ai import Task, task

from memcurve.errors import ConfigError
from memcurve.evals.models import offline_default
from memcurve.paths import resolve_user_path
from memcurve.evals.parsers import as_list
from memcurve.evals.sort.dataset import CONDITIONS, check_conditions, sort_samples
from memcurve.evals.sort.scorer import sort_scorer
from memcurve.evals.sort.solvers import ANSWER_MODES, check_answer_mode, sort_solver
from memcurve.evals.sort.sources import store_sources, text_source
from memcurve.evals.task_options import (
    boolean,
    documented,
    integer,
    option,
    optional_text,
    options_help,
    parse_options,
    task_errors,
    whole,
    whole_list,
)
from memcurve.evals.summary import enable_terminal_summary


def _optional_sizes(name: str, value: Any) -> tuple[int, ...] | None:
    return None if value is None else whole_list(1)(name, value)


@dataclass(frozen=True)
class SortOptions:
    text: str | None = option(optional_text, "a UTF-8 plain-text file (give text or data)")
    data: str | None = option(optional_text, "a benchmark .duckdb whose histories are the texts")
    gutenberg: bool = option(boolean, "text: drop a Project Gutenberg header and licence (outside the START "
                                      "and END markers); false keeps the file as is")
    history_sizes: tuple[int, ...] | None = option(_optional_sizes, "data: only histories of these sizes")
    history_limit: int | None = option(whole(allow_none=True), "data: the first N histories")
    excerpt_lengths: tuple[int, ...] = option(whole_list(1), "excerpt lengths in words")
    segment_lengths: tuple[int, ...] = option(whole_list(1), "segment lengths in words")
    excerpts: int = option(whole(1), "excerpts per excerpt and segment length")
    seed: int = option(integer, "seed of the excerpt and segment draw")
    conditions: tuple[str, ...] = option(lambda name, value: tuple(check_conditions(as_list(value))),
                                         f"any of {', '.join(CONDITIONS)}")
    chunk_words: int = option(whole(1), "rag: words per retrieved chunk")
    rag_top_k: int = option(whole(1), "rag: chunks retrieved")
    answer_mode: str = option(lambda name, value: check_answer_mode(value),
                              f"{' | '.join(ANSWER_MODES)} (auto: A/B log-probabilities for gguf/ models, "
                              f"else parse the reply)")
    max_tokens: int = option(whole(1), "reply length")

    def __post_init__(self) -> None:
        if (self.text is None) == (self.data is None):
            raise ConfigError("text/data: give exactly one source: -T text=book.txt or -T data=bench.duckdb")


@task
@task_errors
@documented(SortOptions, "Sequence-order recall (SORT): given two segments of a text, which came first?")
def sort(
    text: str | None = None,
    data: str | None = None,
    gutenberg: bool = True,
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
    **unknown: Any,
) -> Task:
    o = parse_options(SortOptions, locals(), unknown)
    if o.text is not None:
        texts = [text_source(resolve_user_path(o.text), gutenberg=o.gutenberg)]
    else:
        texts = store_sources(resolve_user_path(o.data), history_sizes=o.history_sizes, history_limit=o.history_limit)
    samples = sort_samples(texts, excerpt_lengths=o.excerpt_lengths, segment_lengths=o.segment_lengths,
                           excerpts=o.excerpts, seed=o.seed, conditions=o.conditions)
    enable_terminal_summary()
    return Task(
        model=offline_default(),  # the offline model when no model is named (no .env here)
        dataset=samples,
        solver=sort_solver(texts, answer_mode=o.answer_mode, chunk_words=o.chunk_words, rag_top_k=o.rag_top_k,
                           max_tokens=o.max_tokens),
        scorer=sort_scorer(),
        metadata={"source": [t.source for t in texts], "seed": o.seed},
    )


__doc__ += "\n" + options_help(SortOptions, sort)
