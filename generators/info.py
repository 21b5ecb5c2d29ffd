"""`memcurve info`: what a benchmark holds, in one screen of plain text.

Shows the source data's faults for an imported benchmark (which evidence links are broken, which sessions
repeat, ...), the row counts, questions per category and per history size, history tokens per size, the
question-evidence word-overlap distribution per category (how much keyword search gets for free), how long
each superseded value of a changing fact held (a value that changes every few weeks is not how people change
cars or managers), and the content hash that two runs with the same seed and config must share.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from pathlib import Path

import duckdb

from memcurve.generators.importers.common import FAULT_DETAIL_LIMIT
from memcurve.generators.store import content_hash, open_store, read_meta

OVERLAP_BINS = 5  # histogram bins of width 0.2 over 0..1


def describe(path: Path) -> str:
    """A plain-text summary of the benchmark at `path` (raises StoreError if it is not a readable benchmark)."""
    con = open_store(path)
    try:
        con.execute("SET enable_progress_bar = false")
        sections = [_header(con, Path(path)), *_import_faults(con), _counts(con), _per_category(con), _per_size(con),
                    _tokens(con), _overlap(con), _levels(con), _change_intervals(con),
                    f"content hash: {content_hash(con)}"]
    finally:
        con.close()
    return "\n\n".join(sections)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-align the first column, right-align the rest."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for r in cells:
        first = r[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(r[1:], widths[1:])]
        lines.append("  " + "  ".join([first, *rest]).rstrip())
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _header(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    meta = read_meta(con)
    keys = ("source", "schema_version", "memcurve_version", "seed")
    return f"benchmark {path}\n" + "  ".join(f"{k}: {meta.get(k, '-')}" for k in keys)


def _import_faults(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The faults an importer found in its source, with the ids it recorded (none for a generated store)."""
    meta = read_meta(con)
    if "import_faults" not in meta:
        return []
    counts = {k: v for k, v in json.loads(meta["import_faults"]).items() if v}
    details = json.loads(meta.get("import_fault_details", "{}"))
    if not counts:
        return ["import faults: none"]
    lines = ["import faults (kept in the store as the source has them)"]
    for kind in sorted(counts):
        lines.append(f"  {kind}: {counts[kind]:,}")
        shown = details.get(kind, [])
        lines.extend(f"    {d}" for d in shown)
        if len(shown) >= FAULT_DETAIL_LIMIT and counts[kind] > len(shown):
            lines.append(f"    ... {counts[kind] - len(shown):,} more not listed")
    return ["\n".join(lines)]


def _counts(con: duckdb.DuckDBPyConnection) -> str:
    n = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
         for t in ("personas", "conversations", "messages", "facts", "questions", "evidence", "histories",
                   "history_conversations", "history_questions")}
    kinds = con.execute("SELECT kind, count(*) FROM conversations GROUP BY 1 ORDER BY 1").fetchall()
    kind_text = ", ".join(f"{k} {c:,}" for k, c in kinds)
    rows = [(t, c) for t, c in n.items()]
    return "rows\n" + _table(["table", "rows"], rows) + (f"\n  conversations by kind: {kind_text}" if kinds else "")


def _per_category(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("""
        SELECT category, count(*), count(*) FILTER (WHERE is_abstention), avg(evidence_count),
               min(evidence_count), max(evidence_count), count(DISTINCT question_type)
        FROM questions GROUP BY 1 ORDER BY 1
    """).fetchall()
    total = con.execute("SELECT count(*), count(*) FILTER (WHERE is_abstention), avg(evidence_count), "
                        "min(evidence_count), max(evidence_count), count(DISTINCT question_type) FROM questions"
                        ).fetchone()
    headers = ["category", "questions", "abstention", "mean evidence", "min", "max", "types"]
    return "questions per category\n" + _table(headers, [*rows, ("total", *total)])


def _per_size(con: duckdb.DuckDBPyConnection) -> str:
    """Questions asked per history size: one row per category, one column per size."""
    sizes = [r[0] for r in con.execute("SELECT DISTINCT size FROM histories ORDER BY 1").fetchall()]
    counts = con.execute("""
        SELECT q.category, h.size, count(*)
        FROM history_questions hq JOIN histories h ON h.history_id = hq.history_id
             JOIN questions q ON q.question_id = hq.question_id
        GROUP BY 1, 2
    """).fetchall()
    table: dict[str, dict[int, int]] = {}
    for category, size, n in counts:
        table.setdefault(category, {})[size] = n
    rows = [(cat, *(table[cat].get(s, 0) for s in sizes), sum(table[cat].values())) for cat in sorted(table)]
    rows.append(("total", *(sum(table[c].get(s, 0) for c in table) for s in sizes),
                 sum(sum(v.values()) for v in table.values())))
    return ("questions asked per history size (history_questions rows)\n"
            + _table(["category", *map(str, sizes), "total"], rows))


def _tokens(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("""
        SELECT size, count(*), round(avg(tokens))::BIGINT, min(tokens), max(tokens), sum(tokens)
        FROM histories GROUP BY 1 ORDER BY 1
    """).fetchall()
    total, per_message = con.execute("SELECT coalesce(sum(tokens), 0), avg(tokens) FROM messages").fetchone()
    headers = ["size", "histories", "mean tokens", "min", "max", "sum"]
    per_message_text = f"{per_message:.1f}" if per_message is not None else "-"
    return (f"history tokens per size (estimated; all messages: {total:,} tokens, "
            f"{per_message_text} per message)\n" + _table(headers, rows))


def _levels(con: duckdb.DuckDBPyConnection) -> str:
    levels = ("high", "medium", "low", "none")
    counts = con.execute("SELECT category, overlap_level, count(*) FROM questions GROUP BY 1, 2").fetchall()
    table: dict[str, dict[str, int]] = {}
    for category, level, n in counts:
        table.setdefault(category, {})[level] = n
    rows = [(c, *(table[c].get(level, 0) for level in levels)) for c in sorted(table)]
    rows.append(("all", *(sum(table[c].get(level, 0) for c in table) for level in levels)))
    return ("questions per overlap level (high: half the question's words in its evidence messages; medium: a "
            "third in the evidence conversations; none: no evidence)\n" + _table(["category", *levels], rows))


CHANGE_BINS = (30, 90, 180, 365, 730)  # days: a month, a quarter, half a year, a year, two years


def _change_intervals(con: duckdb.DuckDBPyConnection) -> str:
    """Days each superseded fact value held (valid_from to valid_to), per slot and over all slots."""
    title = "days a changing fact kept each superseded value (valid_from to valid_to)"
    rows = con.execute("""
        SELECT slot, count(*), min(d), quantile_cont(d, 0.1), median(d), quantile_cont(d, 0.9), max(d),
               list(d)
        FROM (SELECT coalesce(slot, '-') AS slot, date_diff('day', valid_from, valid_to) AS d FROM facts
              WHERE superseded_by IS NOT NULL AND valid_from IS NOT NULL AND valid_to IS NOT NULL)
        GROUP BY ROLLUP (slot) ORDER BY slot IS NULL, slot
    """).fetchall()
    if not rows or rows[-1][1] == 0:
        return f"{title}: none"
    edges = [f"<{CHANGE_BINS[0]}", *(f"{a}-{b - 1}" for a, b in zip(CHANGE_BINS, CHANGE_BINS[1:])),
             f">={CHANGE_BINS[-1]}"]
    table = []
    for slot, n, lo, p10, med, p90, hi, days in rows:
        counts = [0] * (len(CHANGE_BINS) + 1)
        for d in days:
            counts[bisect.bisect_right(CHANGE_BINS, d)] += 1
        table.append((slot or "all", n, lo, round(p10), round(med), round(p90), hi, *counts))
    return f"{title}\n" + _table(["slot", "values", "min", "p10", "median", "p90", "max", *edges], table)


def _overlap(con: duckdb.DuckDBPyConnection) -> str:
    bins = con.execute(f"""
        SELECT category, least(floor(word_overlap * {OVERLAP_BINS}), {OVERLAP_BINS - 1})::INTEGER AS bin,
               count(*)
        FROM questions GROUP BY 1, 2
    """).fetchall()
    hist: dict[str, list[int]] = {}
    for category, b, n in bins:
        hist.setdefault(category, [0] * OVERLAP_BINS)[max(b, 0)] += n
    stats = con.execute("""
        SELECT category, count(*), min(word_overlap), quantile_cont(word_overlap, 0.25),
               median(word_overlap), quantile_cont(word_overlap, 0.75), max(word_overlap), avg(word_overlap)
        FROM questions GROUP BY 1
        UNION ALL
        SELECT 'all', count(*), min(word_overlap), quantile_cont(word_overlap, 0.25),
               median(word_overlap), quantile_cont(word_overlap, 0.75), max(word_overlap), avg(word_overlap)
        FROM questions
        ORDER BY category = 'all', category
    """).fetchall()
    all_bins = [sum(h[i] for h in hist.values()) for i in range(OVERLAP_BINS)]
    edges = [f"<{(i + 1) / OVERLAP_BINS:.1f}" for i in range(OVERLAP_BINS - 1)] + ["<=1.0"]
    headers = ["category", "n", "min", "p25", "median", "p75", "max", "mean", *edges]
    rows = [(*s, *(all_bins if s[0] == "all" else hist.get(s[0], [0] * OVERLAP_BINS))) for s in stats]
    return ("question-evidence word overlap (0 = no shared content word, 1 = all shared); "
            "histogram of questions per bin\n" + _table(headers, rows))
