"""`memcurve generate`: personas -> planted questions -> history chains -> one DuckDB benchmark file.

Per persona (independent random stream `memcurve:<seed>:<persona>`, so personas are built in parallel
worker processes and could be sharded across machines): draw question shapes (category, evidence count),
group them into history chains (generators.histories), give each question its content
(generators.planting), place every conversation on the persona's timeline, then emit rows. The writer
process bulk-inserts each persona's Arrow tables in persona order. Everything is checked before the output
file is touched: the config, and every template of the pack by a dry render.

Timeline: a persona has one slot per conversation of its largest history (M = max(sizes)), 20-52 hours
apart; slot p holds the persona's filler p (shared by all its chains) or one chain's evidence conversation.
Messages inside a conversation are 1-4 minutes apart, so every history's timestamps increase, and every
question is asked 1-14 days after the persona's last slot.
Ids: p003 (persona), p003-c0042 (conversation; c0000..c<M-1> are the fillers by slot), p003-c0042-m07,
p003-q0017, p003-f0005 (fact), p003-h02 (chain), p003-h02-n0030 (its history of 30 conversations).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import random
import signal
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from memcurve.generators.categories import CATEGORIES
from memcurve.generators.config import GenerationConfig
from memcurve.errors import ConfigError, StoreError, TemplateError
from memcurve.generators.fillers import FillerMaker, filler_samples, negative_samples
from memcurve.generators.histories import Shape, form_chains, layout_chain
from memcurve.generators.overlap import word_overlap
from memcurve.generators.personas import Persona, make_persona
from memcurve.generators.planting.registry import PLANTERS
from memcurve.generators.planting import temporal as temporal_planter
from memcurve.generators.planting.common import ChainState, check_evidence
from memcurve.generators.planting.vocab import words
from memcurve.generators.rows import ROW_TABLES, RowBuffer, write_arrow
from memcurve.generators.store import atomic_store, created_at, write_meta
from memcurve.generators.temporal import compute
from memcurve.generators.templating import Pack, load_pack
from memcurve.generators.tokens import estimate_tokens

SINGLE_SHARE = 0.4  # ConvoMem: about 40% of items have one evidence message
_EPOCH = datetime(1970, 1, 1)
_US = 1_000_000
_HOUR = 3600 * _US
_MINUTE = 60 * _US
FLUSH_MESSAGES = 200_000  # write buffered rows to DuckDB once this many messages are pending

def generate(config: GenerationConfig, out: Path, *, force: bool, progress: bool, workers: int | None = None) -> str:
    """Write the benchmark described by `config` to `out` atomically; return a one-line summary.

    Personas are independent, so `workers` processes build them in parallel (default: one per core, up to
    four, when there are enough personas to pay for it) while this process writes; the bytes do not depend
    on the number of workers.
    """
    started = time.perf_counter()
    check_feasible(config)
    pack = load_pack(config.templates)
    validate_pack(pack)
    maker = FillerMaker(pack)
    if not maker.plain:
        raise TemplateError("templates/fillers: the pack has no filler conversations")
    out = Path(out)
    try:
        counts = _write(config, out, pack, maker, force=force, progress=progress, workers=workers)
    except duckdb.IOException as exc:  # e.g. a folder that passes the access check but refuses the file
        raise StoreError(f"{out}: cannot write ({str(exc).strip().splitlines()[0]})") from None
    finally:
        _TOKENS.clear()
    elapsed = time.perf_counter() - started
    return (f"wrote {out}: {config.personas} personas, {counts['questions']} questions, "
            f"{counts['conversations']} conversations, {counts['messages']} messages, "
            f"{counts['histories']} histories in {elapsed:.1f}s")


def _write(config: GenerationConfig, out: Path, pack: Pack, maker: FillerMaker, *, force: bool, progress: bool,
           workers: int | None) -> dict[str, int]:
    global _STATE
    _STATE = (config, pack, maker)  # read by _persona_tables in this process; workers load their own
    pool = _pool(config, workers)
    try:
        personas = pool.imap(_persona_tables, range(config.personas)) if pool else map(
            _persona_tables, range(config.personas))
        counts = {t: 0 for t in ROW_TABLES}
        with atomic_store(out, force=force) as con:
            write_meta(con, {"seed": config.seed, "config": dataclasses.asdict(config),
                             "source": "memcurve.generate",
                             "created_at": created_at()})
            pending: dict[str, list[pa.Table]] = {t: [] for t in ROW_TABLES}
            pending_messages = 0
            bar = _progress(config.personas, progress)
            try:
                for tables in personas:
                    for table, arrow in tables.items():
                        pending[table].append(arrow)
                    pending_messages += tables["messages"].num_rows
                    if pending_messages >= FLUSH_MESSAGES:
                        _flush(con, pending, counts)
                        pending_messages = 0
                    bar.update(1)
                _flush(con, pending, counts)
            finally:
                bar.close()
        return counts
    finally:
        _STATE = None
        if pool:
            pool.terminate()
            pool.join()


_STATE: tuple | None = None


def _persona_tables(index: int) -> dict[str, pa.Table]:
    """Build one persona and return its rows as Arrow tables (cheap to send between processes)."""
    config, pack, maker = _STATE
    rows = RowBuffer()
    build_persona(index, config, pack, maker, rows)
    return rows.arrow_tables()


def _pool(config: GenerationConfig, workers: int | None):
    """A pool of fresh ("spawn") worker processes, or None to build personas in this process.

    Spawned rather than forked: generate() may run inside a process with other threads (an Inspect eval,
    DuckDB, Arrow), and only a fresh interpreter is safe from their locks.
    """
    if workers is None:
        workers = min(4, os.cpu_count() or 1) if config.personas >= 8 else 1
    workers = min(workers, config.personas)
    if workers <= 1:
        return None
    context = multiprocessing.get_context("spawn")
    if threading.current_thread() is not threading.main_thread():
        return context.Pool(workers, initializer=_start_worker, initargs=(config,))
    # workers are born ignoring SIGINT (inherited), so a Ctrl-C during their start-up prints nothing
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return context.Pool(workers, initializer=_start_worker, initargs=(config,))
    finally:
        signal.signal(signal.SIGINT, previous)


def _start_worker(config: GenerationConfig) -> None:
    """Load the (already validated) pack once per worker; Ctrl-C is left to the parent, which ends the pool."""
    global _STATE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pack = load_pack(config.templates)
    _STATE = (config, pack, FillerMaker(pack))


def check_feasible(config: GenerationConfig) -> None:
    """Every requested category must fit the largest history size."""
    largest = max(config.sizes)
    for name in config.categories:
        need = CATEGORIES[name].min_evidence
        if need > largest:
            raise ConfigError(f"sizes: category {name} needs histories of at least {need} conversations, "
                              f"but the largest size is {largest}")


def validate_pack(pack: Pack) -> None:
    """Dry-render every section of the pack with the contexts the generator will use; fail on the first error."""
    persona = make_persona(0, random.Random("memcurve:dry-run"))
    specs: dict[str, tuple[list, list, str | None]] = {}
    for planter in PLANTERS.values():
        specs.update(planter.samples(persona))
    specs.update(negative_samples(persona))
    specs.update(filler_samples(persona, pack))
    for key, sections in pack.files.items():
        if key not in specs:
            folder = key.split("/", 1)[0]
            valid = sorted(k.split("/", 1)[1] for k in specs if k.startswith(folder + "/"))
            hint = f"; {folder}/ expects: {', '.join(valid)}" if valid else ""
            raise TemplateError(f"{sections[0].display}: unknown template{hint}")
    for key, (conv_contexts, question_contexts, speaker) in specs.items():
        sections = pack.files.get(key)
        if not sections:
            raise TemplateError(f"templates/{key}.j2: missing from the pack")
        wanted = {"conversation": conv_contexts, "question": question_contexts}
        for kind, contexts in wanted.items():
            if contexts and not any(s.kind == kind for s in sections):
                raise TemplateError(f"{sections[0].display}: needs at least one '## {kind}' section")
        for section in sections:
            contexts = wanted[section.kind]
            if not contexts:
                raise TemplateError(f"{section.display} line {section.line}: unexpected '## {section.kind}' section")
            for ctx in contexts:
                if section.kind == "conversation":
                    check_evidence(section.display, section.line, section.conversation(ctx), speaker)
                else:
                    section.question(ctx)


# ---------------------------------------------------------------------------------------------- one persona


def build_persona(index: int, config: GenerationConfig, pack: Pack, maker: FillerMaker, rows: RowBuffer) -> None:
    """Generate one persona completely and append its rows."""
    rng = random.Random(f"memcurve:{config.seed}:{index}")
    persona = make_persona(index, rng)
    pid = persona.persona_id
    slots_total = max(config.sizes)
    rows.add("personas", pid, persona.name, persona.attributes_json())

    shapes = _draw_shapes(config, rng, slots_total)
    chains = form_chains(shapes, config.questions_per_history, _caps(slots_total))

    # the persona's timeline: slot p starts at window[p]; fillers (one per slot) are shared by all chains
    start = datetime.fromisoformat(config.start_date) + timedelta(hours=8, days=index % 5)
    window = [int((start - _EPOCH).total_seconds()) * _US]
    for _ in range(slots_total):
        window.append(window[-1] + rng.randint(20, 52) * _HOUR)
    ids = _Ids(pid)
    filler_rng = random.Random(f"memcurve:{config.seed}:{index}:fillers")
    fillers = [maker.make(persona, filler_rng) for _ in range(slots_total)]
    filler_ids: dict[int, str] = {}
    conv_tokens: dict[str, int] = {}

    def filler_at(slot: int) -> str:
        if slot not in filler_ids:
            cid = f"{pid}-c{slot:04d}"
            filler_ids[slot] = cid
            emitted = _emit_conversation(rows, pid, cid, fillers[slot], "filler", window[slot], filler_rng,
                                         conv_tokens)
            _emit_facts(rows, ids, pid, fillers[slot], emitted)  # hard negatives: other people's values
        return filler_ids[slot]

    next_conv = slots_total
    question_no = 0
    for chain_no, chain in enumerate(chains):
        chain_id = f"{pid}-h{chain_no:02d}"
        state = ChainState()
        drafts = _plant_chain(pack, persona, rng, chain, state)
        layout = layout_chain([s.n for s in chain], slots_total, rng)
        slot_conv: dict[int, str] = {}
        asked_at_base = window[-1]
        qids = []
        for draft, slots in zip(drafts, layout.slots):
            qid = f"{pid}-q{question_no:04d}"
            question_no += 1
            qids.append(qid)
            evidence = []
            for draft_conv, slot in zip(draft.conversations, slots):
                cid = f"{pid}-c{next_conv:04d}"
                next_conv += 1
                slot_conv[slot] = cid
                emitted = _emit_conversation(rows, pid, cid, draft_conv, "evidence", window[slot], rng, conv_tokens)
                evidence.append(emitted)
            facts = _emit_facts_for_question(rows, ids, pid, draft, evidence)
            asked_at = asked_at_base + rng.randint(1, 14 * 24) * _HOUR + rng.randint(0, 59) * _MINUTE
            _emit_question(rows, qid, pid, draft, evidence, facts, asked_at)
        for slot in range(slots_total):
            if slot not in slot_conv:
                slot_conv[slot] = filler_at(slot)
        _emit_histories(rows, config.sizes, pid, chain_id, layout, slot_conv, qids, conv_tokens)


def _draw_shapes(config: GenerationConfig, rng: random.Random, largest: int) -> list[Shape]:
    shapes = []
    for k in range(config.questions_per_category):
        for category in config.categories:
            cat = CATEGORIES[category]
            low = cat.min_evidence
            high = max(low, min(cat.max_evidence, config.max_evidence, largest))
            n = low if high == low or rng.random() < SINGLE_SHARE else rng.randint(low + 1, high)
            planter = PLANTERS[category]
            resources = {"evidence": n}
            if all(planter.exclusive(t) for t in planter.topics(n)):
                resources[category] = 1
            if category == "temporal":
                resources["events"] = n
            shapes.append(Shape(len(shapes), category, n, resources))
    return shapes


def _caps(largest: int):
    events = len(words("events"))

    def cap(resource: str, n: int) -> int:
        if resource == "evidence":
            return max(n, largest // 2)
        if resource == "events":
            return events
        return len(PLANTERS[resource].topics(n))

    return cap


def _plant_chain(pack: Pack, persona: Persona, rng: random.Random, chain: list[Shape], state: ChainState):
    """Give each shape of a chain its topic and content; exclusive topics never repeat within the chain."""
    by_category: dict[str, list[str]] = {}
    drafts = []
    for shape in chain:
        planter = PLANTERS[shape.category]
        options = planter.topics(shape.n)
        queue = by_category.get(shape.category)
        if not queue:
            queue = list(options)
            rng.shuffle(queue)
            by_category[shape.category] = queue
        topic = queue.pop(0)
        if not planter.exclusive(topic):
            queue.append(topic)
        drafts.append(planter.plant(pack, persona, rng, shape.n, topic, state))
    return drafts


# ---------------------------------------------------------------------------------------------- rows


class _Ids:
    def __init__(self, pid: str) -> None:
        self.pid = pid
        self.facts = 0

    def fact(self) -> str:
        fid = f"{self.pid}-f{self.facts:04d}"
        self.facts += 1
        return fid


_TOKENS: dict[str, int] = {}  # token estimates by text: rendered turns repeat a lot


def _emit_conversation(rows, pid, cid, draft, kind, window_start, rng, conv_tokens) -> tuple[str, int]:
    """Write a conversation in its timeline slot; return (evidence message id, its sent_at) or ('', 0)."""
    t = window_start + int(rng.random() * 361) * _MINUTE  # within six hours of the slot's start
    rows.add("conversations", cid, pid, t, draft.topic, kind)
    msgs = rows["messages"]
    turns = draft.turns
    count = len(turns)
    gaps = rng.getrandbits(2 * count)  # 1..4 minutes between messages, two random bits each
    times, tokens, evidence = [], [], ("", 0)
    for pos, (_, text, is_evidence) in enumerate(turns):
        n = _TOKENS.get(text)
        if n is None:
            n = _TOKENS[text] = estimate_tokens(text)
        tokens.append(n)
        times.append(t)
        if is_evidence:
            evidence = (f"{cid}-m{pos:02d}", t)
        t += (((gaps >> (2 * pos)) & 3) + 1) * _MINUTE
    msgs["message_id"].extend([f"{cid}-m{pos:02d}" for pos in range(count)])
    msgs["conversation_id"].extend([cid] * count)
    msgs["position"].extend(range(count))
    msgs["speaker"].extend([turn[0] for turn in turns])
    msgs["text"].extend([turn[1] for turn in turns])
    msgs["sent_at"].extend(times)
    msgs["tokens"].extend(tokens)
    total = sum(tokens)
    conv_tokens[cid] = total
    return evidence


def _emit_facts(rows, ids, pid, draft, emitted) -> list[str]:
    mid, t = emitted
    out = []
    for fact in draft.facts:
        fid = ids.fact()
        rows.add("facts", fid, pid, fact.subject, fact.slot, fact.value, t, None, None, mid)
        out.append(fid)
    return out


def _emit_facts_for_question(rows, ids, pid, draft, evidence) -> list[tuple[str, int]]:
    """Facts of the evidence turns; changing facts are chained (valid_to / superseded_by)."""
    facts = rows["facts"]
    planted = []
    for conv, emitted in zip(draft.conversations, evidence):
        for fid in _emit_facts(rows, ids, pid, conv, emitted):
            planted.append((fid, emitted[1], len(facts["fact_id"]) - 1))
    if draft.chained:
        for (_, _, row), (next_fid, next_t, _) in zip(planted, planted[1:]):
            facts["valid_to"][row] = next_t
            facts["superseded_by"][row] = next_fid
    return [(fid, t) for fid, t, _ in planted]


def _emit_question(rows, qid, pid, draft, evidence, facts, asked_at) -> None:
    answer, aliases = draft.answer, list(draft.aliases)
    if draft.temporal_kind:
        events = [(_EPOCH + timedelta(microseconds=t), label) for (_, t), label in zip(facts, draft.event_labels)]
        answer = compute(draft.temporal_kind, events, _EPOCH + timedelta(microseconds=asked_at))
        aliases = aliases or temporal_planter.answer_aliases(draft.temporal_kind, answer, draft.event_labels)
    texts = [conv.turns[conv.evidence_turn][1] for conv in draft.conversations]
    rows.add("questions", qid, pid, draft.category, draft.question_type, draft.text, answer, aliases, draft.rubric,
             draft.answer_kind, draft.slot, asked_at, draft.is_abstention, len(evidence),
             word_overlap(draft.text, texts))
    ev = rows["evidence"]
    for ordinal, (mid, _) in enumerate(evidence):
        ev["question_id"].append(qid)
        ev["message_id"].append(mid)
        ev["ordinal"].append(ordinal)


def _emit_histories(rows, sizes, pid, chain_id, layout, slot_conv, qids, conv_tokens) -> None:
    hc, hq = rows["history_conversations"], rows["history_questions"]
    prefix_tokens = [0]
    for slot in layout.order:
        prefix_tokens.append(prefix_tokens[-1] + conv_tokens[slot_conv[slot]])
    for size in sizes:
        asked = [q for q, entry in zip(qids, layout.entry) if entry <= size]
        if not asked:
            continue
        hid = f"{chain_id}-n{size:04d}"
        convs = [slot_conv[slot] for slot in sorted(layout.order[:size])]
        rows.add("histories", hid, pid, chain_id, size, prefix_tokens[size])
        hc["history_id"].extend([hid] * len(convs))
        hc["position"].extend(range(len(convs)))
        hc["conversation_id"].extend(convs)
        hq["history_id"].extend([hid] * len(asked))
        hq["question_id"].extend(asked)


def _flush(con, pending: dict[str, list[pa.Table]], counts: dict) -> None:
    for table, tables in pending.items():
        if not tables:
            continue
        arrow = pa.concat_tables(tables)
        tables.clear()
        counts[table] += write_arrow(con, table, arrow)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="generating", unit="persona", file=sys.stderr)
