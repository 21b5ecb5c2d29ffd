"""Stage attribution: which stage lost a wrong answer, from the planted facts and the evidence ids.

memcurve planted every fact itself, so a miss can be traced without a judge:

Memory systems (a `memory:*` solver), with `gold` the question's answer and aliases and `stale` the
other values planted for the same slot (the history of a changing fact):
- extraction: the gold value is in no memory item and no conversation the system keeps verbatim;
- update:     the gold value is not in memory, but a stale value of its slot is (entered, never updated);
              or the gold value is in memory but not in the context, and what the context showed instead
              is a model-written item that still asserts a stale value (kept live beside the new one: the
              update never retired it);
- retrieval:  the gold value is in memory but not in the context shown to the answering model (and no
              live stale item took its place);
- reader:     the gold value was in the context and the answer is still wrong.
The value test is `memcurve.evals.memory.operations.found` (normalised text, word boundaries). It
applies only when the gold value appears in one of the question's evidence messages (else no string
test could tell whether a memory holds it); then, for a system that keeps conversations verbatim, the
evidence ids decide (reader if every evidence message is in the context, retrieval if they are all in
kept conversations), and otherwise the miss is left unattributed.

Context solvers (full_context, rag, oracle), by evidence ids:
- reader:     every evidence message was in the context;
- truncation: a missing evidence message was a candidate (the whole history for full_context and
              oracle; the ranked units for rag) and the token budget cut it;
- retrieval:  a missing evidence message was never ranked (rag only).
Abstention questions have no evidence: a wrong reply there (an invented answer) is the reader's.

Why a changing fact rarely lands in "update" by the first rule alone: the generated change messages name
both values ("I just traded the Opel Corsa for a Mazda CX-5"), so any memory that captured the latest
change holds the gold value; a stale-only memory needs a system that lost the latest change entirely.
The second rule catches the common mem0-style failure: both values kept as live facts, the stale one served.
no_context shows nothing, so it has no stage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from memcurve.evals.memory.operations import found, normal

STAGES: tuple[str, ...] = ("extraction", "update", "retrieval", "truncation", "reader")
MEMORY_STAGES = ("extraction", "update", "retrieval", "reader")
CONTEXT_STAGES = ("retrieval", "truncation", "reader")


@dataclass(frozen=True)
class Attribution:
    stage: str | None  # one of STAGES; None = cannot be attributed
    why: str


def _any_found(values: Iterable[str], texts: Sequence[str]) -> str | None:
    for value in values:
        if any(found(value, text) for text in texts):
            return value
    return None


def value_checkable(gold: Sequence[str], evidence_texts: Sequence[str]) -> bool:
    """The gold value is written in some evidence message, so a text search can look for it in a memory."""
    return _any_found(gold, [normal(t) for t in evidence_texts]) is not None


def attribute_context(evidence: Sequence[str], context_ids: Iterable[str],
                      ranked_ids: Iterable[str] | None) -> Attribution:
    """A wrong answer of a context solver; ranked_ids None = every history message was a candidate."""
    shown = set(context_ids)
    missing = [m for m in evidence if m not in shown]
    if not missing:
        return Attribution("reader", "every evidence message was in the context")
    if ranked_ids is None:
        return Attribution("truncation", f"{len(missing)} evidence message(s) cut by the token budget")
    ranked = set(ranked_ids)
    unranked = [m for m in missing if m not in ranked]
    if unranked:
        return Attribution("retrieval", f"{len(unranked)} evidence message(s) not retrieved")
    return Attribution("truncation", f"{len(missing)} retrieved evidence message(s) cut by the token budget")


def live_stale_shown(gold: Sequence[str], stale: Sequence[str], derived_texts: Sequence[str],
                     context_normal: str) -> str | None:
    """A stale value asserted by a model-written item (one without the gold value) that the context shows."""
    for item in map(normal, derived_texts):
        if item and f" {item} " in f" {context_normal} " and _any_found(gold, [item]) is None:
            if (value := _any_found(stale, [item])) is not None:
                return value
    return None


def attribute_memory(gold: Sequence[str], stale: Sequence[str], *, evidence: Sequence[str],
                     evidence_texts: Sequence[str], memory_texts: Sequence[str], context_text: str,
                     context_ids: Iterable[str] = (), verbatim_ids: Iterable[str] = (),
                     derived_texts: Sequence[str] = ()) -> Attribution:
    """A wrong answer of a memory system (see the module docstring); derived_texts are the model-written
    items among memory_texts (the rest is kept verbatim)."""
    if value_checkable(gold, evidence_texts):
        context = normal(context_text)
        if (value := _any_found(gold, [context])) is not None:
            return Attribution("reader", f"{value!r} was in the context")
        memory = [normal(t) for t in memory_texts]
        if (value := _any_found(gold, memory)) is not None:
            if (old := live_stale_shown(gold, stale, derived_texts, context)) is not None:
                return Attribution("update", f"{value!r} is in memory, but a live item still saying {old!r} was shown")
            return Attribution("retrieval", f"{value!r} is in memory but not in the context")
        if (value := _any_found(stale, memory)) is not None:
            return Attribution("update", f"memory holds the stale value {value!r}, not the current one")
        return Attribution("extraction", "the value never entered memory")
    shown, kept = set(context_ids), set(verbatim_ids)
    if evidence and all(m in shown for m in evidence):
        return Attribution("reader", "every evidence message was in the context")
    if evidence and all(m in kept or m in shown for m in evidence):
        return Attribution("retrieval", "evidence kept verbatim but not shown")
    return Attribution(None, "the answer is not a value in the evidence text: no string test applies")
