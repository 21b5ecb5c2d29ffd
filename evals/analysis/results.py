"""Inspect logs -> one tidy polars frame: a row per sample (and, in long form, per sample and score).

Everything the analysis needs travels in sample metadata (history, size, category, ...) and the sample
store (solver options, context tokens), so this module only reads logs; it never opens the benchmark.
`correct` is the headline score, read from the log: each task declares which scorer gives it
(evals.scorers.headline) and `headline_from` names that scorer for every row; logs written before the
declaration existed use the default one (the deterministic check, the judge for rubric categories).
Judge-audit logs are not results (evals.judge_audit reads them).
Token columns count the answer model only; judge (`grader`) and memory-system (`memory`) calls are
reported in their own columns, so cost per question matches what ConvoMem reports.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from memcurve.evals.analysis.prices import Price, load_prices, price_for
from memcurve.evals.contract import SolverRecord
from memcurve.evals.scorers.headline import CONVOMEM, Headline, read_source
from memcurve.errors import MemcurveError

METADATA_COLUMNS = (
    "history_id", "chain_id", "persona_id", "size", "history_tokens", "question_id", "category",
    "question_type", "evidence_count", "is_abstention", "text_source", "overlap_level",
)
STORE_COLUMNS = ("k", "unit", "context_tokens", "truncated", "dropped_conversations", "context_budget",
                 "ingest_tokens", "ingest_seconds")  # SolverRecord fields
SORT_COLUMNS = ("condition", "source", "excerpt_length", "excerpt_idx", "segment_length", "distance_bin", "distance",
                "present_seg1_first")
# A report never pools rows that differ in any of these (see evals.analysis.report).
GROUP_COLUMNS = ("task", "dataset", "model", "scorer")


def log_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into the sorted list of .eval/.json logs they hold."""
    from inspect_ai.log import list_eval_logs

    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():  # Inspect knows its own log names; other .json files in the folder are skipped
            files.extend(Path(info.name.removeprefix("file://")) for info in list_eval_logs(str(path.resolve())))
        elif path.is_file():
            files.append(path)
        else:
            raise MemcurveError(f"{path}: no such log file or folder")
    if not files:
        raise MemcurveError("no Inspect logs found in " + ", ".join(str(p) for p in paths))
    return sorted(set(files))


def read_results(paths: Iterable[str | Path], *, prices: dict[str, Price] | str | Path | None = None) -> pl.DataFrame:
    """Read every sample of every log into one frame (one row per sample and epoch)."""
    table = prices if isinstance(prices, dict) else load_prices(prices)
    rows = [row for path in log_files(paths) for row in _log_rows(path, table)]
    if not rows:
        raise MemcurveError("the logs hold no samples (was the run cancelled before any sample finished?)")
    return pl.DataFrame(rows, infer_schema_length=None)


def to_long(frame: pl.DataFrame) -> pl.DataFrame:
    """A row per sample and score: (sample columns..., score, value) for every score column."""
    score_cols = [c for c in frame.columns if c in _score_columns(frame)]
    id_cols = [c for c in frame.columns if c not in score_cols]
    return frame.unpivot(on=score_cols, index=id_cols, variable_name="score", value_name="value")


def write_duckdb(frame: pl.DataFrame, path: str | Path, table: str = "samples") -> None:
    """Write (replace) the frame as a DuckDB table, e.g. for SQL over many runs."""
    from memcurve.generators.store import connect

    with connect(path) as con:
        con.register("_frame", frame.to_arrow())
        con.execute(f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM _frame')


def _score_columns(frame: pl.DataFrame) -> list[str]:
    known = {"correct", "answer_check", "judge", "overflow", "sort_scorer"}
    return [c for c in frame.columns if c in known or c.startswith(("recall_", "ndcg@", "session_", "turn_"))]


def _log_rows(path: Path, prices: dict[str, Price]) -> Iterator[dict[str, Any]]:
    from inspect_ai.log import read_eval_log, read_eval_log_samples

    try:
        header = read_eval_log(str(path), header_only=True)
    except Exception as exc:  # not an Inspect log
        raise MemcurveError(f"{path}: not a readable Inspect log ({type(exc).__name__})") from None
    spec = header.eval
    model = spec.model
    same_model_roles = [role for role, cfg in (spec.model_roles or {}).items()
                        if getattr(cfg, "model", None) == model]
    price = price_for(model, prices)
    if spec.task.rsplit("/", 1)[-1] == "judge_audit":
        return
    declared = Headline(**(spec.metadata or {}).get("headline", asdict(CONVOMEM)))
    grader = getattr((spec.model_roles or {}).get("grader"), "model", None) or model
    base = {"log": path.name, "eval_id": spec.eval_id, "task": spec.task, "model": model, "status": header.status,
            "grader_model": grader, "dataset": _dataset_name(spec), "scorer": _scorer_names(header)}
    # messages and events hold the prompts (whole histories): skip them, the table needs neither
    for sample in read_eval_log_samples(str(path), all_samples_required=False,
                                        exclude_fields={"messages", "events", "attachments"}):
        yield _sample_row(sample, base, same_model_roles, price, declared)


def _sample_row(sample: Any, base: dict[str, Any], same_model_roles: list[str], price: Price | None,
                declared: Headline = CONVOMEM) -> dict[str, Any]:
    md = sample.metadata or {}
    record = SolverRecord.read(sample.store or {})
    row: dict[str, Any] = dict(base)
    row["sample_id"] = str(sample.id)
    row["epoch"] = sample.epoch
    row["solver"] = md.get("solver") or (record.solver if record else None)
    for key in METADATA_COLUMNS:
        row[key] = md.get(key)
    for key in STORE_COLUMNS:
        row[key] = getattr(record, key) if record else None
    row.update(_scores(sample.scores or {}))
    scores = sample.scores or {}
    row["headline_from"] = (scores["headline"].metadata or {}).get("headline_from") if "headline" in scores \
        else declared.source(md)
    if "headline" not in scores:  # a log from before the headline scorer: read the declared source
        row["correct"] = read_source(scores, row["headline_from"])
    for key in SORT_COLUMNS:
        if key in md:
            row[key] = md[key]
    # the store's content hash when the samples carry it
    row["dataset"] = md.get("dataset_hash") or base["dataset"]
    correct = row.get("correct")
    if (correct is None or math.isnan(correct)) and "sort_scorer" in row:  # SORT: its own single score
        row["correct"], row["headline_from"] = row["sort_scorer"], "sort_scorer"
    row["scorer"] = base["scorer"] or row.get("headline_from")
    row.update(_usage(sample, base["model"], same_model_roles, price))
    row["latency_s"] = sample.total_time
    row["working_s"] = sample.working_time
    row["error"] = sample.error.message.splitlines()[0] if sample.error else None
    return row


def _scorer_names(header: Any) -> str | None:
    """The log's scorers that can give the headline score (not retrieval, overflow or memory operations).

    Read from the task's scorer list, not from the results: the results carry only the scorers that have
    metrics (memcurve's carry the headline alone, evals.metrics), and the name must not change with that.
    """
    declared = getattr(header.eval, "scorers", None) or []
    results = getattr(header, "results", None)
    names = sorted({s.name for s in declared} or
                   {getattr(s, "scorer", None) or s.name for s in (results.scores if results else [])})
    names = [n for n in names if n and not n.startswith(("retrieval", "overflow", "memory"))]
    return "+".join(names) or None


def _dataset_name(spec: Any) -> str:
    """What the log says its data were, for logs whose samples do not carry the store's content hash."""
    dataset = getattr(spec, "dataset", None)
    name = getattr(dataset, "name", None) or getattr(dataset, "location", None)
    sources = (spec.metadata or {}).get("source") if getattr(spec, "metadata", None) else None
    if sources:
        return ",".join(map(str, sources)) if isinstance(sources, list) else str(sources)
    return str(name) if name else "-"


def _scores(scores: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, score in scores.items():
        value = score.value
        if isinstance(value, dict):
            for key, item in value.items():
                out[key] = _to_float(item)
        else:
            out[name] = _to_float(value)
    return out


def _to_float(value: Any) -> float:
    from inspect_ai.scorer import value_to_float

    if value is None:
        return math.nan
    if isinstance(value, float) and math.isnan(value):
        return value
    try:
        return float(value_to_float()(value))
    except (TypeError, ValueError):
        return math.nan


def _usage(sample: Any, model: str, same_model_roles: list[str], price: Price | None) -> dict[str, Any]:
    """Answer-model tokens (excluding grader/memory calls made with the same model) and their cost."""
    total = sample.model_usage.get(model) if sample.model_usage else None
    roles = sample.role_usage or {}
    fields = ("input_tokens", "output_tokens", "input_tokens_cache_read", "input_tokens_cache_write")
    answer = {f: (getattr(total, f, 0) or 0) if total else 0 for f in fields}
    for role in same_model_roles:
        usage = roles.get(role)
        for f in fields:
            answer[f] = max(0, answer[f] - (getattr(usage, f, 0) or 0 if usage else 0))
    out = {
        # everything the answer model read, cached or not: the cost measure when no price is known
        "prompt_tokens": answer["input_tokens"] + answer["input_tokens_cache_read"] + answer["input_tokens_cache_write"],
        "input_tokens": answer["input_tokens"],
        "output_tokens": answer["output_tokens"],
        "cache_read_tokens": answer["input_tokens_cache_read"],
        "cache_write_tokens": answer["input_tokens_cache_write"],
        "grader_tokens": roles["grader"].total_tokens if "grader" in roles else 0,
        "memory_tokens": roles["memory"].total_tokens if "memory" in roles else 0,
    }
    out["cost_usd"] = (price.cost(answer["input_tokens"], answer["output_tokens"], answer["input_tokens_cache_read"],
                                  answer["input_tokens_cache_write"]) if price else math.nan)
    memory = roles.get("memory")
    out["memory_cost_usd"] = (price.cost(memory.input_tokens, memory.output_tokens) if memory and price else 0.0)
    return out
