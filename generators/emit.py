"""Row emission: the generator's rows of one persona, appended to a generators.rows.RowBuffer (the one row
writer of generator and importers, typed by generators.schema).
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import timedelta

from memcurve.generators.overlap import frozen_content_words, overlap_level, overlaps
from memcurve.generators.planting import temporal as temporal_planter
from memcurve.generators.temporal import compute
from memcurve.generators.timeline import DAY, EPOCH, MINUTE
from memcurve.generators.tokens import cached_tokens, clear_token_cache

_WORDS: dict[str, frozenset[str]] = {}  # content words by text, cleared after each persona (memory stays bounded)


def clear_caches() -> None:
    clear_token_cache()
    _WORDS.clear()


def text_words(text: str) -> frozenset[str]:
    """Content words of a message text (cached like its tokens)."""
    found = _WORDS.get(text)
    if found is None:
        found = _WORDS[text] = frozen_content_words(text)
    return found


def text_tokens(text: str) -> int:
    """Tokens of a message text (cached: evidence conversations reuse their filler's texts)."""
    return cached_tokens(text)


def draft_tokens(draft) -> int:
    return sum(text_tokens(text) for _, text, _ in draft.turns)


class Ids:
    """Fact ids of one persona, numbered in emission order."""

    def __init__(self, pid: str) -> None:
        self.pid = pid
        self.facts = 0

    def fact(self) -> str:
        fid = f"{self.pid}-f{self.facts:04d}"
        self.facts += 1
        return fid


def emit_conversation(rows, pid, cid, draft, kind, start, rng, conv_tokens, ids=None) -> tuple[str, int]:
    """Write a conversation starting at `start`; return (evidence message id, its sent_at) or ('', 0).
    Other people's values said at other turns (draft.others) are registered as their facts (ids numbers them)."""
    t = start
    rows.add("conversations", cid, pid, t, draft.topic, kind)
    msgs = rows["messages"]
    turns = draft.turns
    count = len(turns)
    times, tokens, evidence = [], [], ("", 0)
    for pos, (_, text, is_evidence) in enumerate(turns):
        n = text_tokens(text)
        tokens.append(n)
        times.append(t)
        if is_evidence:
            evidence = (f"{cid}-m{pos:02d}", t)
        # longer messages take longer to read and answer: 1-3 minutes plus a minute per 60 tokens
        t += (rng.randint(1, 3) + n // 60) * MINUTE
    msgs["message_id"].extend([f"{cid}-m{pos:02d}" for pos in range(count)])
    msgs["conversation_id"].extend([cid] * count)
    msgs["position"].extend(range(count))
    msgs["speaker"].extend([turn[0] for turn in turns])
    msgs["text"].extend([turn[1] for turn in turns])
    msgs["sent_at"].extend(times)
    msgs["tokens"].extend(tokens)
    conv_tokens[cid] = sum(tokens)
    for turn, fact in draft.others:  # other people's values said elsewhere in the conversation
        rows.add("facts", ids.fact(), pid, fact.subject, fact.slot, fact.value, times[turn], None, None,
                 f"{cid}-m{turn:02d}")
    return evidence


def emit_facts(rows, ids, pid, draft, emitted) -> list[str]:
    mid, t = emitted
    out = []
    for fact in draft.facts:
        fid = ids.fact()
        until = t + fact.valid_days * DAY if fact.valid_days else None  # a temporary circumstance expires
        rows.add("facts", fid, pid, fact.subject, fact.slot, fact.value, t, until, None, mid)
        out.append(fid)
    return out


def emit_facts_for_question(rows, ids, pid, draft, evidence) -> list[tuple[str, int]]:
    """Facts of the evidence turns; changing facts are chained (valid_to / superseded_by)."""
    facts = rows["facts"]  # column lists: valid_to / superseded_by are filled in place
    planted = []
    for conv, emitted in zip(draft.conversations, evidence):
        for fid in emit_facts(rows, ids, pid, conv, emitted):
            planted.append((fid, emitted[1], len(facts["fact_id"]) - 1))
    if draft.chained:
        for (_, _, row), (next_fid, next_t, _) in zip(planted, planted[1:]):
            facts["valid_to"][row] = next_t
            facts["superseded_by"][row] = next_fid
    return [(fid, t) for fid, t, _ in planted]


def emit_question(rows, qid, pid, draft, text, evidence, facts, asked_at, evidence_texts, conversation_texts,
                  restating=None) -> None:
    """The question row (worded as `text`) with its measured overlaps and their level, and its evidence rows:
    each stating message, followed by the messages of its conversation that restate it (`restating`)."""
    answer, aliases = draft.answer, list(draft.aliases)
    if draft.temporal_kind:
        events = [(EPOCH + timedelta(microseconds=t), label) for (_, t), label in zip(facts, draft.event_labels)]
        answer = compute(draft.temporal_kind, events, EPOCH + timedelta(microseconds=asked_at))
        aliases = aliases or temporal_planter.answer_aliases(draft.temporal_kind, answer, draft.event_labels)
    message, conversation = overlaps(text, map(text_words, evidence_texts), map(text_words, conversation_texts))
    rows.add("questions", qid, pid, draft.category, draft.question_type, text, answer, aliases, draft.rubric,
             draft.answer_kind, draft.slot, asked_at, draft.is_abstention, len(evidence), message, conversation,
             overlap_level(message, conversation, len(evidence)))
    ordinal = 0
    for at, (mid, _) in enumerate(evidence):
        for message, restates in [(mid, False), *((m, True) for m in (restating[at] if restating else []))]:
            rows.add("evidence", qid, message, ordinal, restates)
            ordinal += 1


def emit_histories(rows, config, pid, chain_id, layout, slot_conv, qids, conv_tokens) -> None:
    """The chain's histories: the first `size` entries of its order, or (sizes in tokens) the prefix whose
    measured tokens come closest to each token size; the largest token size takes the whole timeline."""
    hc, hq = rows["history_conversations"], rows["history_questions"]
    prefix_tokens = [0]
    for slot in layout.order:
        prefix_tokens.append(prefix_tokens[-1] + conv_tokens[slot_conv[slot]])
    for size, target, hid in _history_sizes(config, chain_id, prefix_tokens):
        asked = [q for q, entry in zip(qids, layout.entry) if entry <= size]
        if not asked:
            continue
        convs = [slot_conv[slot] for slot in sorted(layout.order[:size])]
        rows.add("histories", hid, pid, chain_id, size, prefix_tokens[size], target)
        hc["history_id"].extend([hid] * len(convs))
        hc["position"].extend(range(len(convs)))
        hc["conversation_id"].extend(convs)
        hq["history_id"].extend([hid] * len(asked))
        hq["question_id"].extend(asked)


def _history_sizes(config, chain_id: str, prefix_tokens: list[int]) -> list[tuple[int, int | None, str]]:
    """(conversations, token size asked for or None, history id) per size of the config."""
    if config.size_unit == "conversations":
        return [(size, None, f"{chain_id}-n{size:04d}") for size in config.sizes]
    largest = len(prefix_tokens) - 1
    out = []
    for target in config.sizes:
        at = bisect_left(prefix_tokens, target, 1)  # first prefix reaching the target
        size = largest if target == config.sizes[-1] or at > largest else \
            at - 1 if at > 1 and target - prefix_tokens[at - 1] < prefix_tokens[at] - target else at
        out.append((size, target, f"{chain_id}-t{target:07d}"))
    return out
