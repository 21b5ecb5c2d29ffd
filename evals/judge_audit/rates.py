"""Judge-audit logs -> how often each grader is right about labelled replies.

Per grader (its model, judge prompt) and category, over every labelled reply of the group:
- tpr: share of correct replies graded RIGHT (an unparseable verdict is not a RIGHT);
- fpr: share of wrong replies graded RIGHT: how often the judge is fooled;
- unparseable: share of replies with no verdict after the retries;
- accuracy: share graded as labelled (unparseable counts as a miss);
- lenient/strict side by side: each judge prompt is its own row for the same grader model.
With several graders, "majority" is the verdict most parseable graders gave (a tie is unparseable), and
Cohen's kappa is computed for every pair of graders over the replies both graded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path

import polars as pl

from memcurve.errors import MemcurveError

MAJORITY = "majority"


def read_audit(paths: Iterable[str | Path]) -> pl.DataFrame:
    """One row per (labelled reply, grader): log, grader, model, judge, category, kind, label, verdict."""
    from inspect_ai.log import read_eval_log

    from memcurve.evals.analysis.results import log_files
    from memcurve.evals.judge_audit.task import TASK_NAME

    rows = []
    for path in log_files(paths):
        log = read_eval_log(str(path), header_only=True)
        if log.eval.task.rsplit("/", 1)[-1] != TASK_NAME:
            continue
        log = read_eval_log(str(path))
        spec = log.eval
        roles = {role: getattr(cfg, "model", None) for role, cfg in (spec.model_roles or {}).items()}
        for sample in log.samples or []:
            md = sample.metadata or {}
            score = next(iter((sample.scores or {}).values()), None)
            if score is None or not isinstance(score.value, dict):
                continue
            for name, value in score.value.items():
                role, judge = name.split(":", 1)
                verdict = None if value is None or (isinstance(value, float) and math.isnan(value)) else bool(value)
                rows.append({"log": path.name, "grader": name, "role": role, "model": roles.get(role) or spec.model,
                             "judge": judge, "question_id": md.get("question_id"), "category": md.get("category"),
                             "kind": md.get("kind"), "label": bool(md.get("label")), "sample_id": str(sample.id),
                             "verdict": verdict})
    if not rows:
        raise MemcurveError("no judge-audit samples in " + ", ".join(map(str, paths)))
    frame = pl.DataFrame(rows, schema_overrides={"verdict": pl.Boolean})
    return pl.concat([frame, _majority(frame)], how="vertical") if frame["grader"].n_unique() > 1 else frame


def _majority(frame: pl.DataFrame) -> pl.DataFrame:
    """Per judge prompt, the majority verdict of the graders (ties and all-unparseable: None)."""
    keyed = frame.group_by(["log", "judge", "sample_id", "question_id", "category", "kind", "label"]).agg(
        pl.col("verdict").filter(pl.col("verdict").is_not_null()).cast(pl.Int32).sum().alias("yes"),
        pl.col("verdict").is_not_null().sum().alias("parsed"),
        pl.col("grader").n_unique().alias("graders"),
    ).filter(pl.col("graders") > 1)
    verdict = (pl.when(2 * pl.col("yes") > pl.col("parsed")).then(True)
               .when(2 * pl.col("yes") < pl.col("parsed")).then(False).otherwise(None))
    return keyed.with_columns(verdict=verdict, grader=pl.lit(MAJORITY) + ":" + pl.col("judge"),
                              role=pl.lit(MAJORITY), model=pl.lit(MAJORITY)).select(frame.columns)


def rates(frame: pl.DataFrame, by: tuple[str, ...] = ("role", "model", "judge", "category")) -> pl.DataFrame:
    """tpr, fpr, unparseable and accuracy per group (see module docstring), with the counts behind them."""
    right = pl.col("verdict").fill_null(False)
    return frame.group_by(list(by)).agg(
        pl.col("label").sum().alias("n_correct"),
        (~pl.col("label")).sum().alias("n_wrong"),
        (right & pl.col("label")).sum().alias("tp"),
        (right & ~pl.col("label")).sum().alias("fp"),
        pl.col("verdict").is_null().sum().alias("unparsed"),
        (pl.col("verdict") == pl.col("label")).fill_null(False).sum().alias("agree"),
        pl.len().alias("n"),
    ).with_columns(
        tpr=pl.col("tp") / pl.col("n_correct"),
        fpr=pl.col("fp") / pl.col("n_wrong"),
        unparseable=pl.col("unparsed") / pl.col("n"),
        accuracy=pl.col("agree") / pl.col("n"),
    ).sort(list(by))


def cohen_kappa(a: list[bool], b: list[bool]) -> float:
    """Cohen's kappa of two binary raters over the same items (NaN when undefined)."""
    n = len(a)
    if n == 0 or n != len(b):
        return math.nan
    observed = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return math.nan if expected == 1 else (observed - expected) / (1 - expected)


def kappas(frame: pl.DataFrame) -> pl.DataFrame:
    """Cohen's kappa for every pair of graders (role:judge), over the replies both graded."""
    graded = frame.filter(pl.col("role") != MAJORITY)
    verdicts = {g: dict(zip(sub["sample_id"].to_list(), sub["verdict"].to_list()))
                for (g,), sub in graded.group_by(["grader"])}
    rows = []
    for x, y in combinations(sorted(verdicts), 2):
        common = [s for s in verdicts[x] if verdicts[x][s] is not None and verdicts[y].get(s) is not None]
        rows.append({"a": x, "b": y, "n": len(common),
                     "kappa": cohen_kappa([verdicts[x][s] for s in common], [verdicts[y][s] for s in common])})
    return pl.DataFrame(rows, schema={"a": pl.Utf8, "b": pl.Utf8, "n": pl.Int64, "kappa": pl.Float64})


def false_positive_rates(frame: pl.DataFrame) -> dict[tuple[str, str], float]:
    """(grader model, judge) -> its overall false-positive rate: what a judged headline is shown beside."""
    table = rates(frame.filter(pl.col("role") != MAJORITY), by=("model", "judge"))
    return {(m, j): fpr for m, j, fpr in table.select("model", "judge", "fpr").iter_rows()}


def _pct(value: float | None) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{100 * value:.1f}%"


def audit_markdown(frame: pl.DataFrame) -> str:
    """The judge-audit section: overall and per-category rates per grader and judge prompt (lenient and
    strict side by side), false positives by kind of wrong reply, and the graders' agreement."""
    lines = ["## Judge audit: graders measured against labelled replies", "",
             "Rates over labelled replies built from the benchmark's ground truth: TPR = correct replies graded "
             "RIGHT, FPR = wrong replies graded RIGHT, unparseable = no verdict after retries.", ""]
    overall = rates(frame, by=("role", "model", "judge"))
    lines += ["| role | grader | judge | replies | TPR | FPR | unparseable | accuracy |",
              "|---|---|---|---:|---:|---:|---:|---:|"]
    for r in overall.iter_rows(named=True):
        lines.append(f"| {r['role']} | {r['model']} | {r['judge']} | {r['n']} | {_pct(r['tpr'])} | {_pct(r['fpr'])} | "
                     f"{_pct(r['unparseable'])} | {_pct(r['accuracy'])} |")
    judges = sorted(frame["judge"].unique().to_list())
    roles = sorted(frame["role"].unique().to_list())
    by_cat = rates(frame)
    lines += ["", "Per category (TPR / FPR / unparseable), judge prompts side by side:", "",
              "| role | category | " + " | ".join(judges) + " |", "|---|---|" + "---|" * len(judges)]
    for role in roles:
        for cat in sorted(by_cat.filter(pl.col("role") == role)["category"].unique().to_list()):
            cells = []
            for judge in judges:
                sub = by_cat.filter((pl.col("role") == role) & (pl.col("judge") == judge) & (pl.col("category") == cat))
                cells.append("–" if sub.is_empty() else
                             f"{_pct(sub['tpr'][0])} / {_pct(sub['fpr'][0])} / {_pct(sub['unparseable'][0])}")
            lines.append(f"| {role} | {cat} | " + " | ".join(cells) + " |")
    lures = rates(frame.filter(~pl.col("label")), by=("role", "judge", "kind"))
    lines += ["", "False-positive rate by kind of wrong reply:", "", "| role | judge | kind | FPR |", "|---|---|---|---:|"]
    for r in lures.iter_rows(named=True):
        lines.append(f"| {r['role']} | {r['judge']} | {r['kind']} | {_pct(r['fpr'])} ({r['fp']}/{r['n_wrong']}) |")
    kap = kappas(frame)
    if kap.height:
        lines += ["", "Agreement (Cohen's kappa over replies both graded):", "", "| a | b | n | kappa |",
                  "|---|---|---:|---:|"]
        lines += [f"| {r['a']} | {r['b']} | {r['n']} | {r['kappa']:.2f} |" for r in kap.iter_rows(named=True)]
    return "\n".join(lines) + "\n"
