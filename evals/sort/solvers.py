"""SORT prompts for the three conditions, and the one generate call that answers them.

- in_context: the excerpt, then the two segments and the question (the model can read the order off).
- no_context: only the segments and the question: the chance check (Book-SORT's models score 0.50-0.53).
- rag: passages retrieved from a BM25 index over fixed-size chunks of the whole text, one query per
  segment, shown in text order; the retrieved chunk ids go to the sample store.

Answering follows Book-SORT. With the offline model ("gguf/...") the prompt ends with "Answer: Segment" and
we ask for one token with its top log-probabilities, so the scorer can compare P(A) and P(B); with an API
chat model we ask for just the letter and parse the reply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from inspect_ai.model import ChatMessageUser
from inspect_ai.solver import Generate, Solver, TaskState, solver

from memcurve.evals.retrieval.bm25 import BM25Index
from memcurve.evals.retrieval.units import Unit
from memcurve.evals.sort.construction import SortItem, excerpt_words
from memcurve.evals.sort.sources import SortText
from memcurve.errors import ConfigError

ANSWER_MODES = ("auto", "logprobs", "generate")
LOGPROB_ENDING = "\n\nAnswer: Segment"
GENERATE_ENDING = "\n\nReply with only the letter of your answer: A or B."
TOP_LOGPROBS = 20


def check_answer_mode(answer_mode: str) -> str:
    if answer_mode not in ANSWER_MODES:
        raise ConfigError(f"answer_mode: unknown {answer_mode!r}; valid values: {', '.join(ANSWER_MODES)}")
    return answer_mode


def wants_logprobs(model_name: str, answer_mode: str) -> bool:
    """Compare label likelihoods for the offline model (as Book-SORT does for open models), else parse text."""
    check_answer_mode(answer_mode)
    if answer_mode == "auto":
        return model_name.startswith("gguf/")
    return answer_mode == "logprobs"


def item_from_metadata(metadata: Mapping) -> SortItem:
    return SortItem(**{k: metadata[k] for k in SortItem.__dataclass_fields__})


def in_context_prompt(text: SortText, item: SortItem, question: str) -> str:
    excerpt = " ".join(excerpt_words(text.words, item))
    return f"Read this extract from {text.description} carefully.\n\n{excerpt}\n\n{question}"


def rag_prompt(text: SortText, passages: Sequence[str], question: str) -> str:
    shown = "\n\n".join(f"[Passage {i}] {p}" for i, p in enumerate(passages, start=1))
    return (f"Here are passages retrieved from {text.description}, shown in the order they appear in it.\n\n"
            f"{shown}\n\n{question}")


class ChunkIndex:
    """BM25 (evals.retrieval.bm25) over consecutive chunk_words-word chunks of a whole text.

    Chunk i holds words[i*C : (i+1)*C], so chunk ids are text order and a word's chunk is its index // C.
    """

    def __init__(self, text: SortText, chunk_words: int):
        self.text = text
        self.chunk_words = chunk_words
        words = text.words
        self.chunks = [" ".join(words[i: i + chunk_words]) for i in range(0, len(words), chunk_words)]
        self._bm25 = BM25Index([Unit((f"{text.source}#chunk{i}",), c) for i, c in enumerate(self.chunks)])

    def search(self, query: str, k: int) -> list[int]:
        """Ids of the k best chunks for the query, best first (equal scores: the earlier chunk)."""
        return [hit.index for hit in self._bm25.search(query, k)]

    def chunk_of(self, word_index: int) -> int:
        return word_index // self.chunk_words


def rag_context(index: ChunkIndex, item: SortItem, top_k: int) -> tuple[list[int], dict]:
    """Chunks retrieved for either segment, in text order, and what that retrieval found."""
    words = index.text.words
    starts = (item.excerpt_start + item.seg1_pos, item.excerpt_start + item.seg2_pos)
    found: list[int] = []
    hits = []
    for start in starts:
        query = " ".join(words[start: start + item.segment_length])
        ids = index.search(query, top_k)
        found.extend(ids)
        covering = range(index.chunk_of(start), index.chunk_of(start + item.segment_length - 1) + 1)
        hits.append(any(c in ids for c in covering))  # found: a chunk holding part of the segment came back
    chosen = sorted(set(found))
    return chosen, {"retrieved_chunks": chosen, "seg1_chunk_found": hits[0], "seg2_chunk_found": hits[1]}


@solver
def sort_solver(
    texts: Sequence[SortText],
    answer_mode: str = "auto",
    chunk_words: int = 100,
    rag_top_k: int = 2,
    max_tokens: int = 16,
) -> Solver:
    """Build the prompt for the sample's condition and generate one answer at temperature 0."""
    by_source = {t.source: t for t in texts}
    wants_logprobs("", answer_mode)  # reject an unknown answer_mode before any sample runs
    if chunk_words < 1 or rag_top_k < 1:
        raise ConfigError(f"chunk_words/rag_top_k: must be at least 1, got {chunk_words}/{rag_top_k}")
    indexes: dict[str, ChunkIndex] = {}

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        item = item_from_metadata(state.metadata)
        text = by_source[item.source]
        condition = state.metadata["condition"]
        question = state.input_text
        if condition == "in_context":
            prompt = in_context_prompt(text, item, question)
        elif condition == "rag":
            if text.source not in indexes:
                indexes[text.source] = ChunkIndex(text, chunk_words)
            index = indexes[text.source]
            chunk_ids, found = rag_context(index, item, rag_top_k)
            for key, value in found.items():
                state.store.set(key, value)
            prompt = rag_prompt(text, [index.chunks[i] for i in chunk_ids], question)
        else:
            prompt = question
        logprobs = wants_logprobs(str(state.model), answer_mode)
        state.store.set("answer_mode", "logprobs" if logprobs else "generate")
        state.messages = [ChatMessageUser(content=prompt + (LOGPROB_ENDING if logprobs else GENERATE_ENDING))]
        if logprobs:
            return await generate(state, max_tokens=1, temperature=0.0, logprobs=True, top_logprobs=TOP_LOGPROBS)
        return await generate(state, max_tokens=max_tokens, temperature=0.0)

    return solve

