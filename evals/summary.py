"""The short result a person reads at the end of a memcurve run: accuracy per solver and size, with n.

Why this exists: Inspect's end-of-task panel lists every metric of every scorer (the per-category,
per-size, per-solver breakdowns with their stderrs, memory-operation rates, ...), well over a hundred
lines cut at 80 columns. Those stay in the log for `inspect view` and `memcurve report`; this module
prints a headline under the panel, from the log's own samples, at most 30 lines at 80 columns:

    memcurve convomem: headline.correct by size (rows) and solver; n = scored
    size    full_context     rag              memory:hybrid
    1       1.00 (n=2)       1.00 (n=2)       1.00 (n=2)
    ...
    all     0.31 (n=56)      ...

The score shown is the task's declared headline (`correct` of the `headline` scorer, evals.scorers.headline),
else the first of HEADLINE_SCORES the samples have. Registered as an Inspect hook when a memcurve task is
built; MEMCURVE_SUMMARY=off turns it off.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict

from inspect_ai.hooks import Hooks, RunEnd
from inspect_ai.log import EvalLog, read_eval_log
from inspect_ai.scorer import value_to_float

from memcurve.evals.late_hooks import register_once

TASKS = ("convomem", "longmemeval", "sort")
HEADLINE_SCORES = ("headline", "answer_check", "correct", "judge", "sort_scorer")
HEADLINE_KEY = "correct"  # the key of a dict-valued headline score
MAX_LINES = 30
WIDTH = 80
MAX_ROWS = 20
CELL = 17


def headline_score(log: EvalLog) -> str | None:
    """The score the table shows, by name among the samples' scores (the results hold only the headline)."""
    names = list(dict.fromkeys(name for sample in log.samples or [] for name in (sample.scores or {})))
    for name in HEADLINE_SCORES:
        if name in names:
            return name
    return names[0] if names else None


def _number(value: object, to_float) -> float:
    if isinstance(value, dict):
        value = value.get(HEADLINE_KEY, math.nan)
    return math.nan if value is None else to_float(value)


def summary_lines(log: EvalLog) -> list[str]:
    """The headline table for one log (empty when it has no scored samples)."""
    score = headline_score(log)
    if score is None or not log.samples:
        return []
    to_float = value_to_float()
    cells: dict[tuple[str, str], list[float]] = defaultdict(list)
    for sample in log.samples:
        value = (sample.scores or {}).get(score)
        if value is None:
            continue
        number = _number(value.value, to_float)
        if math.isnan(number):
            continue  # unscored (not applicable): never counted as wrong
        md = sample.metadata or {}
        solver = str(md.get("solver") or md.get("condition") or "all")
        size = md.get("size", md.get("excerpt_length", "all"))
        cells[(str(size), solver)].append(number)
        cells[("all", solver)].append(number)
    if not cells:
        return []
    asked = str((log.eval.task_args or {}).get("solvers", "")).replace("[", "").replace("]", "").replace("'", "")
    order = [name.strip() for name in asked.split(",") if name.strip()]
    solvers = sorted(dict.fromkeys(solver for _, solver in cells),
                     key=lambda name: order.index(name) if name in order else len(order))
    sizes = sorted({size for size, _ in cells if size != "all"}, key=_as_number)
    shown_solvers = solvers[: (WIDTH - 8) // CELL]
    shown_sizes = sizes if len(sizes) <= MAX_ROWS else sizes[:: math.ceil(len(sizes) / MAX_ROWS)]
    shown = f"{score}.{HEADLINE_KEY}" if score == "headline" else score
    lines = [f"memcurve {log.eval.task.split('/')[-1]}: {shown} by size (rows) and solver; n = scored",
             "size".ljust(8) + "".join(_clip(s).ljust(CELL) for s in shown_solvers)]
    for size in [*shown_sizes, "all"]:
        row = size.ljust(8)
        for solver in shown_solvers:
            values = cells.get((size, solver), [])
            row += (f"{sum(values) / len(values):.2f} (n={len(values)})" if values else "-").ljust(CELL)
        lines.append(row.rstrip())
    hidden = [f"{len(solvers) - len(shown_solvers)} solvers"] if len(shown_solvers) < len(solvers) else []
    hidden += [f"{len(sizes) - len(shown_sizes)} sizes"] if len(shown_sizes) < len(sizes) else []
    if hidden:
        lines.append(f"({', '.join(hidden)} not shown)")
    lines += ["full breakdown (category, size, solver, stderrs): inspect view, or",
              f"  memcurve report {_log_dir(log)} --out report"]
    return [line[:WIDTH] for line in lines][:MAX_LINES]


def _as_number(size: str) -> float:
    try:
        return float(size)
    except ValueError:
        return math.inf


def _clip(name: str) -> str:
    return name if len(name) < CELL - 1 else name[: CELL - 2] + "…"


def _log_dir(log: EvalLog) -> str:
    folder = os.path.dirname(log.location or "") or "logs"
    relative = os.path.relpath(folder) if os.path.isabs(folder) else folder
    return relative if not relative.startswith("..") else folder


class TerminalSummary(Hooks):
    def enabled(self) -> bool:
        return os.environ.get("MEMCURVE_SUMMARY", "on").strip().lower() not in ("off", "0", "false")

    async def on_run_end(self, data: RunEnd) -> None:
        for log in data.logs:
            if log.eval.task.split("/")[-1] in TASKS and log.status == "success":
                if not log.samples and log.location:  # the CLI hands hooks headers only
                    log = read_eval_log(log.location)
                lines = summary_lines(log)
                if lines:
                    print("\n" + "\n".join(lines), flush=True)


def enable_terminal_summary() -> None:
    """Print the short table after the run of a memcurve task (called when the task is built)."""
    register_once(TerminalSummary, "summary", "memcurve: a short accuracy-by-solver-and-size table after each run")
