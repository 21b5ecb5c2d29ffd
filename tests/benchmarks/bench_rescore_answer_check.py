"""Re-score a run's replies with the answer check before single-answer scoring and with today's, side by side.

    python tests/benchmarks/bench_rescore_answer_check.py LOG.eval [--examples 8]

The log's samples are re-scored, with no model calls:
  - before: the rule of memcurve before commit bba0c58 ("Single-answer scoring"): right iff the reply contains
    the gold or an alias on word boundaries (numbers as numbers, dates as calendar dates), abstention questions
    right iff the reply abstains; a hedged or shotgun reply that names the gold counted as right;
  - after: evals.scorers.single_answer.score_reply with the sample's answer key from its benchmark store
    (what the log's own answer_check holds; the script checks that the two agree).
Rubric and overflowed samples are left out (the judge or nobody scores them), as both checks do. Prints the
headline per solver before and after, how many verdicts changed each way, and examples of changed verdicts.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter, defaultdict
from pathlib import Path

from inspect_ai.log import read_eval_log
from inspect_ai.scorer import value_to_float

from memcurve.evals.normalize import contains, dates_in, normalize, same_date
from memcurve.evals.scorers.abstention import abstains
from memcurve.evals.scorers.answer_check import OVERFLOW_STOP_REASON, is_rubric
from memcurve.evals.scorers.answer_key import answer_keys
from memcurve.evals.scorers.single_answer import score_reply


def check_before(reply: str, golds: list[str], answer_kind: str, is_abstention: bool) -> bool:
    """memcurve's answer check as it was at commit 5be8d71 (the parent of bba0c58), on today's helpers
    (normalize and abstains are unchanged since, apart from an added function)."""
    abstained = abstains(reply)
    if is_abstention or answer_kind == "abstention":
        return abstained
    said = normalize(reply)
    said_dates = dates_in(reply) if answer_kind == "date" else []
    for gold in golds:
        if not gold or not gold.strip():
            continue
        if contains(said, normalize(gold)):
            return True
        for gold_date in dates_in(gold) if said_dates else []:
            if any(same_date(gold_date, d) for d in said_dates):
                return True
    return False


def rescore(path: Path) -> list[dict]:
    log = read_eval_log(str(path))
    to_float = value_to_float()
    keys: dict[str, dict] = {}
    rows = []
    for sample in log.samples or []:
        md = sample.metadata or {}
        score = (sample.scores or {}).get("answer_check")
        if score is None or is_rubric(md) or (sample.output and sample.output.stop_reason == OVERFLOW_STOP_REASON):
            continue
        logged = to_float(score.value)
        if math.isnan(logged):
            continue
        reply = sample.output.completion if sample.output else ""
        golds = [t for t in ([sample.target] if isinstance(sample.target, str) else sample.target) if t]
        golds = golds or [md.get("answer", ""), *md.get("aliases", [])]
        db = md.get("db")
        if db not in keys:
            keys[db] = answer_keys(db) if db and Path(db).is_file() else {}
        key = keys[db].get(md.get("question_id"))
        after = bool(score_reply(reply, key).correct) if key is not None else bool(logged)
        rows.append({"solver": md.get("solver", "-"), "size": md.get("size"), "category": md.get("category"),
                     "question": sample.input if isinstance(sample.input, str) else "", "reply": reply,
                     "gold": golds[0] if golds else "", "logged": bool(logged),
                     "before": check_before(reply, golds, md.get("answer_kind", "text"),
                                            bool(md.get("is_abstention", False))),
                     "after": after, "reason": score.explanation or ""})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path)
    parser.add_argument("--examples", type=int, default=8)
    args = parser.parse_args()
    rows = rescore(args.log)
    if not rows:
        raise SystemExit(f"{args.log}: no exact-scored samples with an answer_check score")
    print(f"log {args.log.name}: {len(rows)} exact-scored samples")
    mismatched = sum(r["after"] != r["logged"] for r in rows)
    print(f"today's check re-run vs the log's answer_check: {len(rows) - mismatched}/{len(rows)} agree")
    by_solver: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_solver[row["solver"]].append(row)
    print(f"{'solver':16s} {'n':>4s} {'before':>7s} {'after':>7s} {'changed':>8s} {'R->W':>5s} {'W->R':>5s}")
    for solver, items in [*by_solver.items(), ("all", rows)]:
        before = sum(r["before"] for r in items) / len(items)
        after = sum(r["logged"] for r in items) / len(items)
        down = sum(r["before"] and not r["logged"] for r in items)
        up = sum(r["logged"] and not r["before"] for r in items)
        print(f"{solver:16s} {len(items):4d} {before:7.3f} {after:7.3f} {down + up:8d} {down:5d} {up:5d}")
    changed = [r for r in rows if r["before"] != r["logged"]]
    print("changed verdicts by category:", dict(Counter(r["category"] for r in changed)) or "none")
    for row in changed[: args.examples]:
        print(f"  [{row['solver']}, size {row['size']}, {row['category']}] gold {row['gold']!r}: "
              f"{'right->wrong' if row['before'] else 'wrong->right'}; reply {row['reply'][:90]!r}; {row['reason'][:70]}")


if __name__ == "__main__":
    main()
