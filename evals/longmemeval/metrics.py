"""LongMemEval's metrics: QA accuracy (overall, task-averaged, abstention) and retrieval at session and
turn level (LongMemEval's src/evaluation/print_qa_metrics.py and src/retrieval/eval_utils.py).

QA. Overall accuracy is over every judged question; task-averaged accuracy is the unweighted mean of the
per-type accuracies of the types present (imported abstention items count in their base type, as in
the original; generated abstention questions have no base type and form an `abstention` type);
abstention accuracy is over abstention items only. Each is reported for all samples and per solver.

Retrieval. LongMemEval ranks user turns or sessions; here the ranking is whatever the solver recorded
(`retrieved_units`, lists of message ids), turned into
- a SESSION ranking: the distinct conversations of the ranked units in rank order (for a turn or round
  ranking this is LongMemEval's conversion: strip the turn, grow k until k distinct sessions);
- a TURN ranking: the user turns of the ranked units in order (only for message and round units: a
  session unit has no turn order).
Gold turns are evidence messages spoken by the user; gold sessions are the conversations holding one.
Items are skipped (NaN) when they are abstention questions or have no evidence user turn; turn level also
skips imported questions whose evidence is session-level only (meta `longmemeval_session_level_evidence`).
recall_any@k, recall_all@k and ndcg_any@k come from memcurve.evals.scorers.retrieval.retrieval_scores (the same
LongMemEval DCG). Cut-offs deeper than the recorded ranking are NaN unless it covers the whole history.
"""

from __future__ import annotations

import functools
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer, value_to_float
from inspect_ai.solver import TaskState

from memcurve.evals.history import History, load_history
from memcurve.evals.metrics import NO_METRICS
from memcurve.evals.scorers.retrieval import retrieval_scores
from memcurve.generators.store import open_store
from memcurve.evals.contract import SolverRecord

QUESTION_TYPES = ("single-session-user", "single-session-assistant", "single-session-preference",
                  "temporal-reasoning", "knowledge-update", "multi-session")
ABSTENTION = "abstention"
TYPE_BY_CATEGORY = {
    "user_facts": "single-session-user",
    "assistant_facts": "single-session-assistant",
    "preferences": "single-session-preference",
    "implicit_connections": "single-session-preference",
    "temporal": "temporal-reasoning",
    "changing_facts": "knowledge-update",
    "aggregation": "multi-session",
    "abstention": ABSTENTION,
    # LoCoMo's categories (imported), so LoCoMo runs through the same judge and metrics
    "single_hop": "single-session-user",
    "open_domain": "single-session-user",
    "multi_hop": "multi-session",
}
RETRIEVAL_KS = (1, 3, 5, 10)
LEVELS = ("session", "turn")


def is_abstention(metadata: dict) -> bool:
    """The abstention flag, category, answer kind or LongMemEval's `_abs` id suffix (any one suffices)."""
    return (bool(metadata.get("is_abstention")) or metadata.get("category") == ABSTENTION
            or metadata.get("answer_kind") == ABSTENTION or "_abs" in str(metadata.get("question_id") or ""))


def question_type(metadata: dict) -> str:
    """The LongMemEval type of a sample: its own question_type when imported, else mapped from its category."""
    own = metadata.get("question_type")
    if own in QUESTION_TYPES:
        return own
    return TYPE_BY_CATEGORY.get(metadata.get("category") or "", "single-session-user")


# --- QA accuracy -------------------------------------------------------------------------------------

def qa_summary(rows: Iterable[tuple[str, bool, float]]) -> dict[str, float]:
    """rows of (question type, is abstention, correct 0/1; NaN = unscored) -> overall, task_averaged,
    abstention (when any abstention item was scored) and type/<type> accuracies."""
    by_type: dict[str, list[float]] = defaultdict(list)
    abstention: list[float] = []
    every: list[float] = []
    for qtype, abstains, value in rows:
        if value is None or math.isnan(value):
            continue
        by_type[qtype].append(value)
        every.append(value)
        if abstains:
            abstention.append(value)
    if not every:
        return {}
    per_type = {t: sum(v) / len(v) for t, v in sorted(by_type.items())}
    out = {"overall": sum(every) / len(every), "task_averaged": sum(per_type.values()) / len(per_type)}
    if abstention:
        out["abstention"] = sum(abstention) / len(abstention)
    out.update({f"type/{t}": acc for t, acc in per_type.items()})
    return out


@metric
def longmemeval_accuracy() -> Metric:
    """qa_summary over all samples, then again per solver (keys `solver/<name>/overall`, ...)."""
    to_float = value_to_float()

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        rows: dict[str | None, list[tuple[str, bool, float]]] = defaultdict(list)
        for s in scores:
            md = s.sample_metadata or {}
            row = (question_type(md), is_abstention(md), float(to_float(s.score.value)))
            rows[None].append(row)
            rows[md.get("solver")].append(row)
        out = dict(qa_summary(rows.pop(None, [])))
        for solver, solver_rows in sorted(rows.items(), key=lambda kv: str(kv[0])):
            if solver is not None:
                out.update({f"solver/{solver}/{k}": v for k, v in qa_summary(solver_rows).items()})
        return out

    return compute


# --- retrieval ---------------------------------------------------------------------------------------

def session_ranking(units: Sequence[Sequence[str]], history: History) -> list[str]:
    """Distinct conversation ids of the ranked units, in rank order (turn-to-session conversion)."""
    seen: dict[str, None] = {}
    for unit in units:
        for mid in unit:
            seen.setdefault(history.message_index[mid].conversation_id, None)
    return list(seen)


def turn_ranking(units: Sequence[Sequence[str]], history: History) -> list[str]:
    """User-turn ids of the ranked units in rank order (a unit holds at most one user turn for round/message)."""
    return [mid for unit in units for mid in unit if history.message_index[mid].speaker == "user"]


def level_scores(ranking: list[str], gold: set[str], ks: Sequence[int], complete: bool, level: str) -> dict[str, float]:
    """recall_any/recall_all/ndcg_any@k of one id ranking, keys prefixed by level; NaN beyond a partial ranking."""
    values = retrieval_scores(ranking, sorted(gold), ks, relevant_units=len(gold),
                              depth=None if complete else len(ranking))
    return {f"{level}_{name.replace('ndcg@', 'ndcg_any@')}": v for name, v in values.items()}


def retrieval_keys(ks: Sequence[int] = RETRIEVAL_KS) -> list[str]:
    return [f"{level}_{name}@{k}" for level in LEVELS for k in ks
            for name in ("recall_any", "recall_all", "ndcg_any")]


@functools.lru_cache(maxsize=32)
def session_level_only(db: str) -> frozenset[str]:
    """Imported LongMemEval questions whose evidence stands in at session level (no has_answer turn)."""
    con = open_store(db, read_only=True)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'longmemeval_session_level_evidence'").fetchone()
    finally:
        con.close()
    return frozenset(json.loads(row[0])) if row else frozenset()


def sample_retrieval(units: Sequence[Sequence[str]], history: History, evidence_ids: Sequence[str],
                     ks: Sequence[int], *, complete: bool, unit: str | None, session_level_only: bool = False
                     ) -> tuple[dict[str, float], str]:
    """Session- and turn-level metrics of one recorded ranking (NaN where LongMemEval skips)."""
    out = {key: math.nan for key in retrieval_keys(ks)}
    gold_turns = {m for m in evidence_ids if m in history.message_index and history.message_index[m].speaker == "user"}
    if not gold_turns:
        return out, "no evidence user turn: skipped (as LongMemEval does)"
    gold_sessions = {history.message_index[m].conversation_id for m in gold_turns}
    sessions = session_ranking(units, history)
    out.update(level_scores(sessions, gold_sessions, ks, complete, "session"))
    why = "session level"
    if unit in ("message", "round") and not session_level_only:
        out.update(level_scores(turn_ranking(units, history), gold_turns, ks, complete, "turn"))
        why += " and turn level"
    return out, why


@scorer(metrics=NO_METRICS)  # per sample; the panel keeps the judge's official accuracy (evals.metrics)
def longmemeval_retrieval(ks: Sequence[int] = RETRIEVAL_KS) -> Scorer:
    """LongMemEval's retrieval metrics at session and turn level from the solver's recorded ranking."""
    ks = tuple(int(k) for k in ks)

    async def score(state: TaskState, target: Target) -> Score:
        md, record = state.metadata or {}, SolverRecord.read(state.store)
        ranking = record.retrieved_units if record else None
        nan = {key: math.nan for key in retrieval_keys(ks)}
        if ranking is None:
            return Score(value=nan, explanation="no ranking: the solver does not select context")
        if is_abstention(md):
            return Score(value=nan, explanation="abstention question: skipped")
        history = load_history(md["db"], md["history_id"])
        units = [[u] if isinstance(u, str) else list(u) for u in ranking]
        complete = record.k is None or len(units) < record.k
        skip_turns = md.get("question_id") in session_level_only(md["db"])
        values, why = sample_retrieval(units, history, md.get("evidence_ids") or [], ks, complete=complete,
                                       unit=record.unit, session_level_only=skip_turns)
        return Score(value=values, explanation=why)

    return score
