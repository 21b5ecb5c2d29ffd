"""DuckDB benchmark -> Inspect Samples: one per (solver, history, question), ids and metadata only.

Samples never carry history text (solvers load it from the store), so logs stay small. Order (so that
`--limit N`, which takes the first N samples, is a representative smoke run):
  1. lead samples: the first question of the first history of each size, for every solver, sizes in
     spread order (smallest, largest, then midpoints), so `--limit` = solvers x sizes covers every
     (solver, size) cell and a smaller limit still covers every solver and the extremes of the curve;
  2. then the rest grouped by history, then solver, then question, so the questions sharing a history
     run back to back and an in-process model reuses the history's KV cache.
The leads cost the offline model one extra read of one history per size for each solver whose prompt puts
the history first (full context): their blocks are re-read when phase 2 reaches them. Limits pick the
same chains and questions at every size, so accuracy curves across sizes stay paired.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from inspect_ai.dataset import Sample

from memcurve.evals.contract import SampleMeta
from memcurve.generators.categories import CATEGORIES
from memcurve.errors import ConfigError
from memcurve.evals.benchmark_cache import cached
from memcurve.generators.generate import generate
from memcurve.generators.validate import GENERATOR_SOURCE
from memcurve.generators.store import content_hash, memcurve_version, open_store

_ROWS_SQL = """
SELECT h.history_id, h.chain_id, h.persona_id, h.size, h.tokens,
       q.question_id, q.category, q.question_type, q.text, q.answer, q.aliases, q.rubric,
       q.answer_kind, q.asked_at, q.is_abstention, q.evidence_count, q.overlap_level,
       coalesce(list(e.message_id ORDER BY e.ordinal) FILTER (WHERE e.message_id IS NOT NULL), []) AS evidence_ids,
       coalesce(list(coalesce(m.conversation_id, '') ORDER BY e.ordinal) FILTER (WHERE e.message_id IS NOT NULL), [])
           AS evidence_conversation_ids
FROM histories h
JOIN history_questions hq ON hq.history_id = h.history_id
JOIN questions q ON q.question_id = hq.question_id
LEFT JOIN evidence e ON e.question_id = q.question_id
LEFT JOIN messages m ON m.message_id = e.message_id
GROUP BY ALL
ORDER BY h.size, h.chain_id, h.history_id, q.question_id
"""
_COLUMNS = ("history_id", "chain_id", "persona_id", "size", "history_tokens", "question_id", "category",
            "question_type", "text", "answer", "aliases", "rubric", "answer_kind", "asked_at", "is_abstention",
            "evidence_count", "overlap_level", "evidence_ids", "evidence_conversation_ids")


def read_rows(db: str | Path) -> list[dict]:
    """Every (history, question) pair of the benchmark with the question's fields and evidence ids."""
    con = open_store(db, read_only=True)
    try:
        return [dict(zip(_COLUMNS, row)) for row in con.execute(_ROWS_SQL).fetchall()]
    finally:
        con.close()


def _per_file(read):
    """`read(db)` remembered per file (resolved path, size, modification time): a changed file is read again."""
    remembered = functools.lru_cache(maxsize=32)(lambda db, size, mtime_ns: read(db))

    @functools.wraps(read)
    def per_file(db: str | Path):
        path = Path(db).resolve()
        stat = path.stat()
        return remembered(str(path), stat.st_size, stat.st_mtime_ns)

    return per_file


@_per_file
def dataset_hash(db: str | Path) -> str:
    """The store's content hash: samples carry it so reports never pool two different benchmarks.

    Hashing reads every table once, so it is remembered per file.
    """
    con = open_store(db, read_only=True)
    try:
        return content_hash(con)
    finally:
        con.close()


@_per_file
def text_source(db: str | Path) -> str:
    """Where the benchmark's text came from, so a report says what it measured on.

    Generated stores record it in meta (`templates`, real-chat fillers, a writer model); an imported store
    says which public dataset it was imported from.
    """
    con = open_store(db, read_only=True)
    try:
        meta = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('text_source', 'source')").fetchall())
    finally:
        con.close()
    if meta.get("text_source"):
        return meta["text_source"]
    if meta.get("source") and meta["source"] != GENERATOR_SOURCE:
        return f"imported from {meta['source']}"
    return "templates"  # generated without real-chat fillers or a writer


def load_samples(db: str | Path, **choice: Any) -> list[Sample]:
    """Samples for the solvers, sizes and categories `choice` names (see `sample_blocks`), in the order
    of the module docstring: lead samples first, then every history's questions back to back."""
    return representative_order(sample_blocks(db, **choice))


def sample_blocks(
    db: str | Path,
    *,
    solvers: Sequence[str] = ("full_context",),
    sizes: Sequence[int] | None = None,
    categories: Sequence[str] | None = None,
    histories_per_size: int | None = None,
    questions_per_history: int | None = None,
) -> list[tuple[str, str, list[Sample]]]:
    """(history, solver, its samples in question order), histories by size then chain.

    sizes and categories: None = all in the benchmark; histories_per_size: the first N chains (by id) at
    each size; questions_per_history: the first N questions of each history, taken round-robin over
    categories so a cut keeps every category. Flattened, this is the order before the lead samples move
    ahead, every history's questions back to back (tests/benchmarks/bench_offline_model.py --order-cost
    measures what the leads cost against it).
    """
    db = str(Path(db).resolve())
    rows = read_rows(db)
    rows = _filter(db, rows, sizes, categories)
    by_history: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_history[row["history_id"]].append(row)
    histories = list(by_history)  # already ordered by size, chain
    if histories_per_size is not None:
        per_size: dict[int, int] = defaultdict(int)
        kept = []
        for hid in histories:
            size = by_history[hid][0]["size"]
            if per_size[size] < histories_per_size:
                per_size[size] += 1
                kept.append(hid)
        histories = kept
    blocks = []  # (history, solver, its samples in question order)
    digest, source = dataset_hash(db), text_source(db)
    for hid in histories:
        questions = _round_robin(by_history[hid])[:questions_per_history]
        for solver in solvers:
            blocks.append((hid, solver, [_sample(db, solver, row, digest, source) for row in questions]))
    return blocks


def representative_order(blocks: list[tuple[str, str, list[Sample]]]) -> list[Sample]:
    """Lead samples first (one per solver and size, sizes spread), then every block's rest in block order."""
    first_history: dict[int, str] = {}
    for hid, _, samples in blocks:
        if samples:
            first_history.setdefault(samples[0].metadata["size"], hid)
    lead_blocks = {(hid, solver): samples[0] for hid, solver, samples in blocks
                   if samples and first_history.get(samples[0].metadata["size"]) == hid}
    leads = [lead_blocks[(first_history[size], solver)]
             for size in spread_order(sorted(first_history))
             for solver in dict.fromkeys(solver for _, solver, _ in blocks)
             if (first_history[size], solver) in lead_blocks]
    lead_ids = {id(sample) for sample in leads}
    return leads + [s for _, _, samples in blocks for s in samples if id(s) not in lead_ids]


def spread_order(values: list[int]) -> list[int]:
    """[1, 4, 12, 36, 100] -> [1, 100, 12, 4, 36]: extremes first, then repeatedly the middle of each gap."""
    if len(values) <= 2:
        return list(values)
    out, spans = [values[0], values[-1]], [(0, len(values) - 1)]
    while spans:
        next_spans = []
        for lo, hi in spans:
            if hi - lo > 1:
                mid = (lo + hi) // 2
                out.append(values[mid])
                next_spans += [(lo, mid), (mid, hi)]
        spans = next_spans
    return out


def _filter(db: str, rows: list[dict], sizes, categories) -> list[dict]:
    if not rows:
        raise ConfigError(f"{db}: the benchmark has no histories with questions")
    if sizes is not None:
        available = sorted({r["size"] for r in rows})
        missing = [s for s in sizes if s not in available]
        if missing:
            raise ConfigError(f"size {missing[0]} not in {db}; available: {', '.join(map(str, available))}")
        rows = [r for r in rows if r["size"] in set(sizes)]
    if categories is not None:
        present = sorted({r["category"] for r in rows})
        missing = [c for c in categories if c not in present]
        if missing:
            raise ConfigError(f"category {missing[0]!r} has no questions in {db}; present: {', '.join(present)}")
        rows = [r for r in rows if r["category"] in set(categories)]
    return rows


def _round_robin(rows: list[dict]) -> list[dict]:
    """Questions ordered 1st of each category, 2nd of each category, ... (categories in canonical order)."""
    order = {name: i for i, name in enumerate(CATEGORIES)}
    rank: dict[str, int] = defaultdict(int)
    keyed = []
    for row in rows:  # rows come sorted by question_id
        keyed.append(((rank[row["category"]], order.get(row["category"], len(order)), row["category"]), row))
        rank[row["category"]] += 1
    return [row for _, row in sorted(keyed, key=lambda kr: kr[0])]


def _sample(db: str, solver: str, row: dict, digest: str, source: str) -> Sample:
    return Sample(
        id=f"{solver}:{row['history_id']}:{row['question_id']}",
        input=row["text"],
        target=[row["answer"], *row["aliases"]],
        metadata=SampleMeta(
            db=db, dataset_hash=digest, text_source=source, history_id=row["history_id"], chain_id=row["chain_id"], persona_id=row["persona_id"],
            size=row["size"], history_tokens=row["history_tokens"], question_id=row["question_id"],
            category=row["category"], question_type=row["question_type"], answer_kind=row["answer_kind"],
            answer=row["answer"], aliases=list(row["aliases"]), rubric=row["rubric"] or "",
            is_abstention=bool(row["is_abstention"]), evidence_count=row["evidence_count"],
            overlap_level=row["overlap_level"],
            evidence_ids=list(row["evidence_ids"]), evidence_conversation_ids=list(row["evidence_conversation_ids"]),
            asked_at=row["asked_at"].isoformat(), solver=solver,
        ).model_dump(),
    )


def cached_benchmark(config, cache_dir: str | Path, *, name: str = "convomem", progress: bool = False) -> Path:
    """A generated benchmark for `config` (a generators.config.GenerationConfig), made once and reused.

    The file name (`<name>-<hash>.duckdb`) carries a hash of the config and the memcurve version, so a
    new config or release regenerates; the same config always gives the same bytes, so concurrent runs
    may both write it. One function for every task's generated default (convomem, longmemeval). Reuse
    requires the recorded content hash to match (evals.benchmark_cache); a damaged file is rebuilt.
    """
    key = hashlib.sha256(f"{memcurve_version()}\n{config.to_json()}".encode()).hexdigest()[:16]
    return cached(Path(cache_dir) / f"{name}-{key}.duckdb",
                  lambda path: generate(config, path, force=True, progress=progress))


def generate_default_into(config, path: str | Path) -> Path:
    """Generate a task's default benchmark at a user-named path that does not exist yet, saying so on stderr.

    Written atomically by the generator, so an interrupted run leaves no partial file; the same seed gives
    the same bytes as the cached default.
    """
    path = Path(path)
    print(f"memcurve: {path} does not exist; generating the default benchmark there (seed {config.seed})",
          file=sys.stderr)
    generate(config, path, force=False, progress=True)
    return path.resolve()
