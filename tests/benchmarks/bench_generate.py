"""Generate a ConvoMem-scale benchmark and print elapsed time, messages per second, peak memory, file size.

ConvoMem has about 75,000 questions over all categories, 1 to 6 evidence messages and histories of
1..300 conversations on its size grid. Here: 50 personas x 8 categories x 188 questions = 75,200
questions, 40 questions per history chain, at real length (about 2,000 tokens a conversation, about 600k per
300-conversation history). Target on a 2-core machine: at most 3 minutes and 4 GiB.

    python tests/benchmarks/bench_generate.py [--personas 50] [--questions-per-category 188] [--profile]
"""

from __future__ import annotations

import argparse
import os
import cProfile
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from memcurve.generators.config import CONVOMEM_SIZES, build_config
from memcurve.generators.generate import generate


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # persona workers, counted once they have exited
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--personas", type=int, default=50)
    parser.add_argument("--questions-per-category", type=int, default=188)
    parser.add_argument("--questions-per-history", type=int, default=40)
    parser.add_argument("--length", choices=("real", "short"), default="real")
    parser.add_argument("--workers", type=int, default=None, help="persona worker processes (default: one per core)")
    parser.add_argument("--profile", action="store_true", help="print the top functions by cumulative time")
    args = parser.parse_args()
    config = build_config({"seed": 7, "personas": args.personas, "sizes": list(CONVOMEM_SIZES),
                           "questions_per_category": args.questions_per_category, "max_evidence": 6,
                           "questions_per_history": args.questions_per_history, "length": args.length})
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "convomem_scale.duckdb"
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        cpu_started = time.process_time() + _children_cpu()
        if profiler:
            profiler.enable()
        summary = generate(config, out, force=False, progress=False,
                           workers=1 if args.profile else args.workers)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() + _children_cpu() - cpu_started
        load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
        worker_peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        size_mib = out.stat().st_size / 2**20
        con = duckdb.connect(str(out), read_only=True)
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("questions", "conversations", "messages", "histories", "history_conversations",
                            "history_questions", "facts")}
        per_n = con.execute("SELECT evidence_count, count(*) FROM questions GROUP BY 1 ORDER BY 1").fetchall()
        tokenizer = con.execute("SELECT value FROM meta WHERE key = 'tokenizer'").fetchone()[0]
        per_size = con.execute("SELECT size, round(avg(tokens)), min(tokens) FROM histories WHERE size IN (10, 50, 300) "
                               "GROUP BY 1 ORDER BY 1").fetchall()
        levels = con.execute("SELECT overlap_level, count(*) FROM questions GROUP BY 1 ORDER BY 1").fetchall()
        con.close()
    print(summary)
    print(f"counts: {counts}")
    print(f"questions by evidence count: {dict(per_n)}")
    print("tokens per history (" + tokenizer + "): " + ", ".join(f"{size} conversations mean {mean:,.0f} (min {low:,})"
                                                             for size, mean, low in per_size))
    print(f"questions by overlap level: {dict(levels)}")
    print(f"elapsed: {elapsed:.1f} s wall, {cpu:.1f} s CPU in all processes (load average {load} on "
          f"{os.cpu_count()} cores: the wall time grows with other work on the machine)")
    print(f"messages per second: {counts['messages'] / elapsed:,.0f}")
    print(f"peak memory (ru_maxrss): {peak_mib:,.0f} MiB writer process, {worker_peak_mib:,.0f} MiB largest worker "
          f"(at most {peak_mib + worker_peak_mib * (args.workers or min(4, os.cpu_count() or 1)):,.0f} MiB together)")
    print(f"file size: {size_mib:,.1f} MiB")
    if profiler:
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
