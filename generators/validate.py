"""`memcurve validate`: prove that every question of a benchmark is answerable from, and only from, its evidence.

Each check is one named function that runs set-based SQL in DuckDB (so ~75k questions x 15 histories
validate in seconds) and returns the rows that break it as (id, reason). Question checks report question
ids; history checks report history ids. The checks:

- evidence_present       every evidence message exists, lies inside every history that asks the question,
                         and was sent before the question's asked_at; evidence_count matches the rows
                         that state (not those that restate)
- answer_in_evidence     fact categories: the answer or an alias appears (case-insensitive) in the evidence
- no_competing_value     no other message of a history states another value that the facts table records
                         for the question's slot (whole word, case-sensitive), except registered hard
                         negatives (another subject) and a changing chain's earlier values while they
                         held (valid_from <= sent_at < valid_to); and no facts row
                         in the history gives the same persona, slot and subject another value; and every
                         topical distractor in the history (a facts row of another person with one of the
                         question's slots: its own slot or its evidence's facts slots, so aggregation and
                         temporal questions too) names whose it is (its message holds the value and the
                         subject, or answers a turn naming the subject) and states none of the user's own values or accepted answers, so it cannot
                         be read as the user's answer; the summary says how many distractors it examined
- changing_final         changing facts: the chain planted by the evidence is ordered by valid_from, each value
                         superseded by the next, and the last value is the answer
- expiry_respected       a question relying on a temporary circumstance (valid_to, no successor) is asked
                         before it expired: no stale rubric
- abstention_unplanted   abstention questions: the user never had a facts row for the asked slot
- temporal_recomputed    temporal answers equal generators.temporal.compute over the stored timestamps
- overlap_recorded       each question's word_overlap, conversation_overlap and overlap_level match its texts
- no_duplicate_conversation   no conversation appears twice in a history
- no_duplicate_text      not for imported data: no message text and no conversation text occurs twice in a history
- history_order          conversations start strictly later along each history, size equals the rows, the
                         conversations belong to the history's persona, and every question is asked after
                         the history's last message
- nesting                within a chain, each history's conversations are a subset of the next larger one's

Imported benchmarks (meta source other than memcurve.generate) may have no facts table rows; the checks
that need facts then report "skipped" instead of failing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from memcurve.generators import temporal
from memcurve.generators.overlap_store import measured_overlaps, overlap_problem
from memcurve.generators.store import open_store, read_meta

FACT_CATEGORIES = ("user_facts", "assistant_facts", "changing_facts")
# categories whose answer is computed from several facts rather than being one slot value
COMPUTED_CATEGORIES = ("temporal", "aggregation")
GENERATOR_SOURCE = "memcurve.generate"
MAX_KEPT_FAILURES = 1000  # per check; the count is always exact
SHOWN_FAILURES = 3  # per check in the rendered summary

# Words of a text for whole-word matching: runs of letters/digits, so "Biscuit's" holds the word "Biscuit".
_WORDS_SQL = "string_split(trim(regexp_replace({}, '[^\\p{{L}}\\p{{N}}]+', ' ', 'g')), ' ')"


def _words(expr: str) -> str:
    return _WORDS_SQL.format(expr)


@dataclass(frozen=True)
class Failure:
    id: str  # question_id or history_id
    reason: str


@dataclass
class CheckResult:
    name: str
    unit: str  # what `checked` counts: "questions" or "histories"
    checked: int
    failure_count: int = 0
    failures: list[Failure] = field(default_factory=list)  # the first MAX_KEPT_FAILURES, sorted by id
    skipped: str | None = None  # why the check does not apply (reported as "not applicable")
    seconds: float = 0.0
    detail: str | None = None  # what else the check examined, e.g. how many distractor facts

    @property
    def ok(self) -> bool:
        return self.failure_count == 0

    @property
    def failing_ids(self) -> list[str]:
        return sorted({f.id for f in self.failures})

    def summary(self) -> str:
        if self.skipped:
            return (f"n/a   {self.name:<26} {self.checked:>7} {self.unit or 'questions':<9} examined; "
                    f"not applicable: {self.skipped}")
        status = "ok  " if self.ok else "FAIL"
        line = (f"{status}  {self.name:<26} {self.checked:>7} {self.unit:<9} {self.failure_count:>6} failures"
                f"  {self.seconds:5.1f} s")
        if self.detail:
            line += f"  ({self.detail})"
        if self.failures:
            shown = "; ".join(f"{f.id}: {f.reason}" for f in self.failures[:SHOWN_FAILURES])
            more = self.failure_count - min(SHOWN_FAILURES, len(self.failures))
            line += f"\n      {shown}" + (f" (+{more} more)" if more > 0 else "")
        return line


@dataclass
class ValidationReport:
    path: Path
    checks: list[CheckResult]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def check(self, name: str) -> CheckResult:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no check named {name!r}; checks: {', '.join(c.name for c in self.checks)}")

    def failures(self, name: str) -> list[Failure]:
        return self.check(name).failures

    @property
    def failed_checks(self) -> list[str]:
        return [c.name for c in self.checks if not c.ok]

    def render(self) -> str:
        failed = self.failed_checks
        plural = "s" if len(failed) != 1 else ""
        verdict = "all checks passed" if not failed else f"{len(failed)} check{plural} failed: {', '.join(failed)}"
        head = f"validate {self.path}: {verdict} ({self.seconds:.1f} s)"
        return "\n".join([head, *(c.summary() for c in self.checks)])


def validate(path: Path) -> ValidationReport:
    """Run every check on the benchmark at `path` (raises StoreError if it is not a readable benchmark)."""
    start = time.perf_counter()
    con = open_store(path)
    try:
        con.execute("SET enable_progress_bar = false")
        ctx = _Context.load(con)
        checks = [_run(con, ctx, name, fn) for name, fn in CHECKS]
    finally:
        con.close()
    return ValidationReport(Path(path), checks, time.perf_counter() - start)


@dataclass
class _Context:
    """What several checks need to know first: whether the facts table can be checked at all."""

    facts_skip: str | None
    source: str = ""

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> _Context:
        source = read_meta(con).get("source", "")
        has_facts = con.execute("SELECT count(*) > 0 FROM facts").fetchone()[0]
        skip = None
        if source != GENERATOR_SOURCE and not has_facts:
            skip = f"imported data ({source or 'no source'}) has no facts table rows"
        return cls(facts_skip=skip, source=source)


# A check returns (checked, unit, failures) or a skip reason; failures are SQL yielding rows (id, reason),
# or those rows already computed in Python. A fourth item, if given, is the result's detail line.
CheckSpec = tuple[int, str, "str | list[tuple[str, str]]"]


def _run(con: duckdb.DuckDBPyConnection, ctx: _Context, name: str, fn: Callable) -> CheckResult:
    start = time.perf_counter()
    spec = fn(con, ctx)
    if isinstance(spec, str):
        return CheckResult(name, "", 0, skipped=spec, seconds=time.perf_counter() - start)
    checked, unit, sql, *detail = spec
    if isinstance(sql, list):  # computed in Python
        rows = sorted(set(sql))
        count = len(rows)
    else:
        rows = con.execute(
            f"SELECT id, reason, count(*) OVER () FROM (SELECT DISTINCT id, reason FROM ({sql})) "
            f"ORDER BY id, reason LIMIT {MAX_KEPT_FAILURES}"
        ).fetchall()
        count = rows[0][2] if rows else 0
    failures = [Failure(r[0], r[1]) for r in rows[:MAX_KEPT_FAILURES]]
    return CheckResult(name, unit, checked, count, failures, seconds=time.perf_counter() - start,
                       detail=detail[0] if detail else None)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]


def _in_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# --- the checks ------------------------------------------------------------------------------------------


def check_evidence_present(con, ctx) -> CheckSpec:
    sql = """
        SELECT e.question_id AS id, 'evidence message ' || e.message_id || ' does not exist' AS reason
        FROM evidence e ANTI JOIN messages m ON m.message_id = e.message_id
        UNION ALL
        SELECT q.question_id, 'evidence_count ' || q.evidence_count || ' but ' || coalesce(n.rows, 0)
               || ' evidence rows'
        FROM questions q LEFT JOIN (SELECT question_id, count(*) FILTER (WHERE NOT restates) AS rows
                                    FROM evidence GROUP BY 1) n
             ON n.question_id = q.question_id
        WHERE q.evidence_count <> coalesce(n.rows, 0)
        UNION ALL
        SELECT e.question_id, 'evidence message ' || e.message_id || ' sent at ' || m.sent_at
               || ', not before asked_at ' || q.asked_at
        FROM evidence e JOIN messages m ON m.message_id = e.message_id
             JOIN questions q ON q.question_id = e.question_id
        WHERE m.sent_at >= q.asked_at
        UNION ALL
        SELECT hq.question_id, 'evidence message ' || e.message_id || ' is not in history ' || hq.history_id
        FROM history_questions hq JOIN evidence e ON e.question_id = hq.question_id
             JOIN messages m ON m.message_id = e.message_id
             ANTI JOIN history_conversations hc
                ON hc.history_id = hq.history_id AND hc.conversation_id = m.conversation_id
    """
    return _count(con, "SELECT * FROM questions"), "questions", sql


def check_answer_in_evidence(con, ctx) -> CheckSpec:
    scope = f"SELECT * FROM questions WHERE category IN {_in_list(FACT_CATEGORIES)}"
    sql = f"""
        WITH ev AS (
            SELECT e.question_id, string_agg(lower(m.text), chr(10)) AS txt
            FROM evidence e JOIN messages m ON m.message_id = e.message_id GROUP BY 1
        )
        SELECT q.question_id AS id, 'answer ' || q.answer || ' (or an alias) not found in its evidence' AS reason
        FROM ({scope}) q LEFT JOIN ev ON ev.question_id = q.question_id
        WHERE NOT coalesce(contains(ev.txt, lower(q.answer))
                           OR list_bool_or(list_transform(q.aliases, lambda a: contains(ev.txt, lower(a)))),
                           false)
    """
    return _count(con, scope), "questions", sql


def _prepare_slot_questions(con: duckdb.DuckDBPyConnection) -> None:
    """_sq: slot questions with the subject of their fact and their accepted answers (lower case)."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _sq AS
        SELECT q.question_id, q.persona_id, q.slot, q.category,
               -- abstention: the evidence is someone else's value; the user's own would compete
               CASE WHEN q.is_abstention THEN 'user' ELSE
               coalesce(min(f.subject) FILTER (WHERE f.subject IN ('user', 'assistant')), min(f.subject),
                        CASE WHEN q.category = 'assistant_facts' THEN 'assistant' ELSE 'user' END) END AS subject,
               list_transform(list_append(q.aliases, q.answer), lambda a: lower(a)) AS accepted
        FROM questions q
             LEFT JOIN evidence e ON e.question_id = q.question_id
             LEFT JOIN facts f ON f.message_id = e.message_id AND f.slot = q.slot
        WHERE q.slot IS NOT NULL AND q.category NOT IN {_in_list(COMPUTED_CATEGORIES)}
        GROUP BY q.question_id, q.persona_id, q.slot, q.category, q.aliases, q.answer, q.is_abstention
    """)


def _prepare_mentions(con: duckdb.DuckDBPyConnection) -> None:
    """_hits: (message, slot, value) for every whole-word, case-sensitive mention of a value the facts
    table records for that slot.

    Texts are split into words once and matched by first word, then by the full word sequence, which is far
    faster than one regular expression with thousands of alternatives. A mention inside a longer recorded
    value of any slot does not count (a name inside a street address); the vocab pools avoid
    such overlaps anyway, since an unregistered longer value would not shield its words."""
    # every recorded value as words; keep those of the questions' slots and the longer values containing them
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _allvals AS
        SELECT value, {_words('value')} AS toks, list(DISTINCT slot ORDER BY slot) AS slots
        FROM (SELECT DISTINCT slot, value FROM facts) WHERE trim(value) <> '' GROUP BY value
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _vals AS
        WITH asked AS (
            SELECT * FROM _allvals WHERE list_has_any(slots, (SELECT list(DISTINCT slot) FROM _sq))
        ),
        keep AS (
            SELECT value FROM asked
            UNION
            SELECT u.value FROM _allvals u JOIN asked a
                ON len(u.toks) > len(a.toks)
               AND contains(' ' || array_to_string(u.toks, ' ') || ' ', ' ' || array_to_string(a.toks, ' ') || ' ')
        )
        SELECT v.*, len(v.toks) AS n,
               -- anchor on the longest word (rarer than "The" in "The Silent Weaver")
               list_position(list_transform(v.toks, lambda x: len(x)),
                             list_max(list_transform(v.toks, lambda x: len(x)))) AS a
        FROM _allvals v SEMI JOIN keep k ON k.value = v.value
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _tok AS
        SELECT m.message_id, m.conversation_id, m.sent_at, {_words('m.text')} AS w
        FROM messages m
        WHERE m.conversation_id IN (
            SELECT hc.conversation_id FROM history_conversations hc
            WHERE hc.history_id IN (
                SELECT hq.history_id FROM history_questions hq SEMI JOIN _sq ON _sq.question_id = hq.question_id))
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _found AS
        WITH pos AS (
            SELECT message_id, word, i FROM (
                SELECT message_id, unnest(w) AS word, generate_subscripts(w, 1) AS i FROM _tok)
            WHERE word IN (SELECT toks[a] FROM _vals)
        )
        SELECT pos.message_id, pos.i - v.a + 1 AS first, pos.i - v.a + v.n AS last, v.value, v.slots
        FROM pos JOIN _vals v ON v.toks[v.a] = pos.word JOIN _tok t ON t.message_id = pos.message_id
        WHERE v.n = 1 OR (pos.i >= v.a AND t.w[pos.i - v.a + 1:pos.i - v.a + v.n] = v.toks)
    """)
    # A span is covered when an earlier span in (first, longest-first) order reaches at least as far.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _hits AS
        WITH spans AS (
            SELECT message_id, first, last,
                   max(last) OVER (PARTITION BY message_id ORDER BY first, last DESC
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
            FROM (SELECT DISTINCT message_id, first, last FROM _found)
        ),
        longest AS (
            SELECT f.* FROM _found f SEMI JOIN spans s
                ON s.message_id = f.message_id AND s.first = f.first AND s.last = f.last
                   AND (s.reach IS NULL OR s.reach < s.last)
        )
        SELECT DISTINCT l.message_id, t.conversation_id, t.sent_at, unnest(l.slots) AS slot, l.value
        FROM longest l JOIN _tok t ON t.message_id = l.message_id
    """)
    con.execute("DELETE FROM _hits WHERE slot NOT IN (SELECT slot FROM _sq)")


def check_no_competing_value(con, ctx) -> CheckSpec | str:
    if ctx.facts_skip:
        return ctx.facts_skip
    _prepare_slot_questions(con)
    _prepare_mentions(con)
    sql = """
        WITH hist_hits AS (
            SELECT hc.history_id, h.message_id, h.sent_at, h.slot, h.value
            FROM _hits h JOIN history_conversations hc ON hc.conversation_id = h.conversation_id
        )
        SELECT q.question_id AS id,
               'message ' || hh.message_id || ' in history ' || hq.history_id || ' states competing '
               || q.slot || ' ' || hh.value AS reason
        FROM hist_hits hh
             JOIN history_questions hq ON hq.history_id = hh.history_id
             JOIN _sq q ON q.question_id = hq.question_id AND q.slot = hh.slot
        WHERE NOT list_contains(q.accepted, lower(hh.value))
          AND NOT EXISTS (SELECT 1 FROM evidence e
                          WHERE e.question_id = q.question_id AND e.message_id = hh.message_id)
          AND NOT EXISTS (SELECT 1 FROM facts f  -- a registered hard negative: someone else's value
                          WHERE f.message_id = hh.message_id AND f.slot = q.slot AND f.value = hh.value
                            AND f.subject <> q.subject)
          AND NOT EXISTS (SELECT 1 FROM facts f  -- an earlier value of the chain, stated while it held
                          WHERE q.category = 'changing_facts' AND f.persona_id = q.persona_id
                            AND f.slot = q.slot AND f.subject = q.subject AND f.value = hh.value
                            AND f.superseded_by IS NOT NULL
                            AND f.valid_from <= hh.sent_at AND hh.sent_at < f.valid_to)
        UNION ALL
        SELECT q.question_id, 'fact ' || f.fact_id || ' in history ' || hq.history_id || ' gives ' || f.subject
               || ' ' || q.slot || ' = ' || f.value
        FROM _sq q JOIN history_questions hq ON hq.question_id = q.question_id
             JOIN facts f ON f.persona_id = q.persona_id AND f.slot = q.slot AND f.subject = q.subject
             JOIN messages m ON m.message_id = f.message_id
             SEMI JOIN history_conversations hc
                ON hc.history_id = hq.history_id AND hc.conversation_id = m.conversation_id
        WHERE NOT list_contains(q.accepted, lower(f.value))
          AND NOT (q.category = 'changing_facts' AND f.superseded_by IS NOT NULL)
        UNION ALL
        SELECT question_id, 'distractor fact ' || fact_id || ' in history ' || history_id || ' gives ' || subject
               || ' ' || slot || ' = ' || value || ', the user''s own value or answer'
        FROM _dq WHERE users_value
        UNION ALL
        SELECT question_id, 'distractor fact ' || fact_id || ' (' || subject || ' ' || slot || ' = ' || value
               || ') is not named in its message ' || message_id || ': it reads as the user''s'
        FROM _dq WHERE NOT attributed
    """
    prepare_distractors(con)
    questions, facts, pairs = con.execute(
        "SELECT count(DISTINCT question_id), count(DISTINCT fact_id), count(*) FROM _dq").fetchone()
    checked = _count(con, "SELECT question_id FROM _sq UNION SELECT question_id FROM _dq")
    return checked, "questions", sql, (f"{facts} distractor facts examined in {pairs} question histories "
                                       f"of {questions} questions")


def prepare_distractors(con: duckdb.DuckDBPyConnection) -> None:
    """_dq: (question, history, distractor fact) for every facts row of another person (not the user, not the
    assistant) with one of the question's slots in one of its histories, outside its evidence; with whether
    the value is one of the user's own for the question (an accepted answer, or a value its evidence states
    for the user) and whether its message names the value and, itself or in the turn it answers, the
    subject. (audit's distractor section
    counts these per question history.)"""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _dq AS
        WITH ev AS (
            SELECT e.question_id, e.message_id, f.slot, f.subject, f.value
            FROM evidence e LEFT JOIN facts f ON f.message_id = e.message_id
        ),
        qslot AS (
            SELECT question_id, slot FROM questions WHERE slot IS NOT NULL
            UNION SELECT question_id, slot FROM ev WHERE slot IS NOT NULL
        ),
        own AS (
            SELECT q.question_id, list_distinct(list_concat(
                list_transform(list_append(q.aliases, q.answer), lambda a: lower(a)),
                coalesce(list(lower(ev.value)) FILTER (WHERE ev.subject IN ('user', 'assistant')), []))) AS vals
            FROM questions q LEFT JOIN ev ON ev.question_id = q.question_id
            GROUP BY q.question_id, q.aliases, q.answer
        )
        SELECT qs.question_id, hq.history_id, f.fact_id, f.subject, f.slot, f.value, f.message_id, m.conversation_id,
               list_contains(own.vals, lower(f.value)) AS users_value,
               contains(m.text, f.value) AND (contains(lower(m.text), lower(f.subject))
                                              OR contains(lower(coalesce(p.text, '')), lower(f.subject))) AS attributed
        FROM qslot qs JOIN questions q ON q.question_id = qs.question_id
             JOIN own ON own.question_id = qs.question_id
             JOIN history_questions hq ON hq.question_id = qs.question_id
             JOIN facts f ON f.persona_id = q.persona_id AND f.slot = qs.slot
                         AND f.subject NOT IN ('user', 'assistant')
             JOIN messages m ON m.message_id = f.message_id
             -- a reply acknowledging an aside ("Hopefully Tallow Barbell Co suits them") names the person
             -- through the turn it answers
             LEFT JOIN messages p ON p.conversation_id = m.conversation_id AND p.position = m.position - 1
             SEMI JOIN history_conversations hc
                ON hc.history_id = hq.history_id AND hc.conversation_id = m.conversation_id
        WHERE NOT EXISTS (SELECT 1 FROM evidence e WHERE e.question_id = qs.question_id
                                                      AND e.message_id = f.message_id)
    """)


def check_expiry_respected(con, ctx) -> CheckSpec | str:
    """A question that depends on a temporary circumstance (a facts row with valid_to but no successor, e.g. a
    recovering knee) is asked while it still holds: otherwise its rubric would be stale."""
    if ctx.facts_skip:
        return ctx.facts_skip
    scope = """
        SELECT DISTINCT q.question_id, q.asked_at, f.fact_id, f.valid_to
        FROM questions q JOIN evidence e ON e.question_id = q.question_id
             JOIN facts f ON f.message_id = e.message_id
        WHERE f.valid_to IS NOT NULL AND f.superseded_by IS NULL
    """
    sql = f"""
        SELECT question_id AS id, 'stale rubric: fact ' || fact_id || ' expired ' || valid_to
               || ', before asked_at ' || asked_at AS reason
        FROM ({scope}) WHERE asked_at >= valid_to
    """
    return _count(con, f"SELECT DISTINCT question_id FROM ({scope})"), "questions", sql


def check_changing_final(con, ctx) -> CheckSpec | str:
    if ctx.facts_skip:
        return ctx.facts_skip
    questions = con.execute(
        "SELECT question_id, persona_id, slot, answer, aliases FROM questions "
        "WHERE category = 'changing_facts' ORDER BY question_id"
    ).fetchall()
    chains: dict[str, list[tuple]] = {}
    for row in con.execute("""
        SELECT DISTINCT q.question_id, f.fact_id, f.subject, f.value, f.valid_from, f.valid_to, f.superseded_by
        FROM questions q JOIN evidence e ON e.question_id = q.question_id
             JOIN facts f ON f.message_id = e.message_id AND f.slot = q.slot AND f.persona_id = q.persona_id
        WHERE q.category = 'changing_facts'
        ORDER BY q.question_id, f.valid_from, f.fact_id
    """).fetchall():
        chains.setdefault(row[0], []).append(row[1:])
    failures = []
    for qid, _persona, slot, answer, aliases in questions:
        reason = _chain_problem(chains.get(qid, []), slot, answer, aliases)
        if reason:
            failures.append((qid, reason))
    return len(questions), "questions", failures


def _chain_problem(chain: list[tuple], slot: str | None, answer: str, aliases: list[str]) -> str | None:
    if slot is None:
        return "changing question has no slot"
    if len(chain) < 2:
        return f"evidence plants {len(chain)} {slot} facts; a changing chain needs 2 or more"
    if len({c[1] for c in chain}) > 1:
        return f"evidence plants {slot} facts for several subjects: {', '.join(sorted({c[1] for c in chain}))}"
    for (fid, _, _, start, _, superseded_by), (next_id, _, _, next_start, _, _) in zip(chain, chain[1:]):
        if not start < next_start:
            return f"fact {fid} starts {start}, not before the next value {next_id} ({next_start})"
        if superseded_by != next_id:
            return f"fact {fid} superseded_by {superseded_by}, expected {next_id}"
    last_id, _, last_value, _, valid_to, superseded_by = chain[-1]
    if superseded_by is not None or valid_to is not None:
        return f"the last value {last_id} is marked superseded"
    if last_value.lower() not in {a.lower() for a in [answer, *aliases]}:
        return f"the chain ends with {last_value!r} but the answer is {answer!r}"
    return None


def check_abstention_unplanted(con, ctx) -> CheckSpec | str:
    if ctx.facts_skip:
        return ctx.facts_skip
    scope = "SELECT * FROM questions WHERE (is_abstention OR category = 'abstention') AND slot IS NOT NULL"
    sql = f"""
        SELECT q.question_id AS id, 'slot ' || q.slot || ' was planted for the user by fact ' || f.fact_id
               || ' (' || f.value || ')' AS reason
        FROM ({scope}) q JOIN facts f
             ON f.persona_id = q.persona_id AND f.slot = q.slot AND f.subject = 'user'
    """
    return _count(con, scope), "questions", sql


def check_temporal_recomputed(con, ctx) -> CheckSpec | str:
    if ctx.facts_skip:
        return ctx.facts_skip
    questions = con.execute(
        "SELECT question_id, question_type, answer, asked_at FROM questions "
        "WHERE question_type LIKE 'temporal/%' ORDER BY question_id"
    ).fetchall()
    events: dict[str, list[tuple[datetime, str]]] = {}
    for qid, valid_from, value in con.execute("""
        SELECT e.question_id, f.valid_from, f.value
        FROM questions q JOIN evidence e ON e.question_id = q.question_id
             JOIN facts f ON f.message_id = e.message_id AND f.persona_id = q.persona_id
        -- the user's events: the evidence turns may also carry the assistant's facts said in passing
        WHERE q.question_type LIKE 'temporal/%' AND f.subject = 'user'
        ORDER BY e.question_id, f.valid_from, e.ordinal, f.fact_id
    """).fetchall():
        events.setdefault(qid, []).append((valid_from, value))
    failures = []
    for qid, qtype, answer, asked_at in questions:
        kind = qtype.split("/", 1)[1]
        try:
            expected = temporal.compute(kind, events.get(qid, []), asked_at)
        except ValueError as exc:
            failures.append((qid, f"cannot recompute: {exc}"))
            continue
        if expected != answer:
            failures.append((qid, f"answer {answer!r}, recomputed {expected!r}"))
    return len(questions), "questions", failures


def check_overlap_recorded(con, ctx) -> CheckSpec:
    """word_overlap, conversation_overlap and overlap_level equal what generators.overlap measures on the stored
    texts, so a split of results by overlap level is a split by what the texts share."""
    failures, checked = [], 0
    for qid, recorded, measured in measured_overlaps(con):
        checked += 1
        problem = overlap_problem(recorded, measured)
        if problem:
            failures.append((qid, problem))
    return checked, "questions", failures


def check_no_duplicate_conversation(con, ctx) -> CheckSpec:
    sql = """
        SELECT history_id AS id, 'conversation ' || conversation_id || ' appears ' || count(*) || ' times' AS reason
        FROM history_conversations GROUP BY history_id, conversation_id HAVING count(*) > 1
    """
    return _count(con, "SELECT * FROM histories"), "histories", sql


def check_no_duplicate_text(con, ctx) -> CheckSpec | str:
    """No message text and no whole conversation text occurs twice in one history (generated data only:
    real chats legitimately repeat "thanks!"). Histories of a chain are nested (checked by `nesting`), so the
    largest history of each chain covers the smaller ones."""
    if ctx.source.startswith("import"):
        return f"imported data ({ctx.source}) keeps its own texts"
    sql = """
        WITH largest AS (
            SELECT history_id FROM (
                SELECT history_id, row_number() OVER (PARTITION BY chain_id ORDER BY size DESC) AS r FROM histories)
            WHERE r = 1
        ),
        msgs AS (
            SELECT hc.history_id, m.conversation_id, m.position, hash(m.text) AS h, m.message_id
            FROM largest l JOIN history_conversations hc ON hc.history_id = l.history_id
                 JOIN messages m ON m.conversation_id = hc.conversation_id
        ),
        convs AS (
            SELECT history_id, conversation_id, hash(string_agg(h::VARCHAR, ',' ORDER BY position)) AS h
            FROM msgs GROUP BY 1, 2
        )
        SELECT history_id AS id, 'message text of ' || min(message_id) || ' occurs ' || count(*) || ' times'
               AS reason
        FROM msgs GROUP BY history_id, h HAVING count(*) > 1
        UNION ALL
        SELECT history_id, 'conversation text of ' || min(conversation_id) || ' occurs ' || count(*) || ' times'
        FROM convs GROUP BY history_id, h HAVING count(*) > 1
    """
    return _count(con, "SELECT * FROM histories"), "histories", sql


def check_history_order(con, ctx) -> CheckSpec:
    sql = """
        WITH ordered AS (
            SELECT hc.history_id, hc.position, hc.conversation_id, c.started_at, c.persona_id,
                   lag(c.started_at) OVER (PARTITION BY hc.history_id ORDER BY hc.position) AS prev_start,
                   lag(hc.conversation_id) OVER (PARTITION BY hc.history_id ORDER BY hc.position) AS prev_id
            FROM history_conversations hc LEFT JOIN conversations c ON c.conversation_id = hc.conversation_id
        ),
        last_message AS (
            SELECT hc.history_id, max(m.sent_at) AS last_at
            FROM history_conversations hc JOIN messages m ON m.conversation_id = hc.conversation_id
            GROUP BY 1
        )
        SELECT history_id AS id, 'conversation ' || conversation_id || ' does not exist' AS reason
        FROM ordered WHERE started_at IS NULL
        UNION ALL
        SELECT history_id, 'conversation ' || conversation_id || ' (' || started_at || ') does not start after '
               || prev_id || ' (' || prev_start || ')'
        FROM ordered WHERE prev_start IS NOT NULL AND started_at <= prev_start
        UNION ALL
        SELECT o.history_id, 'conversation ' || o.conversation_id || ' belongs to persona ' || o.persona_id
        FROM ordered o JOIN histories h ON h.history_id = o.history_id
        WHERE o.persona_id <> h.persona_id
        UNION ALL
        SELECT h.history_id, 'size ' || h.size || ' but ' || coalesce(n.rows, 0) || ' conversations'
        FROM histories h LEFT JOIN (SELECT history_id, count(*) AS rows FROM history_conversations GROUP BY 1) n
             ON n.history_id = h.history_id
        WHERE h.size <> coalesce(n.rows, 0)
        UNION ALL
        SELECT hq.history_id, 'question ' || q.question_id || ' asked at ' || q.asked_at
               || ', not after the last message (' || lm.last_at || ')'
        FROM history_questions hq JOIN questions q ON q.question_id = hq.question_id
             JOIN last_message lm ON lm.history_id = hq.history_id
        WHERE q.asked_at <= lm.last_at
        UNION ALL
        SELECT hq.history_id, 'question ' || hq.question_id || ' does not exist'
        FROM history_questions hq ANTI JOIN questions q ON q.question_id = hq.question_id
    """
    return _count(con, "SELECT * FROM histories"), "histories", sql


def check_nesting(con, ctx) -> CheckSpec:
    sql = """
        WITH chain AS (
            SELECT history_id, size,
                   lead(history_id) OVER (PARTITION BY chain_id ORDER BY size, history_id) AS next_id
            FROM histories
        )
        SELECT ch.history_id AS id, count(*) || ' of its conversations are missing from ' || ch.next_id
               || ', e.g. ' || min(a.conversation_id) AS reason
        FROM chain ch JOIN history_conversations a ON a.history_id = ch.history_id
             ANTI JOIN history_conversations b
                ON b.history_id = ch.next_id AND b.conversation_id = a.conversation_id
        WHERE ch.next_id IS NOT NULL
        GROUP BY ch.history_id, ch.next_id
    """
    return _count(con, "SELECT * FROM histories"), "histories", sql


CHECKS: list[tuple[str, Callable]] = [
    ("evidence_present", check_evidence_present),
    ("answer_in_evidence", check_answer_in_evidence),
    ("no_competing_value", check_no_competing_value),
    ("changing_final", check_changing_final),
    ("expiry_respected", check_expiry_respected),
    ("abstention_unplanted", check_abstention_unplanted),
    ("temporal_recomputed", check_temporal_recomputed),
    ("overlap_recorded", check_overlap_recorded),
    ("no_duplicate_conversation", check_no_duplicate_conversation),
    ("no_duplicate_text", check_no_duplicate_text),
    ("history_order", check_history_order),
    ("nesting", check_nesting),
]
