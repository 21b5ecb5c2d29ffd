"""`memcurve audit DB [--against DB2]`: can this benchmark be gamed, and is it as long and varied as claimed?

Any benchmark, generated or imported, goes through the same sections, printed per category:
- detectors: an evidence detector trained on one store and tested on the other (DB2 given: trained on DB2,
  tested on DB; else trained on the even personas and tested on the odd ones): message bag of words with
  logistic regression (also each category's evidence against all other messages), and conversation shape; and the same bag of words on question text alone, asked to
  tell abstention questions from answerable ones (over all questions, and over the questions of the slots
  abstention asks about, where wording is the only clue left); AUC (generators.audit_detect);
- no-history baselines scored by the project's own deterministic scorer (memcurve.evals.scorers.answer_check
  `check_answer`): always abstain; echo the question; echo + abstain + every number and option in the
  question; the majority answer of the question's slot (or type) in the training store;
- BM25 recall_any@k and recall_all@k at message, round and conversation level, by category and size, and
  what a random ranking would find at conversation level (a question with several evidence conversations
  is found by chance more often), over every history of a size up to MAX_CONVERSATIONS_PER_SIZE
  conversations' worth (a seeded sample beyond), with the questions each cell holds;
- tokens per history by size (meta.tokenizer names the counter), distinct-message and distinct-conversation
  shares of each history;
- validate's coverage: how many questions or histories each check actually examined;
- topical distractors: per category and size, the mean number of conversations in a question's history
  that state another person's value of the question's slot (validate.prepare_distractors), so one sees
  them grow with the history (reported, not thresholded).

Thresholds (THRESHOLDS; the exit code is 1 when one is passed, 0 otherwise):
- detector AUC at most 0.60, for messages, for conversation shape and for abstention from question text
  within the abstention slots, over pairs of questions of one slot (over all questions, and over pairs of
  different slots, how often a slot is asked about as an abstention is a clue: reported, not thresholded);
- every no-history baseline at most 0.05 on every answerable category;
- always-abstain overall accuracy no better than the abstention share of the scored questions (+0.01);
- at the largest size, at least 95% distinct message texts and 100% distinct conversation texts per history;
- BM25 conversation recall_any@5 at the largest size at least 0.15 below its value at size 10 (when both
  sizes exist), and no category at 1.00 at a size of more than 2k conversations (10 at k = 5);
- validate passes.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from memcurve.generators.audit_detect import (auc, group_aucs, message_detector_auc, message_detector_scores,
                                              shape_detector_auc, shape_features, within_group_permutation)
from memcurve.generators.store import open_store, read_meta

THRESHOLDS = {
    "detector_auc": 0.60,
    "permutation_p": 0.05,  # the same-slot abstention detector fails only if it also beats shuffled labels
    "baseline_accuracy": 0.05,
    "abstain_margin": 0.01,
    "distinct_messages": 0.95,
    "distinct_conversations": 1.0,
    "recall_drop": 0.15,
}
K = 5
UNITS = ("message", "round", "conversation")
# BM25 section: a seeded sample of histories per size, as many as hold this many conversations (40 at size
# 300, every history of a small size, where few questions per history would leave a cell a coin toss)
MAX_CONVERSATIONS_PER_SIZE = 12_000
MAX_CACHED_MESSAGES = 400_000  # BM25 section: message tokens kept for reuse across units and nested histories
SAME_SLOT = "abstention from question text, same slots"
MAX_NEGATIVE_MESSAGES = 60_000  # detector: a seeded sample of non-evidence messages per store
ABSTAIN_REPLY = "I don't know; that was never mentioned."
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@dataclass
class Store:
    """What the audit reads from one benchmark file."""

    path: Path
    meta: dict
    questions: list[dict]
    messages: list[tuple]  # (message_id, conversation_id, persona_id, speaker, text, tokens)
    evidence: set[str]
    histories: list[tuple]  # (history_id, chain_id, size, tokens)
    evidence_category: dict[str, str] = field(default_factory=dict)  # evidence message -> a category it serves

    @classmethod
    def load(cls, path: Path) -> Store:
        con = open_store(path)
        try:
            meta = read_meta(con)
            cols = ["question_id", "persona_id", "category", "question_type", "text", "answer", "aliases",
                    "answer_kind", "slot", "is_abstention"]
            questions = [dict(zip(cols, r)) for r in con.execute(
                f"SELECT {', '.join(cols)} FROM questions ORDER BY question_id").fetchall()]
            messages = con.execute("""
                SELECT m.message_id, m.conversation_id, c.persona_id, m.speaker, m.text, m.tokens
                FROM messages m JOIN conversations c USING (conversation_id)
                ORDER BY m.conversation_id, m.position""").fetchall()
            evidence_category = dict(con.execute("""SELECT e.message_id, min(q.category) FROM evidence e
                                                    JOIN questions q USING (question_id) GROUP BY 1""").fetchall())
            evidence = set(evidence_category)
            histories = con.execute(
                "SELECT history_id, chain_id, size, tokens FROM histories ORDER BY history_id").fetchall()
        finally:
            con.close()
        return cls(Path(path), meta, questions, messages, evidence, histories, evidence_category)


@dataclass
class AuditReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def fail(self, what: str) -> None:
        self.failures.append(what)

    @property
    def ok(self) -> bool:
        return not self.failures

    def render(self) -> str:
        verdict = "all thresholds met" if self.ok else f"{len(self.failures)} thresholds passed: " + "; ".join(
            self.failures)
        return "\n".join([*self.lines, "", f"audit: {verdict}"])


def audit(path: Path, against: Path | None = None, *, k: int = K, seed: int = 0) -> AuditReport:
    """Run every section on `path` (trained on `against` where a section trains); see the module docstring."""
    test = Store.load(path)
    train = Store.load(against) if against else None
    report = AuditReport()
    report.add(f"audit {path}" + (f" against {against}" if against else " (train: even personas, test: odd)"))
    report.add(f"tokenizer: {test.meta.get('tokenizer', 'memcurve-estimate-1 (not recorded)')}")
    _sizes_section(report, test)
    _detector_section(report, test, train)
    _baseline_section(report, path, test, train)
    _bm25_section(report, path, test, k, seed)
    _distractor_section(report, path)
    _validate_section(report, path)
    return report


# --------------------------------------------------------------------------------------------- sections


def _sizes_section(report: AuditReport, store: Store) -> None:
    report.add("")
    report.add("tokens and distinct texts per history, by size")
    report.add(f"  {'size':>5} {'histories':>9} {'mean tokens':>12} {'min':>9} {'max':>9} "
               f"{'distinct msgs (min)':>20} {'distinct convs (min)':>21}")
    con = open_store(store.path)
    try:
        rows = con.execute("""
            WITH msg AS (
                SELECT hc.history_id, hc.conversation_id, m.position, hash(m.text) AS h
                FROM history_conversations hc JOIN messages m USING (conversation_id)
            ),
            conv AS (
                SELECT history_id, conversation_id, hash(string_agg(h::VARCHAR, ',' ORDER BY position)) AS h
                FROM msg GROUP BY 1, 2
            ),
            dm AS (SELECT history_id, count(DISTINCT h) / count(*) AS dm FROM msg GROUP BY 1),
            dc AS (SELECT history_id, count(DISTINCT h) / count(*) AS dc FROM conv GROUP BY 1),
            per AS (SELECT h.history_id, h.size, h.tokens, dm.dm, dc.dc
                    FROM histories h JOIN dm USING (history_id) JOIN dc USING (history_id))
            SELECT size, count(*), avg(tokens), min(tokens), max(tokens), avg(dm), min(dm), avg(dc), min(dc)
            FROM per GROUP BY size ORDER BY size""").fetchall()
    finally:
        con.close()
    sizes = {}
    for size, n, mean, low, high, dm, dm_min, dc, dc_min in rows:
        sizes[size] = {"histories": n, "mean_tokens": mean, "min_tokens": low, "max_tokens": high,
                       "distinct_messages": dm, "distinct_messages_min": dm_min,
                       "distinct_conversations": dc, "distinct_conversations_min": dc_min}
        report.add(f"  {size:>5} {n:>9} {mean:>12,.0f} {low:>9,} {high:>9,} {dm:>12.3f} ({dm_min:.3f}) "
                   f"{dc:>13.3f} ({dc_min:.3f})")
    report.figures["sizes"] = sizes
    if sizes:
        top = sizes[max(sizes)]
        if top["distinct_messages_min"] < THRESHOLDS["distinct_messages"]:
            report.fail(f"distinct messages {top['distinct_messages_min']:.3f} < {THRESHOLDS['distinct_messages']} "
                        f"at size {max(sizes)}")
        if top["distinct_conversations_min"] < THRESHOLDS["distinct_conversations"]:
            report.fail(f"distinct conversations {top['distinct_conversations_min']:.3f} < 1 at size {max(sizes)}")


def _split(store: Store, train: Store | None):
    """(train rows, test rows) of messages: the other store, or even/odd personas of this one."""
    if train is not None:
        return train.messages, train.evidence, store.messages, store.evidence
    even = _even(store)
    tr = [m for m in store.messages if m[2] in even]
    te = [m for m in store.messages if m[2] not in even]
    return tr, store.evidence, te, store.evidence


def _even(store: Store) -> set[str]:
    return set(sorted({q["persona_id"] for q in store.questions} | {m[2] for m in store.messages})[::2])


def _sample(messages: list[tuple], evidence: set[str], rng: random.Random) -> list[tuple]:
    pos = [m for m in messages if m[0] in evidence]
    neg = [m for m in messages if m[0] not in evidence]
    if len(neg) > MAX_NEGATIVE_MESSAGES:
        neg = rng.sample(neg, MAX_NEGATIVE_MESSAGES)
    return pos + neg


def _shape_rows(messages: list[tuple], evidence: set[str]):
    convs: dict[str, list[tuple]] = defaultdict(list)
    for m in messages:
        convs[m[1]].append(m)
    x, y = [], []
    for cid in sorted(convs):
        ms = convs[cid]
        x.append(shape_features([m[3] for m in ms], [m[5] for m in ms]))
        y.append(any(m[0] in evidence for m in ms))
    return np.array(x, dtype=float), np.array(y)


def _detector_section(report: AuditReport, store: Store, train: Store | None) -> None:
    rng = random.Random(0)
    tr_msgs, tr_ev, te_msgs, te_ev = _split(store, train)
    report.add("")
    report.add("evidence detectors (AUC on the test store; 0.5 = chance)")
    if not tr_ev or not te_ev:
        report.add("  skipped: no evidence messages to learn from")
        return
    tr, te = _sample(tr_msgs, tr_ev, rng), _sample(te_msgs, te_ev, rng)
    figures, notes = {}, {}
    thresholded = ["messages", "conversation shape", SAME_SLOT]
    labels = np.array([m[0] in te_ev for m in te])
    scores = message_detector_scores(([m[4] for m in tr], np.array([m[0] in tr_ev for m in tr])), [m[4] for m in te])
    figures["messages"] = auc(labels, scores)
    # each category's evidence against all other messages: which category gives itself away
    for category, value in group_aucs(labels, scores, [store.evidence_category.get(m[0]) for m in te]).items():
        figures[f"messages: {category}"] = value
    for speaker in ("user", "assistant"):
        a = [m for m in tr if m[3] == speaker]
        b = [m for m in te if m[3] == speaker]
        if any(m[0] in tr_ev for m in a) and any(m[0] in te_ev for m in b):
            figures[f"messages ({speaker} turns only)"] = message_detector_auc(
                ([m[4] for m in a], np.array([m[0] in tr_ev for m in a])),
                ([m[4] for m in b], np.array([m[0] in te_ev for m in b])))
    # the speaker alone (user turn or not), no words: the floor of any message detector when evidence is
    # said by the user more often than messages are; reported, not thresholded
    figures["speaker alone (no words)"] = auc(np.array([m[0] in te_ev for m in te]),
                                              np.array([m[3] == "user" for m in te], dtype=float))
    figures["conversation shape"] = shape_detector_auc(_shape_rows(tr_msgs, tr_ev), _shape_rows(te_msgs, te_ev))
    q_train = train.questions if train else [q for q in store.questions if q["persona_id"] in _even(store)]
    q_test = store.questions if train else [q for q in store.questions if q["persona_id"] not in _even(store)]
    if any(q["is_abstention"] for q in q_train) and any(q["is_abstention"] for q in q_test):
        figures["abstention from question text"] = message_detector_auc(
            ([q["text"] for q in q_train], np.array([bool(q["is_abstention"]) for q in q_train])),
            ([q["text"] for q in q_test], np.array([bool(q["is_abstention"]) for q in q_test])))
        slots = {q["slot"] for q in q_train + q_test if q["is_abstention"]}
        a = [q for q in q_train if q["slot"] in slots]
        b = [q for q in q_test if q["slot"] in slots]
        found = within_group_permutation(*(([q["text"] for q in qs], np.array([bool(q["is_abstention"]) for q in qs]),
                                            [q["slot"] for q in qs]) for qs in (a, b)))
        figures[SAME_SLOT] = found.auc
        abstaining = sum(bool(q["is_abstention"]) for q in b)
        notes[SAME_SLOT] = (f"(pairs within a slot; {abstaining} abstention, {len(b) - abstaining} answerable "
                            f"questions; shuffled labels reach {found.null_95:.3f} one time in 20, p = {found.p:.3f})")
        report.figures["same_slot_p"] = found.p
        if found.p >= THRESHOLDS["permutation_p"]:  # no better than shuffled labels: too few questions to tell
            thresholded.remove(SAME_SLOT)
    for name, value in figures.items():
        report.add(f"  {name:<32} AUC {value:.3f} {notes.get(name, '')}".rstrip())
    report.figures["detectors"] = figures
    for name in thresholded:
        if name in figures and figures[name] > THRESHOLDS["detector_auc"]:
            report.fail(f"{name} detector AUC {figures[name]:.3f} > {THRESHOLDS['detector_auc']}")


def _options(text: str) -> list[str]:
    """Options a question lists: 'A, B or C' before a question mark, and every number."""
    found = _NUMBER.findall(text)
    m = re.search(r":\s*([^?]+)\?", text) or re.search(r"(?:first|last|earlier|later)[,:]?\s+([^?]+)\?", text)
    if m and " or " in m.group(1):
        found += [p.strip(" ,.") for p in re.split(r",| or ", m.group(1)) if p.strip(" ,.")]
    return found


def _majority(store: Store) -> dict[tuple, str]:
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for q in store.questions:
        if not q["is_abstention"]:
            counts[(q["category"], q["slot"] or q["question_type"])][q["answer"]] += 1
    return {key: c.most_common(1)[0][0] for key, c in counts.items()}


def _scorer(path: Path):
    """score(question row, reply) -> True/False/None with the project's deterministic answer check: the
    single-answer scorer with the store's answer keys where it exists, else the plain answer check."""
    try:
        from memcurve.evals.scorers.answer_key import answer_keys
        from memcurve.evals.scorers.single_answer import score_reply
    except ImportError:
        from memcurve.evals.scorers.answer_check import check_answer, is_rubric

        def score(q: dict, reply: str):
            if is_rubric({"category": q["category"], "answer_kind": q["answer_kind"]}):
                return None
            golds = [q["answer"], *(q["aliases"] or [])]
            return check_answer(reply, golds, answer_kind=q["answer_kind"],
                                is_abstention=bool(q["is_abstention"])).correct
        return score
    keys = answer_keys(path)

    def score(q: dict, reply: str):
        return score_reply(reply, keys[q["question_id"]]).correct
    return score


def _baseline_section(report: AuditReport, path: Path, store: Store, train: Store | None) -> None:
    score = _scorer(path)
    majority = _majority(train or store)
    baselines = {
        "always abstain": lambda q: ABSTAIN_REPLY,
        "echo question": lambda q: q["text"],
        "echo + abstain + options": lambda q: " ".join([q["text"], ABSTAIN_REPLY, *_options(q["text"])]),
        "slot majority": lambda q: majority.get((q["category"], q["slot"] or q["question_type"]), ""),
    }
    right: dict[str, dict[str, list[bool]]] = {b: defaultdict(list) for b in baselines}
    scored = 0
    abstention = 0
    for q in store.questions:
        verdicts = {name: score(q, make(q)) for name, make in baselines.items()}
        if all(v is None for v in verdicts.values()):  # rubric: left to the judge
            continue
        scored += 1
        abstention += bool(q["is_abstention"])
        for name, verdict in verdicts.items():
            right[name][q["category"]].append(bool(verdict))
    report.add("")
    categories = sorted({c for b in right.values() for c in b})
    report.add("no-history baselines (accuracy with the project's answer check; rubric questions left out)")
    report.add("  " + f"{'baseline':<26}" + "".join(f"{c[:14]:>15}" for c in categories) + f"{'all':>8}")
    figures = {}
    for name, per in right.items():
        cells, flat = [], []
        for c in categories:
            vals = per.get(c, [])
            flat += vals
            acc = sum(vals) / len(vals) if vals else math.nan
            cells.append(f"{acc:>15.3f}")
            figures[(name, c)] = acc
            if c != "abstention" and vals and acc > THRESHOLDS["baseline_accuracy"]:
                report.fail(f"baseline '{name}' scores {acc:.3f} on {c}")
        overall = sum(flat) / len(flat) if flat else math.nan
        figures[(name, "all")] = overall
        report.add("  " + f"{name:<26}" + "".join(cells) + f"{overall:>8.3f}")
    share = abstention / scored if scored else 0.0
    report.add(f"  abstention share of scored questions: {share:.3f}")
    report.figures["baselines"] = figures
    report.figures["abstention_share"] = share
    if scored and figures[("always abstain", "all")] > share + THRESHOLDS["abstain_margin"]:
        report.fail(f"always-abstain {figures[('always abstain', 'all')]:.3f} beats the abstention share {share:.3f}")


def _bm25_section(report: AuditReport, path: Path, store: Store, k: int, seed: int) -> None:
    from memcurve.evals.history import load_history
    import Stemmer

    from memcurve.evals.retrieval.bm25 import BM25Index, tokenize
    from memcurve.evals.retrieval.units import split_units

    con = open_store(path)
    try:
        asked = con.execute("SELECT history_id, question_id FROM history_questions ORDER BY 1, 2").fetchall()
        ev_rows = con.execute("SELECT question_id, message_id FROM evidence").fetchall()
    finally:
        con.close()
    evidence: dict[str, set[str]] = defaultdict(set)
    for qid, mid in ev_rows:
        evidence[qid].add(mid)
    by_q = {q["question_id"]: q for q in store.questions}
    per_history: dict[str, list[str]] = defaultdict(list)
    for hid, qid in asked:
        per_history[hid].append(qid)
    size_of = {h[0]: h[2] for h in store.histories}
    rng = random.Random(seed)
    chosen: list[str] = []
    by_size: dict[int, list[str]] = defaultdict(list)
    for hid in sorted(per_history):
        by_size[size_of[hid]].append(hid)
    for size in sorted(by_size):
        hids, most = by_size[size], max(1, MAX_CONVERSATIONS_PER_SIZE // max(size, 1))
        chosen += hids if len(hids) <= most else sorted(rng.sample(hids, most))
    # (unit, size, category) -> [(any, all)]
    hits: dict[tuple, list[tuple[bool, bool]]] = defaultdict(list)
    chance: dict[tuple, list[float]] = defaultdict(list)  # (size, category) -> a random ranking's recall_any@k
    units_at: dict[int, int] = {}
    stemmer, message_tokens = Stemmer.Stemmer("english"), {}
    for hid in chosen:
        history = load_history(path, hid)
        size = size_of[hid]
        units_at[size] = len(history.conversations)
        new = [m for m in history.messages if m.message_id not in message_tokens]
        if len(message_tokens) + len(new) > MAX_CACHED_MESSAGES:
            message_tokens.clear()
            new = history.messages
        message_tokens.update(zip((m.message_id for m in new), tokenize([m.text for m in new], stemmer)))
        for unit in UNITS:
            pieces = split_units(history, unit)
            tokens = [[t for mid in piece.message_ids for t in message_tokens[mid]] for piece in pieces]
            index = BM25Index(pieces, tokens)
            for qid in per_history[hid]:
                q = by_q[qid]
                gold = evidence.get(qid, set())
                if not gold or q["is_abstention"]:
                    continue
                top = index.search(q["text"], k)
                found = {mid for hit in top for mid in hit.unit.message_ids} & gold
                hits[(unit, size, q["category"])].append((bool(found), found == gold))
                if unit == "conversation":
                    holding = sum(1 for piece in pieces if gold & set(piece.message_ids))
                    chance[(size, q["category"])].append(_random_recall_any(len(pieces), holding, k))
    report.add("")
    report.add(f"BM25 recall_any@{k} (recall_all@{k}) by unit, category and size "
               f"(histories per size: as many as hold {MAX_CONVERSATIONS_PER_SIZE:,} conversations)")
    sizes = sorted({s for _, s, _ in hits})
    categories = sorted({c for _, _, c in hits})
    figures = {}
    for unit in UNITS:
        per_cell = {(s, c): vs for (u, s, c), vs in hits.items() if u == unit}
        for cat in [*categories, "all"]:
            for s in sizes:
                vals = [a for (sz, c), vs in per_cell.items() if sz == s and cat in ("all", c) for a, _ in vs]
                if vals:
                    figures[(unit, cat, s)] = sum(vals) / len(vals)
        report.add(f"  {unit}")
        _size_table(report, categories, sizes, per_cell, lambda vals: (
            f"{sum(a for a, _ in vals) / len(vals):.2f} ({sum(b for _, b in vals) / len(vals):.2f})"))
    report.figures["bm25"] = figures
    report.add(f"  conversation recall_any@{k} of a random ranking (expected; a question with several evidence "
               "conversations is found by chance more often)")
    _size_table(report, categories, sizes, chance, lambda vals: f"{sum(vals) / len(vals):.2f}")
    report.add("  questions scored per cell (every unit scores the same ones)")
    _size_table(report, categories, sizes, chance, lambda vals: str(len(vals)))
    if sizes:
        top = max(sizes)
        if 10 in sizes and top > 10:
            drop = figures.get(("conversation", "all", 10), math.nan) - figures.get(("conversation", "all", top), math.nan)
            report.add(f"  conversation recall_any@{k}: size 10 minus size {top} = {drop:.3f}")
            if not drop >= THRESHOLDS["recall_drop"]:
                report.fail(f"conversation recall_any@{k} falls only {drop:.3f} from size 10 to {top}")
        for (unit, cat, s), value in figures.items():
            if unit == "conversation" and cat != "all" and units_at.get(s, 0) > 2 * k and value >= 1.0:
                n = len(chance[(s, cat)])
                report.fail(f"BM25 finds every {cat} question's evidence at size {s} ({n} of {n})")


def _size_table(report: AuditReport, categories: list[str], sizes: list[int], values: dict[tuple, list],
                cell) -> None:
    """One row per category (and "all") and one column per size; `cell` renders a cell's pooled values."""
    report.add("    " + f"{'category':<22}" + "".join(f"{s:>14}" for s in sizes))
    for cat in [*categories, "all"]:
        cells = []
        for s in sizes:
            vals = [v for (sz, c), vs in values.items() if sz == s and cat in ("all", c) for v in vs]
            cells.append(f"{cell(vals) if vals else '-':>14}")
        report.add("    " + f"{cat:<22}" + "".join(cells))


def _random_recall_any(units: int, holding: int, k: int) -> float:
    """The chance that k units drawn at random include one of the `holding` units with evidence."""
    if holding <= 0:
        return 0.0
    return 1.0 - math.comb(units - holding, k) / math.comb(units, k) if units > k else 1.0


def _validate_section(report: AuditReport, path: Path) -> None:
    from memcurve.generators.validate import validate

    result = validate(path)
    con = open_store(path)
    try:
        questions, histories = con.execute(
            "SELECT (SELECT count(*) FROM questions), (SELECT count(*) FROM histories)").fetchone()
    finally:
        con.close()
    report.add("")
    report.add("validate coverage (what each check examined)")
    for c in result.checks:
        total = questions if c.unit == "questions" else histories
        if c.skipped:
            report.add(f"  {c.name:<26} skipped: {c.skipped}")
            continue
        status = "ok" if c.ok else f"FAIL ({c.failure_count})"
        report.add(f"  {c.name:<26} {c.checked:>7} of {total:>7} {c.unit:<9} {status}")
    report.figures["validate"] = {c.name: (c.checked, c.failure_count, c.skipped) for c in result.checks}
    if not result.ok:
        report.fail("validate fails: " + ", ".join(result.failed_checks))


def _distractor_section(report: AuditReport, path: Path) -> None:
    from memcurve.generators.validate import prepare_distractors

    con = open_store(path)
    try:
        prepare_distractors(con)
        rows = con.execute("""
            WITH per AS (
                SELECT hq.history_id, hq.question_id, count(DISTINCT d.conversation_id) AS n
                FROM history_questions hq
                     LEFT JOIN _dq d ON d.question_id = hq.question_id AND d.history_id = hq.history_id
                GROUP BY 1, 2
            )
            SELECT q.category, h.size, avg(per.n)
            FROM per JOIN questions q USING (question_id) JOIN histories h USING (history_id)
            GROUP BY ALL
            UNION ALL
            SELECT 'all', h.size, avg(per.n)
            FROM per JOIN histories h USING (history_id) GROUP BY ALL
            ORDER BY 1, 2""").fetchall()
    finally:
        con.close()
    report.add("")
    report.add("topical distractors: mean conversations per question history that state another person's value "
               "of the question's slot, by category and size")
    if not rows:
        report.add("  no questions asked of any history")
        return
    sizes = sorted({r[1] for r in rows})
    cells = {(c, s): mean for c, s, mean in rows}
    report.add("  " + f"{'category':<22}" + "".join(f"{s:>7}" for s in sizes))
    for cat in sorted({r[0] for r in rows} - {"all"}) + ["all"]:
        report.add("  " + f"{cat:<22}" + "".join(f"{cells[(cat, s)]:>7.2f}" if (cat, s) in cells else f"{'-':>7}"
                                               for s in sizes))
    report.figures["distractors"] = cells
