"""Retrieval metrics against the question's evidence messages: recall_any@k, recall_all@k, ndcg@k.

A solver that selects context records its ranking in the sample store ("retrieved_units": a ranked list
of units, each a list of message ids). A unit is relevant if it holds at least one evidence message.

- recall_any@k: 1 if any of the top k units is relevant (LongMemEval's recall_any).
- recall_all@k: 1 if the top k units together hold every evidence message (LongMemEval's recall_all).
- ndcg@k: LongMemEval's ndcg_any (src/retrieval/eval_utils.py), binary relevance with the original
  Jarvelin-Kekalainen discount: DCG@k = rel_1 + sum_{i=2..k} rel_i / log2(i), so ranks 1 and 2 weigh
  the same (1), rank 3 weighs 1/log2(3) = 0.631, rank 4 weighs 0.5. The ideal DCG puts min(R, k)
  relevant units first, R = relevant units in the whole history. Numbers are thus comparable with
  LongMemEval's published ndcg_any (the modern 1/log2(i+1) discount would give lower values).

R is exact when the solver records how many units hold evidence (SolverRecord.relevant_units), or when
the recorded ranking holds every evidence message. Otherwise the evidence messages missing from the
ranking are counted as extra relevant units (one per conversation for unit "conversation", one per
message otherwise): an upper bound on R, so ndcg errs low, never high. Conversations are read from the
sample contract (each ranked unit's conversation, each evidence message's conversation), never parsed
out of message ids, so generated ids and imported ones (LoCoMo's `conv-26:D5:2`) score alike.

Depth: a solver that keeps its top k (store "k") and records exactly k units has not measured ranks
beyond k, so metrics at larger cut-offs are NaN rather than silently equal to @k (record a deeper
ranking to get them). A ranking shorter than the solver's k holds every unit of the history: complete.

Samples without a ranking (full_context, no_context), abstention questions and questions without
evidence get NaN on every key: excluded from the means, not counted as 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from memcurve.evals.contract import SampleMeta, SolverRecord
from memcurve.evals.metrics import NO_METRICS

DEFAULT_KS = (1, 3, 5, 10)


def metric_keys(ks: Sequence[int] = DEFAULT_KS) -> list[str]:
    return [f"{name}@{k}" for k in ks for name in ("recall_any", "recall_all", "ndcg")]


def dcg(relevances: Sequence[float]) -> float:
    """LongMemEval's DCG: rel_1 + sum_{i>=2} rel_i / log2(i) (positions 1-based)."""
    return sum(rel if i == 1 else rel / math.log2(i) for i, rel in enumerate(relevances, start=1))


def relevant_unit_count(ranking: list[list[str]], evidence: set[str], unit: str | None,
                        conversation_of: Mapping[str, str] | None = None) -> int:
    """R: units in the history that hold evidence (exact if the ranking covers all evidence, else an upper bound).

    conversation_of: message id -> conversation id for the ranked and the evidence messages (unit
    "conversation"); a message it lacks counts as a conversation of its own (the upper bound).
    """
    relevant_ranked = sum(1 for u in ranking if evidence & set(u))
    missing = evidence - {m for u in ranking for m in u}
    if unit == "conversation":
        of = conversation_of or {}
        ranked_convs = {of.get(m, m) for u in ranking for m in u}
        missing_units = {of.get(m, m) for m in missing} - ranked_convs
        return relevant_ranked + len(missing_units)
    return relevant_ranked + len(missing)


def as_units(ranking: Sequence[Sequence[str] | str]) -> list[list[str]]:
    """Each unit as a list of message ids (a bare id is a one-message unit)."""
    return [[u] if isinstance(u, str) else list(u) for u in ranking]


def retrieval_scores(ranking: Sequence[Sequence[str] | str], evidence_ids: Sequence[str],
                     ks: Sequence[int] = DEFAULT_KS, unit: str | None = None,
                     relevant_units: int | None = None, depth: int | None = None,
                     conversation_of: Mapping[str, str] | None = None) -> dict[str, float]:
    """recall_any@k, recall_all@k and ndcg@k of one ranking (see module docstring).

    depth: how deep the ranking was measured (None = complete); cut-offs beyond it are NaN.
    conversation_of: message id -> conversation id (see relevant_unit_count).
    """
    units = as_units(ranking)
    evidence = set(evidence_ids)
    rels = [1.0 if evidence & set(u) else 0.0 for u in units]
    total_relevant = relevant_units if relevant_units else relevant_unit_count(units, evidence, unit, conversation_of)
    out: dict[str, float] = {}
    for k in ks:
        if depth is not None and k > depth:
            out.update({f"recall_any@{k}": math.nan, f"recall_all@{k}": math.nan, f"ndcg@{k}": math.nan})
            continue
        top = units[:k]
        covered = {m for u in top for m in u}
        out[f"recall_any@{k}"] = float(any(rels[:k]))
        out[f"recall_all@{k}"] = float(evidence <= covered)
        ideal = dcg([1.0] * min(total_relevant, k))
        out[f"ndcg@{k}"] = dcg(rels[:k]) / ideal if ideal else 0.0
    return out


def conversation_map(meta: SampleMeta, record: SolverRecord) -> dict[str, str]:
    """message id -> conversation id for the ranked messages and the evidence, from the sample contract."""
    out = meta.evidence_conversations()
    for unit, conversation in zip(record.retrieved_units or [], record.retrieved_conversations or []):
        out.update({message_id: conversation for message_id in unit})
    return out


@scorer(metrics=NO_METRICS)  # per sample; recall and ndcg per solver in memcurve report
def retrieval_metrics(ks: Sequence[int] = DEFAULT_KS) -> Scorer:
    """Score the recorded ranking against the evidence; NaN where retrieval does not apply."""
    ks = tuple(int(k) for k in ks)

    async def score(state: TaskState, target: Target) -> Score:
        meta, record = state.metadata_as(SampleMeta), SolverRecord.read(state.store)
        ranking = record.retrieved_units if record else None
        evidence = meta.evidence_ids
        if ranking is None or meta.is_abstention or not evidence:
            why = ("no ranking: the solver does not select context" if ranking is None
                   else "abstention question: no evidence to retrieve" if meta.is_abstention
                   else "question without evidence messages")
            return Score(value={key: math.nan for key in metric_keys(ks)}, explanation=why)
        depth = len(ranking) if record.k is not None and len(ranking) >= record.k else None
        values = retrieval_scores(ranking, evidence, ks, unit=record.unit, relevant_units=record.relevant_units,
                                  depth=depth, conversation_of=conversation_map(meta, record))
        first = next((rank for rank, u in enumerate(as_units(ranking), 1) if set(evidence) & set(u)), None)
        why = f"first relevant unit at rank {first}" if first else "no relevant unit ranked"
        return Score(value=values, explanation=why, metadata={"first_relevant_rank": first, "ranked": len(ranking)})

    return score
