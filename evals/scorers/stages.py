"""stage_attribution: for every wrong answer, the stage that lost it (memcurve.evals.attribution).

Score keys stage_extraction, stage_update, stage_retrieval, stage_truncation, stage_reader and
stage_unattributed are 1/0 indicators on wrong answers and NaN elsewhere (right answers, rubric
answers the deterministic check cannot decide, overflowed prompts, no_context), so their means per
solver, category and size are the shares of the misses lost at each stage. The verdict is the
deterministic answer check's, so a miss here is exactly a miss there.

What each solver showed comes from the sample store (context_message_ids, retrieved_units, and for
memory solvers memory_texts / memory_verbatim_conversations) and from the prompt's history part; the
evidence texts and the stale values of the question's slot come from the benchmark file.
"""

from __future__ import annotations

import functools
import math
import os

from inspect_ai.model import ChatMessageUser
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from memcurve.evals.attribution import STAGES, Attribution, attribute_context, attribute_memory
from memcurve.evals.history import load_history
from memcurve.evals.metrics import NO_METRICS
from memcurve.evals.scorers.answer_check import check_answer, gold_answers, is_rubric, overflowed
from memcurve.generators.store import open_store

SCORE_KEYS: tuple[str, ...] = tuple(f"stage_{s}" for s in (*STAGES, "unattributed"))
CANDIDATES_ALL = ("full_context", "oracle")  # every history message is a candidate; only the budget cuts


def _nan(why: str) -> Score:
    return Score(value={k: math.nan for k in SCORE_KEYS}, explanation=why)


def history_part(state: TaskState) -> str:
    """The text shown before the question (the first part of the answer prompt's user message)."""
    for message in state.messages:
        if isinstance(message, ChatMessageUser):
            if isinstance(message.content, list) and len(message.content) > 1:
                return getattr(message.content[0], "text", "")
            return ""
    return ""


@functools.lru_cache(maxsize=64)
def _slot_values(path: str, mtime_ns: int) -> dict[str, tuple[str | None, dict[str, list[tuple[str, str]]]]]:
    """question_id -> (persona, {slot: [(value, planting message)]}) for the question's slot."""
    con = open_store(path, read_only=True)
    try:
        questions = con.execute("SELECT question_id, persona_id, slot FROM questions").fetchall()
        facts = con.execute("SELECT persona_id, slot, value, message_id FROM facts ORDER BY valid_from, fact_id").fetchall()
    finally:
        con.close()
    by_slot: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for persona, slot, value, message in facts:
        by_slot.setdefault((persona, slot), []).append((value, message))
    return {qid: (slot, {slot: by_slot.get((persona, slot), [])} if slot else {}) for qid, persona, slot in questions}


def stale_values(db: str, question_id: str, gold: list[str], history_messages: set[str]) -> list[str]:
    """Other values planted for the question's slot by messages of this history (oldest first)."""
    path = os.path.abspath(db)
    slot, facts = _slot_values(path, os.stat(path).st_mtime_ns).get(question_id, (None, {}))
    gold_n = {g.strip().lower() for g in gold}
    values = [v for v, m in facts.get(slot, []) if m in history_messages and v.strip().lower() not in gold_n]
    return list(dict.fromkeys(values))


def attribute(state: TaskState, gold: list[str]) -> Attribution:
    md, store = state.metadata, state.store
    solver = store.get("solver") or md.get("solver") or ""
    evidence = list(md.get("evidence_ids") or [])
    context_ids = store.get("context_message_ids") or []
    if md.get("is_abstention"):
        return Attribution("reader", "answered a question the history cannot answer")
    if not solver.startswith("memory:"):
        ranked = None if solver in CANDIDATES_ALL else [m for unit in store.get("retrieved_units") or [] for m in unit]
        return attribute_context(evidence, context_ids, ranked)
    history = load_history(md["db"], md["history_id"])
    verbatim = set(store.get("memory_verbatim_conversations") or [])
    kept_texts = [m.text for c in history.conversations if c.conversation_id in verbatim for m in c.messages]
    kept_ids = [m.message_id for c in history.conversations if c.conversation_id in verbatim for m in c.messages]
    return attribute_memory(
        gold, stale_values(md["db"], md["question_id"], gold, set(history.message_index)),
        evidence=evidence, evidence_texts=[history.message_index[m].text for m in evidence if m in history.message_index],
        memory_texts=[*(store.get("memory_texts") or []), *kept_texts], context_text=history_part(state),
        context_ids=context_ids, verbatim_ids=kept_ids, derived_texts=store.get("memory_texts") or [])


@scorer(metrics=NO_METRICS)  # per sample; memcurve report has the section per solver, category and size
def stage_attribution() -> Scorer:
    """The stage of every wrong answer (see the module docstring)."""

    async def score(state: TaskState, target: Target) -> Score:
        md = state.metadata or {}
        solver = state.store.get("solver") or md.get("solver") or ""
        if solver == "no_context":
            return _nan("no_context shows nothing: no stage")
        if overflowed(state) or is_rubric(md):
            return _nan("not decided by the deterministic check")
        gold = gold_answers(state, target)
        check = check_answer(state.output.completion if state.output else "", gold,
                             answer_kind=md.get("answer_kind", "text"), is_abstention=bool(md.get("is_abstention")))
        if check.correct is not False:
            return _nan("right answer")
        found = attribute(state, gold)
        key = f"stage_{found.stage or 'unattributed'}"
        return Score(value={k: float(k == key) for k in SCORE_KEYS}, explanation=f"{found.stage}: {found.why}",
                     metadata={"stage": found.stage})

    return score
