"""Import throughput and peak memory on a synthetic LongMemEval-M-shaped file of about 1 GB.

Writes the file (streamed, seeded: ~500-session haystacks of multi-turn sessions, as in longmemeval_m),
then runs, each in a fresh child process so ru_maxrss is the child's own peak:
  1. baseline: stream-parse the file with ijson and touch every turn (no store),
  2. `import_dataset("longmemeval", ...)` into a DuckDB file.
Prints elapsed time, rows/s, MB/s and peak memory (target < 1 GiB), then deletes the temp folder.

    python tests/benchmarks/bench_import_longmemeval.py [--gb 1.0] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("the a my we you it for with about this that time plan trip dinner budget garden project meeting "
         "weekend coffee recipe running shoes train ticket doctor appointment sister brother kids school "
         "laptop battery update music playlist movie book chapter apartment rent city weather rain summer "
         "winter holiday flight hotel museum office manager team report deadline market price salary "
         "recommend suggest think maybe really great idea thanks please could would should").split()
SESSIONS_PER_INSTANCE = 500
TURNS_PER_SESSION = (6, 14)  # inclusive range, user/assistant alternating
WORDS_PER_TURN = (60, 260)


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, k=n)).capitalize() + "."


def instance(rng: random.Random, index: int) -> dict:
    """One M-style instance: ~500 time-sorted sessions, 2 of them answer sessions with has_answer turns."""
    qid = f"{index:08x}" + ("_abs" if index % 17 == 0 else "")
    answers = sorted(rng.sample(range(SESSIONS_PER_INSTANCE), 2))
    ids, dates, sessions = [], [], []
    day0 = 1_684_540_800 + rng.randint(0, 86_400)  # 2023-05-20
    for s in range(SESSIONS_PER_INSTANCE):
        is_answer = s in answers
        ids.append(f"answer_{index:08x}_{answers.index(s) + 1}" if is_answer else f"sharegpt_{index}_{s}")
        t = time.gmtime(day0 + s * 3_600)
        dates.append(time.strftime("%Y/%m/%d (%a) %H:%M", t))
        turns = []
        for k in range(rng.randint(*TURNS_PER_SESSION)):
            turn = {"role": "user" if k % 2 == 0 else "assistant",
                    "content": sentence(rng, rng.randint(*WORDS_PER_TURN))}
            if is_answer and k % 2 == 0:
                turn["has_answer"] = k == 0
            turns.append(turn)
        sessions.append(turns)
    last = time.gmtime(day0 + SESSIONS_PER_INSTANCE * 3_600)
    return {
        "question_id": qid, "question_type": rng.choice(["multi-session", "knowledge-update", "temporal-reasoning",
                                                         "single-session-user"]),
        "question": sentence(rng, 12), "answer": rng.choice([sentence(rng, 4), rng.randint(1, 20)]),
        "question_date": time.strftime("%Y/%m/%d (%a) %H:%M", last),
        "haystack_session_ids": ids, "haystack_dates": dates, "haystack_sessions": sessions,
        "answer_session_ids": [ids[a] for a in answers],
    }


def write_file(path: Path, target_bytes: int, seed: int) -> tuple[int, int, int]:
    """Stream instances into a JSON array until the file reaches target_bytes; (instances, sessions, turns)."""
    rng = random.Random(seed)
    n = sessions = turns = 0
    written = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write("[\n")
        while written < target_bytes:
            inst = instance(rng, n)
            text = ("" if n == 0 else ",\n") + json.dumps(inst)
            fh.write(text)
            written += len(text)
            n += 1
            sessions += len(inst["haystack_sessions"])
            turns += sum(len(s) for s in inst["haystack_sessions"])
        fh.write("\n]\n")
    return n, sessions, turns


CHILD_BASELINE = """
import ijson, json, resource, sys, time
start = time.perf_counter(); turns = 0; chars = 0
with open(sys.argv[1], "rb") as fh:
    for inst in ijson.items(fh, "item", use_float=True):
        for session in inst["haystack_sessions"]:
            for turn in session:
                turns += 1; chars += len(turn["content"])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"elapsed": time.perf_counter() - start, "turns": turns, "cpu": usage.ru_utime + usage.ru_stime,
                  "maxrss_kib": usage.ru_maxrss}))
"""

CHILD_IMPORT = """
import json, resource, sys, time
from pathlib import Path
from memcurve.generators.importers import import_dataset
from memcurve.generators.store import open_store
start = time.perf_counter()
summary = import_dataset("longmemeval", Path(sys.argv[1]), Path(sys.argv[2]), force=True)
elapsed = time.perf_counter() - start
con = open_store(sys.argv[2])
tables = ["personas", "conversations", "messages", "questions", "evidence", "histories",
          "history_conversations", "history_questions"]
rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"elapsed": elapsed, "rows": rows, "summary": summary, "cpu": usage.ru_utime + usage.ru_stime,
                  "maxrss_kib": usage.ru_maxrss}))
"""


def child(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.0, help="size of the synthetic file in GB (default 1.0)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="memcurve-bench-lme-") as tmp:
        src, out = Path(tmp) / "longmemeval_m_synthetic.json", Path(tmp) / "lme.duckdb"
        start = time.perf_counter()
        instances, sessions, turns = write_file(src, int(args.gb * 1e9), args.seed)
        size_mb = src.stat().st_size / 1e6
        print(f"wrote {size_mb:,.0f} MB: {instances} instances, {sessions:,} sessions, {turns:,} turns "
              f"in {time.perf_counter() - start:.1f} s")

        base = child(CHILD_BASELINE, str(src))
        print(f"baseline ijson parse only: {base['elapsed']:.1f} s ({base['cpu']:.1f} s CPU), "
              f"{size_mb / base['elapsed']:.1f} MB/s, peak {base['maxrss_kib'] / 1024:.0f} MiB")

        run = child(CHILD_IMPORT, str(src), str(out))
        total_rows = sum(run["rows"].values())
        peak_mib = run["maxrss_kib"] / 1024
        print(f"import: {run['elapsed']:.1f} s ({run['cpu']:.1f} s CPU), {total_rows:,} rows ({run['rows']['messages']:,} messages), "
              f"{total_rows / run['elapsed']:,.0f} rows/s, {size_mb / run['elapsed']:.1f} MB/s, "
              f"peak {peak_mib:.0f} MiB ({'under' if peak_mib < 1024 else 'OVER'} the 1 GiB target)")
        print(f"import / parse-only CPU time: {run['cpu'] / base['cpu']:.2f}x; "
              f"store {out.stat().st_size / 1e6:,.0f} MB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(run["summary"])


if __name__ == "__main__":
    main()
