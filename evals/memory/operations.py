"""Operation-level scores of a built memory against the planted facts (in the spirit of HaluMem).

The benchmark knows every planted fact (table `facts`: subject, slot, value, valid_from, superseded_by
and the message that planted it), so what a memory kept can be checked without a judge. Only facts
planted by a message of the history count. Text matching (`normal`): lower case, every run of
non-alphanumerics becomes one space; a value is FOUND in a text when its normal form, without a leading
"the / a / an / my", occurs there between word boundaries.

- extraction_recall: of the user's planted facts (subject "user") that are measurable, the fraction whose
  value is found in some memory text. Measurable = the value is found in its own planting message;
  coded values such as `no_heat` for "I can't handle spicy food" are left out (no string test could
  tell whether a memory captured them). Facts repeated with the same slot and value count once.
  Texts searched: derived items (extracted facts, the summary) plus the conversations a system shows
  verbatim (the recent window of `summary`, every conversation for `hybrid`, which is 1.0 by design).
- update_accuracy: for each changing-fact chain (facts linked by superseded_by) with at least two
  distinct values planted in the history: 1 if the latest value is found in the memory and no older
  value is still live, else 0; the mean over chains. An older value is "still live" when a derived item
  contains it without also containing the latest value (so "moved from X to Y" is fine). Verbatim
  conversations are not searched for old values: keeping raw history is not a failed update.
- hallucinated: the fraction of derived items that match no planted value AND are not supported by any
  single message: support = max over the history's messages of |T(item) & T(message)| / |T(item)|, with
  T the set of Snowball-stemmed content words (NLTK English stopwords, plus "user" and "assistant"),
  hallucinated when support < HALLUCINATION_SUPPORT (0.5). An item with no content word is hallucinated.
  NaN when the memory holds no derived item.
NaN wherever the denominator is zero.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import Stemmer

from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from memcurve.evals.contract import SampleMeta, SolverRecord
from memcurve.evals.history import History, load_history
from memcurve.evals.memo import HistoryMemo
from memcurve.evals.memory.cache import built_memory
from memcurve.evals.memory.protocol import MemoryItem
from memcurve.evals.metrics import NO_METRICS
from memcurve.evals.retrieval.bm25 import tokenize
from memcurve.generators.store import open_store

HALLUCINATION_SUPPORT = 0.5
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_LEADING = re.compile(r"^(the|a|an|my) ")
_EXTRA_STOPWORDS = {"user", "assistant"}


@dataclass(frozen=True)
class PlantedFact:
    fact_id: str
    subject: str
    slot: str
    value: str
    valid_from: str
    superseded_by: str | None
    message_id: str


def normal(text: str) -> str:
    return " ".join(_NON_ALNUM.sub(" ", text.lower()).split())


def value_form(value: str) -> str:
    return _LEADING.sub("", normal(value))


def found(value: str, text_normal: str) -> bool:
    form = value_form(value)
    return bool(form) and f" {form} " in f" {text_normal} "


def planted_facts(db: str, history: History) -> list[PlantedFact]:
    """Facts planted by messages of `history` (cached per file version and history)."""
    path = os.path.abspath(db)
    return list(_planted(path, os.stat(path).st_mtime_ns, history.history_id, tuple(history.message_index)))


@functools.lru_cache(maxsize=64)
def _planted(path: str, mtime_ns: int, history_id: str, message_ids: tuple[str, ...]) -> tuple[PlantedFact, ...]:
    con = open_store(path, read_only=True)
    try:
        rows = con.execute(
            "SELECT fact_id, subject, slot, value, CAST(valid_from AS VARCHAR), superseded_by, message_id "
            "FROM facts WHERE message_id IN (SELECT unnest(?)) ORDER BY valid_from, fact_id",
            [list(message_ids)]).fetchall()
    finally:
        con.close()
    return tuple(PlantedFact(*row) for row in rows)


def extraction_recall(facts: Iterable[PlantedFact], history: History, texts: list[str]) -> tuple[float, int, int]:
    """(recall, found, measurable) over distinct measurable user facts."""
    searched = [normal(t) for t in texts]
    seen: set[tuple[str, str]] = set()
    hits = total = 0
    for fact in facts:
        key = (fact.slot, value_form(fact.value))
        if fact.subject != "user" or key in seen:
            continue
        message = history.message_index.get(fact.message_id)
        if message is None or not found(fact.value, normal(message.text)):
            continue
        seen.add(key)
        total += 1
        hits += any(found(fact.value, t) for t in searched)
    return (hits / total if total else math.nan), hits, total


def changing_chains(facts: list[PlantedFact]) -> list[list[PlantedFact]]:
    """Chains of facts linked by superseded_by (within the history), oldest first, >= 2 distinct values."""
    by_id = {f.fact_id: f for f in facts}
    successors = {f.superseded_by for f in facts if f.superseded_by in by_id}
    chains = []
    for fact in facts:
        if fact.fact_id in successors or fact.superseded_by not in by_id:
            continue  # not the head of a chain inside this history
        chain = [fact]
        while chain[-1].superseded_by in by_id:
            chain.append(by_id[chain[-1].superseded_by])
        if len({value_form(f.value) for f in chain}) >= 2:
            chains.append(chain)
    return chains


def update_accuracy(facts: list[PlantedFact], verbatim: list[str], derived: list[str]) -> tuple[float, int]:
    """(accuracy, chains) over changing-fact chains planted in the history."""
    chains = changing_chains(facts)
    if not chains:
        return math.nan, 0
    derived_n = [normal(t) for t in derived]
    every_n = derived_n + [normal(t) for t in verbatim]
    right = 0
    for chain in chains:
        latest = chain[-1].value
        old = [f.value for f in chain[:-1] if value_form(f.value) != value_form(latest)]
        has_latest = any(found(latest, t) for t in every_n)
        stale = any(found(v, t) and not found(latest, t) for v in old for t in derived_n)
        right += has_latest and not stale
    return right / len(chains), len(chains)


class _Tokens:
    """Stemmed content words (the BM25 tokenizer's settings, so support and retrieval agree)."""

    def __init__(self):
        self.stemmer = Stemmer.Stemmer("english")

    def __call__(self, texts: list[str]) -> list[set[str]]:
        if not texts:
            return []
        return [set(t) - _EXTRA_STOPWORDS for t in tokenize(texts, self.stemmer)]


def hallucinated(items: list[MemoryItem], facts: list[PlantedFact], history: History,
                 threshold: float = HALLUCINATION_SUPPORT) -> tuple[float, int, int]:
    """(fraction, hallucinated, derived) of derived items; see the module docstring."""
    derived = [i.text for i in items if i.derived]
    if not derived:
        return math.nan, 0, 0
    tokenize = _Tokens()
    message_tokens = [t for t in tokenize([m.text for m in history.messages]) if t]
    bad = 0
    for text, tokens in zip(derived, tokenize(derived)):
        text_n = normal(text)
        if any(found(f.value, text_n) for f in facts):
            continue
        support = max((len(tokens & m) / len(tokens) for m in message_tokens), default=0.0) if tokens else 0.0
        bad += support < threshold
    return bad / len(derived), bad, len(derived)


def score_memory(system: Any, db: str, history: History) -> dict[str, Any]:
    """Every operation-level score of a built memory over `history` of benchmark `db`."""
    facts = planted_facts(db, history)
    items = system.items()
    derived = [i.text for i in items if i.derived]
    verbatim_ids = set(getattr(system, "verbatim_conversations", lambda: [])())
    verbatim = [m.text for c in history.conversations if c.conversation_id in verbatim_ids for m in c.messages]
    recall, hits, measurable = extraction_recall(facts, history, derived + verbatim)
    accuracy, chains = update_accuracy(facts, verbatim, derived)
    rate, bad, count = hallucinated(items, facts, history)
    return {"extraction_recall": recall, "facts_found": hits, "facts_measurable": measurable,
            "update_accuracy": accuracy, "changing_chains": chains,
            "hallucinated": rate, "hallucinated_items": bad, "derived_items": count}


# --- the scorer ---------------------------------------------------------------------------------------

SCORE_KEYS = ("extraction_recall", "update_accuracy", "hallucinated", "memory_items", "ingest_tokens",
              "ingest_tokens_per_conversation", "ops_add", "ops_update", "ops_delete", "ops_none", "ops_failed")
_scores: HistoryMemo[dict[str, Any]] = HistoryMemo()  # per (history, memory key): scored once per history


@scorer(metrics=NO_METRICS)  # per sample; memcurve report has the memory section
def memory_operations() -> Scorer:
    """Operation-level scores of the memory a `memory` solver built (NaN on samples of other solvers).

    The scorer finds the built memory by the recorded memory_key and scores it against the planted
    facts itself (once per history). Means per key, by solver, by size and by solver x size; scores are
    per history, so a history's value is weighted by its number of questions.
    """

    async def score(state: TaskState, target: Target) -> Score:
        record = SolverRecord.read(state.store)
        if record is None or record.memory_system is None:
            return Score(value={k: math.nan for k in SCORE_KEYS}, explanation="not a memory solver")
        built = built_memory(record.memory_key or "")
        if built is None:
            return Score(value={k: math.nan for k in SCORE_KEYS},
                         explanation=f"{record.memory_system}: the built memory is not in this process (rescored?)")
        meta = state.metadata_as(SampleMeta)
        history = load_history(meta.db, meta.history_id)
        scores = _scores.get(history, built.key, lambda: score_memory(built.system, history.db, history))
        ops = record.memory_ops or {}
        value = {
            "extraction_recall": scores["extraction_recall"], "update_accuracy": scores["update_accuracy"],
            "hallucinated": scores["hallucinated"], "memory_items": record.memory_items,
            "ingest_tokens": record.ingest_tokens,
            "ingest_tokens_per_conversation": record.ingest_tokens_per_conversation,
            **{f"ops_{op.lower()}": ops.get(op, 0) for op in ("ADD", "UPDATE", "DELETE", "NONE", "failed")},
        }
        value = {k: math.nan if v is None else float(v) for k, v in value.items()}
        counts = {k: scores[k] for k in ("facts_found", "facts_measurable", "changing_chains", "hallucinated_items",
                                          "derived_items")}
        return Score(value=value, metadata=counts,
                     explanation=f"{record.memory_system}: {value['memory_items']:.0f} items, ops {ops}, "
                                 f"source {record.memory_source}")

    return score
