"""One persona, start to finish: its questions, history chains, timeline, fillers and evidence, as rows.

Per persona (independent random stream `memcurve:<seed>:<persona>`, so personas are built in parallel
worker processes): draw question shapes (category, evidence count), group them into history chains
(generators.histories), give each question its content (generators.planting), place every conversation
on the persona's timeline (generators.timeline), then emit rows (generators.rows).

Timeline: a persona has one slot per conversation of its largest history (M = max(sizes)), in waking
hours with bursts and gaps; slot p holds the persona's filler p (shared by all its chains) or one chain's
evidence conversation, which is filler p with its side exchange swapped for the planted exchange.
Ids: p003 (persona), p003-c0042 (conversation; c0000..c<M-1> are the fillers by slot), p003-c0042-m07,
p003-q0017, p003-f0005 (fact), p003-h02 (chain), p003-h02-n0030 (its history of 30 conversations), or with
sizes in tokens p003-h02-t0032000 (its history closest to 32,000 tokens; the timeline then holds as many
fillers as come closest to the largest token size). Each question is worded on the overlap ladder
(generators.ladder) from its own random stream.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from memcurve.generators.categories import CATEGORIES
from memcurve.generators.config import GenerationConfig
from memcurve.generators.fillers import FillerMaker
from memcurve.generators.ladder import forbidden_words, worded
from memcurve.generators.overlap import STOPWORDS
from memcurve.generators.histories import Shape, form_chains, layout_chain
from memcurve.generators.personas import Persona, make_persona
from memcurve.generators.planting.common import ChainState
from memcurve.generators.planting.registry import PLANTERS
from memcurve.generators.emit import (Ids, clear_caches, draft_tokens, emit_conversation, emit_facts,
                                      emit_facts_for_question, emit_histories, emit_question, text_words)
from memcurve.generators.rows import RowBuffer
from memcurve.generators.templating import Pack
from memcurve.generators.timeline import DAY, MINUTE, asked_at, starts, waking

SINGLE_SHARE = 0.4  # ConvoMem: about 40% of items have one evidence message


def build_persona(index: int, config: GenerationConfig, pack: Pack, maker: FillerMaker, rows: RowBuffer) -> None:
    """Generate one persona completely and append its rows."""
    rng = random.Random(f"memcurve:{config.seed}:{index}")
    persona = make_persona(index, rng)
    pid = persona.persona_id
    rows.add("personas", pid, persona.name, persona.attributes_json())
    filler_rng = random.Random(f"memcurve:{config.seed}:{index}:fillers")
    own = maker.for_persona(persona)
    fillers = _make_fillers(config, own, filler_rng)
    slots_total = len(fillers)

    shapes = _draw_shapes(config, rng, slots_total)
    chains = form_chains(shapes, config.questions_per_history, _caps(slots_total, persona))

    start_day = datetime.fromisoformat(config.start_date) + timedelta(days=index % 5)
    window = starts(slots_total, start_day, rng)
    span_days = max(1.0, (window[-1] - window[0]) / DAY)
    ids = Ids(pid)
    ladder_rng = random.Random(f"memcurve:{config.seed}:{index}:overlap")
    filler_ids: dict[int, str] = {}
    conv_tokens: dict[str, int] = {}

    def filler_at(slot: int) -> str:
        if slot not in filler_ids:
            cid = f"{pid}-c{slot:04d}"
            filler_ids[slot] = cid
            draft = fillers[slot].draft()
            emitted = emit_conversation(rows, pid, cid, draft, "filler", window[slot], filler_rng, conv_tokens, ids)
            emit_facts(rows, ids, pid, draft, emitted)  # hard negatives: other people's values
        return filler_ids[slot]

    next_conv = slots_total
    question_no = 0
    levels_used: dict[str, int] = {}
    low, high = config.change_interval_days
    for chain_no, chain in enumerate(chains):
        chain_id = f"{pid}-h{chain_no:02d}"
        state = ChainState()
        drafts = _plant_chain(pack, persona, rng, chain, state)
        # changing facts change every `low`..`high` days (as far as the timeline reaches)
        spreads = [(s.n - 1) * rng.uniform(low, high) / (2 * span_days) if d.chained
                   else 0.004 * s.n if d.valid_days else None for s, d in zip(chain, drafts)]
        recent = [d.valid_days is not None for d in drafts]
        layout = layout_chain([s.n for s in chain], slots_total, rng, spreads, recent)
        slot_conv: dict[int, str] = {}
        qids = []
        for draft, slots in zip(drafts, layout.slots):
            qid = f"{pid}-q{question_no:04d}"
            question_no += 1
            qids.append(qid)
            evidence, texts, conversation, context, restating, requests = [], [], [], [], [], []
            for draft_conv, slot in zip(draft.conversations, slots):
                cid = f"{pid}-c{next_conv:04d}"
                next_conv += 1
                slot_conv[slot] = cid
                conv = own.with_planted(fillers[slot], draft_conv, rng)
                emitted = emit_conversation(rows, pid, cid, conv, "evidence", window[slot], rng, conv_tokens, ids)
                evidence.append(emitted)
                restating.append([f"{cid}-m{turn:02d}" for turn in conv.restating])
                texts.append(conv.turns[conv.evidence_turn][1])
                conversation.extend(text for _, text, _ in conv.turns)
                if not draft_conv.aside:  # an aside's acknowledgement is in the conversation only sometimes
                    context.extend(text for _, text, marked in draft_conv.turns if not marked)
                requests.append(_requests(conv, own.composer.said))
            facts = emit_facts_for_question(rows, ids, pid, draft, evidence)
            asked = asked_at(window[-1], rng)
            if draft.valid_days:  # ask while the circumstance holds, if the timeline allows
                until = min(t for _, t in evidence) + draft.valid_days * DAY
                if asked >= until > window[-1] + DAY:
                    asked = waking(window[-1] + DAY // 2 + rng.randint(0, (until - window[-1] - DAY) // MINUTE) * MINUTE,
                                   rng)
            level = _next_level(config.overlap_levels, draft.category, levels_used, ladder_rng)
            quoted = conversation or _shared_texts(fillers[layout.order[0]])  # in every history of the chain
            # a quote points at the current value only (a changing fact: its latest conversation), and at
            # the user's own requests there rather than at advice that many replies share
            current = slice(-1, None) if draft.chained else slice(None)
            context = context or [t for found in requests[current] for t in found]
            text = worded(draft.text, level, texts[current], context, quoted, _unquotable(draft), ladder_rng,
                          text_words)
            emit_question(rows, qid, pid, draft, text, evidence, facts, asked, texts, conversation, restating)
        for slot in range(slots_total):
            if slot not in slot_conv:
                slot_conv[slot] = filler_at(slot)
        emit_histories(rows, config, pid, chain_id, layout, slot_conv, qids, conv_tokens)
    clear_caches()


def _next_level(levels: tuple[str, ...], category: str, used: dict[str, int], rng: random.Random) -> str:
    """The overlap level of a persona's next question of `category`: its levels cycled from a random start.

    Cycled over all of a persona's questions, the level followed the order questions are planted in, so
    one category (abstention) could be worded high or medium more often than another (the user facts of
    the same slots), and how often a question is quoted told the two apart; cycled per category, every
    category gets each level equally often."""
    if category not in used:
        used[category] = rng.randrange(len(levels))
    used[category] += 1
    return levels[(used[category] - 1) % len(levels)]


def _make_fillers(config: GenerationConfig, own, rng: random.Random) -> list:
    """The persona's fillers, one per timeline slot: max(sizes) of them, or (sizes in tokens) as many as come
    closest to the largest token size, and at least enough slots for any question's evidence."""
    if config.size_unit == "conversations":
        return [own.make(rng) for _ in range(max(config.sizes))]
    target = max(config.sizes)
    least = max([config.max_evidence] + [CATEGORIES[c].min_evidence for c in config.categories])
    fillers, total, previous = [], 0, 0
    while total < target or len(fillers) < least:
        fillers.append(own.make(rng))
        previous, total = total, total + draft_tokens(fillers[-1].draft())
    if len(fillers) > least and target - previous < total - target:  # one fewer comes closer to the target
        fillers.pop()
    return fillers


def _requests(conv, said: dict) -> list[str]:
    """The user's requests in an evidence conversation: its user turns that state no planted fact and nobody's
    value, each without what it mentions in passing or the acknowledgement it opens with."""
    stating = {conv.evidence_turn, *conv.restating, *(turn for turn, _ in conv.others)}
    return [said[text].base if text in said else text for i, (speaker, text, _) in enumerate(conv.turns)
            if speaker == "user" and i not in stating]


def _shared_texts(filler) -> list[str]:
    """Message texts of a filler outside its side exchange: its evidence versions keep them too."""
    return [text for at, segment in enumerate(filler.segments) if at != filler.side_at for _, text, _ in segment]


def _unquotable(draft) -> set[str]:
    """Words a quote must not hold: the answer's, the aliases', the rubric's, the events' and planted values',
    and who other people's values belong to ("my coworker's"). An abstention's answer ("There is no
    information ...", "I don't know") gives nothing away, and forbidding its words (i, is, to, this, know)
    left abstention questions fewer and different quotes than the answerable questions of their slot."""
    facts = [f for conv in draft.conversations for f in conv.facts]
    people = [f.subject for f in facts if f.subject not in ("user", "assistant")]
    said = () if draft.is_abstention else (draft.answer, *draft.aliases)
    return forbidden_words(*said, draft.rubric, *draft.event_labels, *(f.value for f in facts)) | (
        forbidden_words(*people) - STOPWORDS)


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


def _caps(largest: int, persona: Persona):
    """Per-chain caps: an exclusive category has as many topics as the persona may be asked about (its
    reserved ones are only ever mentioned in passing), temporal as many events as it has free."""
    events = len(PLANTERS["temporal"].free_events(persona))

    def cap(resource: str, n: int) -> int:
        if resource == "evidence":
            return max(n, largest // 2)
        if resource == "events":
            return events
        planter = PLANTERS[resource]  # exclusive topics: as many as this persona can be asked
        return len([t for t in planter.topics(n) if _available(planter, persona, t)])

    return cap


def _available(planter, persona: Persona, topic: str) -> bool:
    check = getattr(planter, "available", None)
    return check is None or check(persona, topic)


def _plant_chain(pack: Pack, persona: Persona, rng: random.Random, chain: list[Shape], state: ChainState):
    """Give each shape of a chain its topic and content; exclusive topics never repeat within the chain."""
    by_category: dict[str, list[str]] = {}
    used: set[tuple[str, str]] = set()  # (category, exclusive topic) already in this chain
    drafts = []
    for shape in chain:
        planter = PLANTERS[shape.category]
        options = [t for t in planter.topics(shape.n) if _available(planter, persona, t)]
        weight = getattr(planter, "topic_weight", None)
        if weight is not None:  # drawn afresh for every question, so the weights hold whatever the chain holds
            options = [t for t in options if (shape.category, t) not in used]
            topic = rng.choices(options, [weight(t) for t in options])[0]
            if planter.exclusive(topic):
                used.add((shape.category, topic))
        else:
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
