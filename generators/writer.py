"""Model-written conversation text: each conversation of a generated store rewritten by any Inspect model.

Templates give exact ground truth in a template's voice; a writer model gives natural dialogue. The two are
combined without giving up the guarantees, because every rewrite is checked before it replaces the template:
- every evidence message is kept as a tagged line ([E1], [E2], ...) by the same speaker, in the same order, still
  stating each value it planted (whole words);
- the conversation names no other slot value: nothing from the slot pools or the store's facts beyond the
  values the original conversation planted (no competing value, no new slot value), and the planted values
  appear only in their own evidence lines (the answer does not spread);
- it has a user and an assistant turn, and between `min_messages` and `max_messages` messages.
A failed rewrite is tried again with the reason as feedback (`attempts` in all); if none passes, the
template text stays. Counts per outcome and reason, and tokens, go to meta (`writer`).

Calls go through Inspect's model API with its response cache, temperature 0 and the benchmark's seed, so
the same seed, model and cache give the same bytes, and a run interrupted half way resumes from the cache.
Evidence messages keep their timestamps (temporal answers are computed from them); the other messages are
spread evenly between them.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from memcurve.errors import ConfigError
from memcurve.generators.filler_screen import ValueMatcher
from memcurve.generators.tokens import estimate_tokens
from memcurve.generators.overlap_store import refresh_overlaps
from memcurve.generators.retext import message_stem, refresh_history_tokens, replace_messages

TAG = re.compile(r"^\[E(\d+)\]\s*")
LINE = re.compile(r"^\s*(USER|ASSISTANT)\s*:\s*(.*)$", re.IGNORECASE)
DEFAULT_MAX_TOKENS = 4096


@dataclass(frozen=True)
class WriterSettings:
    model: object  # an Inspect model name or Model
    seed: int = 0
    attempts: int = 2
    min_messages: int = 2
    max_messages: int = 24
    target_messages: int | None = None  # None: about the original's length
    max_connections: int = 4
    cache: bool = True
    batch: bool = False
    max_tokens: int = DEFAULT_MAX_TOKENS

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ConfigError(f"writer attempts: {self.attempts} is not a whole number >= 1")
        if not 1 <= self.min_messages <= self.max_messages:
            raise ConfigError(f"writer messages: {self.min_messages}..{self.max_messages} is not a valid range")


@dataclass(frozen=True)
class Turn:
    message_id: str
    speaker: str
    text: str
    sent_at: datetime


@dataclass
class Job:
    """One conversation to rewrite: its turns, which of them are evidence and the values each must keep."""

    conversation_id: str
    turns: list[Turn]
    evidence: list[int]  # indexes into turns, in order
    keep: dict[int, tuple[str, ...]]  # turn index -> values that turn planted
    own_values: set[str] = field(default_factory=set)


@dataclass
class Outcome:
    conversation_id: str
    turns: list[tuple[str, str, str | None]] | None  # (speaker, text, original message id of an evidence line)
    attempts: int
    reasons: list[str]
    input_tokens: int = 0
    output_tokens: int = 0


# --------------------------------------------------------------------------------------------- prompt
INSTRUCTIONS = """Rewrite the conversation below between a user and an AI assistant so that it reads like a real chat.
Keep its topic and what happens in it. Write {target} messages in all, alternating USER and ASSISTANT, one per line,
each line starting with "USER:" or "ASSISTANT:". Lines marked [E1], [E2], ... must stay, by the same speaker and in
the same order, starting with their marker, and must keep the exact words {quoted} with the same meaning.
Do not add names of people, pets, places, shops, companies, products, books or games that are not in the original.
After the last message, write END on a line of its own.
"""


def writer_prompt(job: Job, target: int, feedback: str | None) -> str:
    lines = []
    marker = {index: n + 1 for n, index in enumerate(job.evidence)}
    for i, turn in enumerate(job.turns):
        tag = f"[E{marker[i]}] " if i in marker else ""
        lines.append(f"{turn.speaker.upper()}: {tag}{_one_line(turn.text)}")
    values = sorted({v for vs in job.keep.values() for v in vs})
    quoted = ", ".join(f'"{v}"' for v in values) if values else "of the marked lines"
    text = INSTRUCTIONS.format(target=target, quoted=quoted) + "\nConversation:\n" + "\n".join(lines)
    if feedback:
        text += f"\n\nA previous rewrite was rejected: {feedback}. Avoid that."
    return text + "\n\nRewritten conversation:\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse_reply(text: str) -> list[tuple[str, str, int | None]]:
    """(speaker, text, evidence marker or None) per message; continuation lines join the previous message."""
    out: list[list] = []
    for raw in text.splitlines():
        match = LINE.match(raw)
        if match:
            body = match.group(2).strip()
            tag = TAG.match(body)
            out.append([match.group(1).lower(), TAG.sub("", body).strip(), int(tag.group(1)) if tag else None])
        elif raw.strip() and out:
            out[-1][1] = f"{out[-1][1]}\n{raw.strip()}"
    return [(speaker, body, tag) for speaker, body, tag in out if body]


# ----------------------------------------------------------------------------------------------- check
def check_rewrite(job: Job, parsed: list[tuple[str, str, int | None]], matcher: ValueMatcher,
                  settings: WriterSettings) -> str | None:
    """Why a rewrite cannot replace the template (None when it can)."""
    if not settings.min_messages <= len(parsed) <= settings.max_messages:
        return f"{len(parsed)} messages, outside {settings.min_messages}-{settings.max_messages}"
    if {speaker for speaker, _, _ in parsed} != {"user", "assistant"}:
        return "not a dialogue between a user and an assistant"
    tags = [tag for _, _, tag in parsed if tag is not None]
    if tags != list(range(1, len(job.evidence) + 1)):
        return f"evidence markers {tags} instead of {list(range(1, len(job.evidence) + 1))}"
    for speaker, body, tag in parsed:
        if tag is not None:
            index = job.evidence[tag - 1]
            if speaker != job.turns[index].speaker:
                return f"evidence line E{tag} moved from the {job.turns[index].speaker} to the {speaker}"
            missing = [v for v in job.keep.get(index, ()) if not ValueMatcher([v]).found(body)]
            if missing:
                return f"evidence line E{tag} no longer states {missing[0]!r}"
            continue
        own = ValueMatcher(job.own_values).found(body)
        if own is not None:
            return f"the planted value {' '.join(own)!r} spread outside its evidence line"
    for _, body, tag in parsed:
        found = matcher.found(body)
        if found is not None and " ".join(found) not in {v.lower() for v in job.own_values}:
            return f"new slot value {' '.join(found)!r}"
    return None


# ------------------------------------------------------------------------------------------------- run
async def _rewrite(job: Job, settings: WriterSettings, model, matcher: ValueMatcher, limit: asyncio.Semaphore,
                   bar) -> Outcome:
    from inspect_ai.model import GenerateConfig

    target = settings.target_messages or len(job.turns)
    target = min(max(target, settings.min_messages, len(job.evidence)), settings.max_messages)
    outcome = Outcome(job.conversation_id, None, 0, [])
    feedback = None
    # about twice the original's length leaves room to grow it; END closes the conversation
    budget = min(settings.max_tokens, 2 * sum(estimate_tokens(t.text) for t in job.turns) + 64 * target)
    config = GenerateConfig(temperature=0.0, seed=settings.seed, max_tokens=budget, stop_seqs=["\nEND"],
                            batch=True if settings.batch else None)
    for attempt in range(settings.attempts):
        async with limit:
            output = await model.generate(writer_prompt(job, target, feedback), config=config, cache=settings.cache)
        outcome.attempts = attempt + 1
        if output.usage is not None:
            outcome.input_tokens += output.usage.input_tokens
            outcome.output_tokens += output.usage.output_tokens
        parsed = parse_reply(output.completion)
        feedback = check_rewrite(job, parsed, matcher, settings)
        if feedback is None:
            outcome.turns = [(s, body, job.turns[job.evidence[tag - 1]].message_id if tag else None)
                             for s, body, tag in parsed]
            break
        outcome.reasons.append(feedback)
    bar.update(1)
    return outcome


async def _run(jobs: list[Job], settings: WriterSettings, matcher: ValueMatcher, progress: bool) -> list[Outcome]:
    from inspect_ai.model import get_model
    from tqdm import tqdm

    model = get_model(settings.model) if isinstance(settings.model, str) else settings.model
    limit = asyncio.Semaphore(settings.max_connections)
    with tqdm(total=len(jobs), desc="rewriting", unit="conv", disable=not progress) as bar:
        return await asyncio.gather(*(_rewrite(job, settings, model, matcher, limit, bar) for job in jobs))


def rewrite_store(con: duckdb.DuckDBPyConnection, settings: WriterSettings, forbidden_values: set[str], *,
                  progress: bool = False) -> dict:
    """Rewrite every conversation of an open (writable) store in place; returns the meta summary."""
    jobs = load_jobs(con)
    matcher = ValueMatcher(forbidden_values)
    outcomes = asyncio.run(_run(jobs, settings, matcher, progress))
    by_id = {job.conversation_id: job for job in jobs}
    reasons: Counter = Counter()
    counts = Counter()
    for outcome in outcomes:
        reasons.update(_reason_kind(r) for r in outcome.reasons)
        if outcome.turns is None:
            counts["fell_back"] += 1
            continue
        counts["rewritten"] += 1
        counts["retried"] += outcome.attempts > 1
        _apply(con, by_id[outcome.conversation_id], outcome.turns)
    refresh_history_tokens(con)
    refresh_overlaps(con)  # questions quote and share words with the rewritten evidence
    model = settings.model if isinstance(settings.model, str) else str(settings.model)
    input_tokens, output_tokens = sum(o.input_tokens for o in outcomes), sum(o.output_tokens for o in outcomes)
    return {
        "model": model, "cost_usd": _cost(model, input_tokens, output_tokens),
        "conversations": len(jobs), "rewritten": counts["rewritten"], "retried": counts["retried"],
        "fell_back": counts["fell_back"], "rejections": dict(sorted(reasons.items())),
        "input_tokens": input_tokens, "output_tokens": output_tokens,
        "attempts": settings.attempts, "seed": settings.seed,
    }


def _cost(model: str, input_tokens: int, output_tokens: int) -> float | None:
    """Dollars at the built-in list price (what the calls cost uncached); None for a model it does not list."""
    from memcurve.evals.analysis.prices import BUILTIN_PRICES, price_for

    price = price_for(model, BUILTIN_PRICES)
    return None if price is None else round(price.cost(input_tokens, output_tokens), 6)


def _reason_kind(reason: str) -> str:
    for key, kind in (("no longer states", "evidence_dropped"), ("new slot value", "competing_value"),
                      ("spread outside", "value_spread"), ("markers", "evidence_markers"),
                      ("moved from", "evidence_speaker"), ("messages, outside", "length"), ("dialogue", "speakers")):
        if key in reason:
            return kind
    return "other"


def load_jobs(con: duckdb.DuckDBPyConnection) -> list[Job]:
    """One job per conversation, in id order; evidence = messages referenced by evidence or facts."""
    rows = con.execute("""
        SELECT m.conversation_id, m.message_id, m.speaker, m.text, m.sent_at
        FROM messages m ORDER BY m.conversation_id, m.position""").fetchall()
    planted: dict[str, set[str]] = {}
    for message_id, value in con.execute("SELECT message_id, value FROM facts").fetchall():
        planted.setdefault(message_id, set()).add(value)
    evidence_ids = {r[0] for r in con.execute("SELECT DISTINCT message_id FROM evidence").fetchall()} | set(planted)
    jobs: dict[str, Job] = {}
    for conversation_id, message_id, speaker, text, sent_at in rows:
        job = jobs.setdefault(conversation_id, Job(conversation_id, [], [], {}))
        if message_id in evidence_ids:
            job.evidence.append(len(job.turns))
            job.keep[len(job.turns)] = tuple(sorted(v for v in planted.get(message_id, ()) if v in text))
            job.own_values.update(planted.get(message_id, ()))
        job.turns.append(Turn(message_id, speaker, text, sent_at))
    return list(jobs.values())


def _apply(con: duckdb.DuckDBPyConnection, job: Job, turns: list[tuple[str, str, str | None]]) -> None:
    """Replace a conversation's messages; the evidence lines take the facts and evidence of the originals."""
    stem = message_stem(job.turns[0].message_id, job.conversation_id)
    replace_messages(con, job.conversation_id, stem, [(s, t) for s, t, _ in turns], _times(job, turns),
                     keep={i: original for i, (_, _, original) in enumerate(turns) if original is not None})


def _times(job: Job, turns: list[tuple[str, str, str | None]]) -> list[datetime]:
    """Evidence keeps its time; the rest spread evenly between the anchors, a second apart at the least."""
    original = {t.message_id: t.sent_at for t in job.turns}
    start, end = job.turns[0].sent_at, job.turns[-1].sent_at
    anchors = [(i, original[o]) for i, (_, _, o) in enumerate(turns) if o is not None]
    if not anchors or anchors[0][0] != 0:
        anchors.insert(0, (0, min(start, anchors[0][1] - timedelta(seconds=anchors[0][0])) if anchors else start))
    if anchors[-1][0] != len(turns) - 1:
        last_i, last_t = anchors[-1]
        anchors.append((len(turns) - 1, max(end, last_t + timedelta(seconds=len(turns) - 1 - last_i))))
    out: list[datetime] = []
    for (i0, t0), (i1, t1) in zip(anchors, anchors[1:]):
        step = (t1 - t0) / (i1 - i0)
        out.extend(t0 + step * k for k in range(i1 - i0))
    out.append(anchors[-1][1])
    return [t.replace(microsecond=0) for t in out]
