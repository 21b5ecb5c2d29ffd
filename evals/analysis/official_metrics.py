"""Report section: each imported benchmark's own official metric beside memcurve's score, per category,
with and without the answer-key corrections the import applied (the section says which).

For LoCoMo: the official token F1 (scorer `locomo_f1`) per LoCoMo category code, next to memcurve's
deterministic `answer_check` accuracy, from the same replies. The F1 is shown against the corrected answer
key and against the original one; when the store was imported without corrections the two are equal and
the section says so.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from memcurve.evals.scorers.locomo_f1 import locomo_code

LOCOMO_NAMES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}


def _value(score, key: str | None = None):
    value = score.value
    if key is not None:
        return value.get(key) if isinstance(value, dict) else None
    return {"C": 1.0, "I": 0.0}.get(value, value) if isinstance(value, str) else value


def official_metrics_section(log_paths: list[Path]) -> str:
    """Markdown: LoCoMo official F1 (corrected / original key) beside memcurve's accuracy, per category."""
    from inspect_ai.log import read_eval_log

    rows: dict[int, list[tuple[float | None, float, float]]] = defaultdict(list)
    corrected_questions: set[str] = set()
    scored: set[str] = set()
    stores: dict[str, dict] = {}
    for path in log_paths:
        log = read_eval_log(str(path))
        for sample in log.samples or []:
            scores = sample.scores or {}
            f1 = scores.get("locomo_f1")
            code = locomo_code((sample.metadata or {}).get("question_type", ""))
            if f1 is None or code is None or _value(f1, "locomo_f1") is None:
                continue
            check = scores.get("answer_check")
            accuracy = _value(check) if check is not None else None
            rows[code].append((accuracy, _value(f1, "locomo_f1"), _value(f1, "locomo_f1_uncorrected")))
            scored.add(sample.metadata["question_id"])
            if (f1.metadata or {}).get("corrected"):
                corrected_questions.add(sample.metadata["question_id"])
            db = (sample.metadata or {}).get("db")
            if db and db not in stores:
                stores[db] = _corrections_record(db)
    if not rows:
        return ""
    lines = ["## Official metric: LoCoMo token F1", "", _which_key(stores, corrected_questions, scored), "",
             "| code | category | n | memcurve accuracy | official F1 (corrected key) | official F1 (original key) |",
             "|---:|---|---:|---:|---:|---:|"]
    total = []
    for code in sorted(rows):
        lines.append(_row(str(code), LOCOMO_NAMES[code], rows[code]))
        total.extend(rows[code])
    lines.append(_row("", "all", total))
    return "\n".join(lines) + "\n"


def _row(code: str, name: str, values: list) -> str:
    checked = [a for a, _, _ in values if a is not None]
    accuracy = f"{sum(checked) / len(checked):.3f}" if checked else "-"
    f1 = sum(v for _, v, _ in values) / len(values)
    original = sum(v for _, _, v in values) / len(values)
    return f"| {code} | {name} | {len(values)} | {accuracy} | {f1:.3f} | {original:.3f} |"


def _corrections_record(db: str) -> dict:
    from memcurve.generators.store import open_store, read_meta

    try:
        con = open_store(db)
    except Exception:  # a store moved since the run: the logs still carry both scores
        return {"missing": True}
    try:
        record = read_meta(con).get("corrections")
    finally:
        con.close()
    return json.loads(record) if record else {}


def _which_key(stores: dict[str, dict], corrected: set[str], scored: set[str]) -> str:
    applied = {f"{r['file']} version {r['version']} ({r['source']}; licence {r['licence'].split(' (')[0]})"
               for r in stores.values() if r.get("version")}
    if not applied:
        return ("Answer key: as distributed (the store was imported without corrections), so both F1 columns are "
                "the same.")
    flagged = scored & {f["question_id"] for r in stores.values() for f in r.get("flagged", [])}
    return (f"Answer key: corrections applied on import: {'; '.join(sorted(applied))}. {len(corrected)} of the "
            f"questions scored here have a corrected answer and {len(flagged)} are flagged as ambiguous (their key "
            "is kept as distributed); the last column scores the same replies against the original answers.")
