"""`memcurve report`: Inspect logs -> a markdown summary with intervals, crossovers, paired tests and figures.

The report answers the question users come with: where do the solvers' accuracy (and cost) curves
cross, and how sure are we? Rows are never pooled across things that are not comparable: the report
has one part per (task, dataset, model, headline scorer), and inside each part the registered sections
(evals.analysis.sections) run in order. Errored samples are listed, never scored as wrong.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from memcurve.evals.analysis.official_metrics import official_metrics_section
from memcurve.evals.analysis.results import GROUP_COLUMNS, log_files, read_results
from memcurve.evals.analysis.sections import SECTIONS, Context
from memcurve.evals.judge_audit.section import audit_frame, judge_section
from memcurve.errors import MemcurveError


def write_report(logs: list[Path], out_dir: Path, *, prices: str | Path | None = None,
                 n_resamples: int = 2000, seed: int = 0, force: bool = False) -> Path:
    """Read the logs and write report.md, the figures and samples.parquet into out_dir.

    Written atomically: built in a temporary folder and moved into place when complete; an existing
    non-empty out_dir is replaced only with `force`.
    """
    from memcurve.generators.store import atomic_folder, check_folder_target

    out_dir = Path(out_dir)
    check_folder_target(out_dir, force=force)  # before reading any log
    frame = read_results(logs, prices=prices)
    with atomic_folder(out_dir, force=force) as tmp:
        path = build_report(frame, tmp, n_resamples=n_resamples, seed=seed, judge_audit=audit_frame(logs),
                            official=official_metrics_section(log_files(logs)))
    return out_dir / path.relative_to(tmp)


def groups(frame: pl.DataFrame) -> list[tuple[dict[str, str], pl.DataFrame]]:
    """The frame split by task, dataset, model and scorer (missing columns count as one value)."""
    present = [c for c in GROUP_COLUMNS if c in frame.columns]
    keyed = frame.with_columns([pl.col(c).cast(pl.Utf8).fill_null("-") for c in present])
    if not present:
        return [({}, frame)]
    parts = keyed.sort(present).partition_by(present, maintain_order=True, as_dict=True)
    return [(dict(zip(present, key)), part) for key, part in parts.items()]


def _slug(key: dict[str, str], index: int, total: int) -> str:
    if total == 1:
        return ""
    text = "-".join(key.get(c, "")[:12] for c in ("task", "dataset", "model", "scorer"))
    return f"g{index + 1}-" + re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:60] + "-"


def _heading(key: dict[str, str], part: pl.DataFrame) -> list[str]:
    dataset = key.get("dataset", "-")
    short = dataset[:12] if re.fullmatch(r"[0-9a-f]{64}", dataset) else dataset
    return [f"## {key.get('task', '-')} · dataset {short} · {key.get('model', '-')} · scored by {key.get('scorer', '-')}",
            "", f"- task: {key.get('task', '-')}; dataset: {dataset}; model: {key.get('model', '-')}; "
                f"headline score: {key.get('scorer', '-')}", f"- text: {_text_sources(part)}", ""]


def _text_sources(part: pl.DataFrame) -> str:
    """Where the part's benchmark text came from (templates, real chats, a writer model, an import)."""
    if "text_source" not in part.columns:
        return "not recorded (a log from before samples carried it)"
    values = part["text_source"].drop_nulls().unique().sort().to_list()
    return "; ".join(values) if values else "not recorded (a log from before samples carried it)"


def build_report(frame: pl.DataFrame, out_dir: Path, *, n_resamples: int = 2000, seed: int = 0,
                 judge_audit: pl.DataFrame | None = None, official: str = "") -> Path:
    """Write the report for a results frame (see evals.analysis.results); returns the markdown path."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MemcurveError(f"{out_dir}: cannot create report folder ({exc.strerror})") from None
    frame = frame.with_columns(pl.col("solver").fill_null("unknown"))
    frame.write_parquet(out_dir / "samples.parquet")
    parts = groups(frame)
    lines = ["# memcurve report", "",
             f"{frame.height} samples from {frame['log'].n_unique()} log(s) in {len(parts)} part(s), one per task, "
             "dataset (the benchmark's content hash), model and headline scorer; nothing is pooled across parts.", ""]
    if len(parts) > 1:
        lines += ["| part | task | dataset | model | scorer | samples |", "| --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {i + 1} | {k.get('task')} | {k.get('dataset', '-')[:16]} | {k.get('model')} | {k.get('scorer')} "
                  f"| {p.height} |" for i, (k, p) in enumerate(parts)] + [""]
    for i, (key, part) in enumerate(parts):
        ctx = Context(part, out_dir, _slug(key, i, len(parts)), n_resamples=n_resamples, seed=seed)
        lines += _heading(key, part)
        for _, _, run in SECTIONS:
            lines += run(ctx)
    lines += judge_section(frame, judge_audit)  # the judge audit covers the whole run (issue 13)
    lines += official.splitlines()  # each imported benchmark's own metric beside memcurve's
    path = out_dir / "report.md"
    path.write_text("\n".join(lines).rstrip() + "\n")
    return path
