"""The hardening battery: bad inputs, resource bombs, damaged caches, races and interrupts against the real
CLI and `inspect eval`, each judged clean or not, with tried / clean counts per area.

    python tests/benchmarks/bench_hardening.py [--area resources,templates,...] [--verbose]

Clean means: the expected exit code (2 for a user error, 130/143 for an interrupt), at most one line on
stderr from the CLI (three from `inspect eval`), no Traceback, nothing left behind, existing data
untouched, and for the resource bombs a refusal in under 5 s with under 500 MB peak RSS, both of the whole
refusing process (from wait4; the time is its CPU time, user + system, start-up included, because the
wall time of a shared 2-core machine mostly measures the other jobs: both wall figures are printed too).
Each case runs in its own process; figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import memcurve.evals  # noqa: F401  (the real package first: with tests/ on sys.path, tests/evals would shadow it)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "evals" / "memory"))

PY = sys.executable
# the CLI, timed from the call of main() to its return (import and interpreter start-up excluded; under a
# shared machine's load start-up alone takes seconds), printed last on stdout
MEMCURVE = [PY, "-c", "import sys, time; from memcurve.cli import main; t = time.perf_counter(); "
            "code = main(sys.argv[1:]); print(f'memcurve-seconds {time.perf_counter() - t:.3f}'); sys.exit(code)"]
INSPECT = [PY, "-m", "inspect_ai._cli.main", "eval"]
TINY = ["--personas", "1", "--sizes", "1,2", "--categories", "user_facts", "--questions-per-category", "1",
        "--quiet"]
BOMB_SECONDS, BOMB_MB = 5.0, 500


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float  # the whole process, wall
    peak_mb: float
    cpu_seconds: float = 0.0  # the whole process, user + system (independent of the machine's load)

    @property
    def cli_seconds(self) -> float:
        """main()'s own wall time when the CLI printed it, else the whole process's."""
        lines = [x for x in self.out.splitlines() if x.startswith("memcurve-seconds ")]
        return float(lines[-1].split()[1]) if lines else self.seconds


def run(argv: list[str], *, cwd: Path, timeout: float = 120, stop: tuple[float, int] | None = None,
        wait_for: Path | None = None, env: dict | None = None) -> Run:
    """Run argv; `stop=(delay, signal)` sends the signal after `delay` s (after `wait_for` exists, if given)."""
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, text=True, start_new_session=True,
                                env={**os.environ, **(env or {})})
        if stop is not None:
            delay, signum = stop
            deadline = time.monotonic() + timeout
            while wait_for is not None and not _exists_glob(wait_for) and time.monotonic() < deadline:
                if proc.poll() is not None:
                    break
                time.sleep(0.02)
            time.sleep(delay)
            if proc.poll() is None:
                os.killpg(proc.pid, signum) if signum == signal.SIGINT else os.kill(proc.pid, signum)
        try:
            _, status, usage = _wait4(proc, timeout)
        except TimeoutError:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return Run(-9, "", "timed out", time.monotonic() - started, 0.0)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Run(os.waitstatus_to_exitcode(status), out.read(), err.read(), seconds, usage.ru_maxrss / 1024,
                   usage.ru_utime + usage.ru_stime)


def _wait4(proc: subprocess.Popen, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return pid, status, usage
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.01)


def _exists_glob(pattern: Path) -> bool:
    return any(pattern.parent.glob(pattern.name))


# ------------------------------------------------------------------------------------------------ cases
class Battery:
    def __init__(self, folder: Path, verbose: bool) -> None:
        self.folder = folder
        self.verbose = verbose
        self.results: dict[str, list[tuple[str, bool, str]]] = defaultdict(list)
        self.n = 0

    def fresh(self) -> Path:
        self.n += 1
        d = self.folder / f"case{self.n:03d}"
        d.mkdir()
        return d

    def record(self, area: str, name: str, clean: bool, detail: str) -> None:
        self.results[area].append((name, clean, detail))
        mark = "clean" if clean else "NOT CLEAN"
        print(f"  [{area}] {name}: {mark} ({detail})", flush=True)

    def one_line(self, area: str, name: str, r: Run, *, expect: tuple[int, ...] = (2,), contains: str = "",
                 max_lines: int = 1, left: list[str] | None = None, where: Path | None = None,
                 bomb: bool = False, both_streams: bool = False) -> None:
        """Judge a run; `both_streams` counts stdout's lines too (`inspect eval` prints its errors there)."""
        text = r.out + r.err if both_streams else r.err
        lines = [line for line in text.splitlines() if line.strip() and not line.startswith("memcurve-seconds ")]
        problems = []
        if r.code not in expect:
            problems.append(f"exit {r.code}")
        if len(lines) > max_lines:
            problems.append(f"{len(lines)} non-blank lines")
        if "Traceback" in r.err or "Traceback" in r.out:
            problems.append("Traceback")
        if contains and contains not in text:
            problems.append(f"message lacks {contains!r}")
        if where is not None and left is not None:
            found = sorted(p.name for p in where.iterdir())
            if found != sorted(left):
                problems.append(f"left behind {sorted(set(found) - set(left))}")
        if bomb and (r.cpu_seconds >= BOMB_SECONDS or r.peak_mb >= BOMB_MB):
            problems.append("over the time or memory bound")
        detail = (f"exit {r.code}, main() {r.cli_seconds:.2f} s wall, process {r.seconds:.2f} s wall / "
                  f"{r.cpu_seconds:.2f} s CPU, peak {r.peak_mb:.0f} MB")
        if problems:
            detail += "; " + ", ".join(problems) + f"; output: {text.strip()[-300:]!r}"
        elif self.verbose and lines:
            detail += "; " + " | ".join(line.strip() for line in lines)[:240]
        self.record(area, name, not problems, detail)

    # ---- resources: importers
    def resources(self) -> None:
        for fmt in ("convomem", "longmemeval", "locomo"):
            d = self.fresh()
            (d / "d.json").write_text("[" * 200000 + "]" * 200000)
            r = run([*MEMCURVE, "import", fmt, "d.json", "--out", "o.duckdb"], cwd=d)
            self.one_line("resources", f"import {fmt} of 400 KB nested brackets", r, contains="nested deeper",
                          left=["d.json"], where=d, bomb=True)
        d = self.fresh()
        (d / "t.json").write_text('[{"contextSize": 1, "evidenceItems": [], "conversations": [')
        r = run([*MEMCURVE, "import", "convomem", "t.json", "--out", "o.duckdb"], cwd=d)
        self.one_line("resources", "import convomem of a truncated array", r, contains="premature EOF",
                      left=["t.json"], where=d)
        d = self.fresh()
        (d / "e.json").write_text("[]")
        r = run([*MEMCURVE, "import", "convomem", "e.json", "--out", "o.duckdb"], cwd=d)
        self.one_line("resources", "import convomem of []", r, contains="no ConvoMem questions", left=["e.json"],
                      where=d)
        for flags, message in ((["--personas", "100000000"], "invalid personas"), (["--sizes", "999999"], "invalid size"),
                               (["--workers", "0"], "invalid workers"), (["--workers", "-2"], "invalid workers")):
            d = self.fresh()
            r = run([*MEMCURVE, "generate", "--out", "b.duckdb", "--quiet", *flags], cwd=d)
            self.one_line("resources", "generate " + " ".join(flags), r, contains=message, left=[], where=d, bomb=True)

    # ---- templates
    def templates(self) -> None:
        loops = "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"
        bombs = {
            "10 ** 100000000": "{{ 10 ** 100000000 }}",
            "7 ** 1000000000 % 10": "{{ 7 ** 1000000000 % 10 }}",
            "nested range(100000)": "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            "nested range(10000) x 2": loops,
            "('a' * 10**9)|length": "{{ ('a' * 10**9)|length }}",
            "'a' * 10**10": "{{ 'a' * 10**10 }}",
            "'a'|center(999999999)": "{{ 'a'|center(999999999) }}",
            "s.replace('', s)": "{% set s = 'x' * 100000 %}{{ s.replace('', s)|length }}",
            "~ doubling": "{% set ns = namespace(a='x' * 1000) %}{% for i in range(40) %}{% set ns.a = ns.a ~ ns.a %}"
                          "{% endfor %}",
            "exponential macro": "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}",
            "'{:>999999999}'.format": "{{ '{:>999999999}'.format(1) }}",
            "hidden branch: if number != '8'": "{% if number != '8' %}" + loops + "{% endif %}",
            "hidden branch: if name == 'Zebulon'": "{% if first_name == 'Zebulon' %}" + loops + "{% endif %}",
        }
        for name, body in bombs.items():
            d = self.fresh()
            filler = d / "pack" / "fillers" / "bomb.j2"
            filler.parent.mkdir(parents=True)
            filler.write_text("## conversation\nuser: hello {{ first_name }}\n" + body + "\nassistant: hi\n")
            r = run([*MEMCURVE, "generate", "--out", "b.duckdb", "--templates", "pack", *TINY], cwd=d)
            self.one_line("templates", name, r, contains="bomb.j2 line", left=["pack"], where=d, bomb=True)

    # ---- config and flags
    def config(self) -> None:
        cases = {"personas: .inf": b"personas: .inf\n", "personas: true": b"personas: true\n",
                 "personas: 1.9": b"personas: 1.9\n", "categories: 5": b"categories: 5\n",
                 "non-UTF-8 config": b"seed: \xff\xfe\n"}
        for name, text in cases.items():
            d = self.fresh()
            (d / "c.yaml").write_bytes(text)
            r = run([*MEMCURVE, "generate", "--out", "b.duckdb", "--config", "c.yaml", "--quiet"], cwd=d)
            self.one_line("config", name, r, left=["c.yaml"], where=d)
        for flags in (["--categories", ","], ["--templates", ""], ["--start-date", "9999-12-31"]):
            d = self.fresh()
            r = run([*MEMCURVE, "generate", "--out", "b.duckdb", "--quiet", *flags], cwd=d)
            self.one_line("config", "generate " + " ".join(repr(f) if not f else f for f in flags), r, left=[], where=d)
        d = self.fresh()
        (d / "p.yaml").write_bytes(b"gpt: {input: 1, output: 2}  # \xff\n")
        logs = d / "logs"
        logs.mkdir()
        r = run([*MEMCURVE, "report", "logs", "--out", "r", "--prices", "p.yaml"], cwd=d)
        self.one_line("config", "report --prices non-UTF-8", r, left=["logs", "p.yaml"], where=d)

    # ---- stores and one-liners
    def stores(self) -> None:
        import duckdb

        d = self.fresh()
        r = run([*MEMCURVE, "generate", "--out", "ok.duckdb", *TINY], cwd=d)
        good = d / "ok.duckdb"
        damaged = d / "damaged.duckdb"
        damaged.write_bytes(good.read_bytes())
        with duckdb.connect(str(damaged)) as con:
            con.execute("DROP TABLE messages")
        for command in (["info"], ["validate"], ["export", "--format", "jsonl", "--out", "exp"]):
            r = run([*MEMCURVE, command[0], "damaged.duckdb", *command[1:]], cwd=d)
            self.one_line("stores", f"{command[0]} of a store whose meta says version 1 but tables are missing", r,
                          contains="missing", left=["ok.duckdb", "damaged.duckdb"], where=d)
        sqlite3.connect(d / "lite.duckdb").execute("CREATE TABLE t (a)").connection.commit()
        home = d / "home"
        home.mkdir()
        r = run([*MEMCURVE, "info", "lite.duckdb"], cwd=d, env={"HOME": str(home)})
        downloaded = any(home.rglob("*.duckdb_extension"))
        self.one_line("stores", "info of an SQLite file (no sqlite_scanner download)", r,
                      contains="not a DuckDB file", left=["ok.duckdb", "damaged.duckdb", "lite.duckdb", "home"],
                      where=d)
        if downloaded:
            self.record("stores", "no extension downloaded", False, "an extension appeared under HOME")
        unreadable = "/proc/self/mem" if os.geteuid() == 0 else str(self._locked(d))
        r = run([*MEMCURVE, "import", "longmemeval", unreadable, "--out", "o.duckdb"], cwd=d)
        self.one_line("stores", "import of an unreadable file", r, contains="cannot read")

    def _locked(self, d: Path) -> Path:
        path = d / "locked.json"
        path.write_text("[]")
        path.chmod(0)
        return path

    # ---- races, interrupts, leftovers
    def races(self) -> None:
        d = self.fresh()
        argv = [*MEMCURVE, "generate", "--out", "t.duckdb", "--personas", "2", "--quiet"]
        first = subprocess.Popen(argv, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        second = subprocess.Popen(argv, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        outs = [p.communicate(timeout=600) for p in (first, second)]
        codes = sorted([first.returncode, second.returncode])
        loser_err = next((e for (o, e), p in zip(outs, (first, second)) if p.returncode != 0), "")
        clean = codes == [0, 2] and "already exists" in loser_err and "Traceback" not in loser_err \
            and sorted(p.name for p in d.iterdir()) == ["t.duckdb"]
        self.record("races", "two concurrent generate --out t.duckdb without --force", clean,
                    f"exit codes {codes}; loser: {loser_err.strip()[:120]!r}")
        for signum, expect in ((signal.SIGTERM, (143, 130)), (signal.SIGINT, (130,))):
            d = self.fresh()
            argv = [*MEMCURVE, "generate", "--out", "b.duckdb", "--personas", "16", "--questions-per-category", "60",
                    "--quiet"]
            r = run(argv, cwd=d, stop=(1.0, signum), wait_for=d / ".b.duckdb.memcurve-tmp-*")
            self.one_line("races", f"{signal.Signals(signum).name} during generate", r, expect=expect, left=[],
                          where=d, contains="interrupted")
        d = self.fresh()
        run([*MEMCURVE, "generate", "--out", "big.duckdb", "--personas", "8", "--questions-per-category", "20",
             "--quiet"], cwd=d, timeout=600)
        interrupted = 0
        for attempt in range(3):
            r = run([*MEMCURVE, "export", "big.duckdb", "--format", "jsonl", "--out", f"exp{attempt}"], cwd=d,
                    stop=(0.3 + 0.4 * attempt, signal.SIGINT), wait_for=d / f".exp{attempt}.memcurve-tmp-*")
            if r.code == 0:
                import shutil

                shutil.rmtree(d / f"exp{attempt}")  # finished before the signal: not an interrupt case
                continue
            interrupted += 1
            self.one_line("races", f"Ctrl-C during export (attempt {attempt + 1})", r, expect=(130,),
                          left=["big.duckdb"], where=d)
        if not interrupted:
            self.record("races", "Ctrl-C during export", False, "export always finished before the signal")
        d = self.fresh()
        dead = subprocess.Popen([PY, "-c", "pass"])
        dead.wait()
        for name in (f".t.duckdb.memcurve-tmp-{dead.pid}-0", f".t.duckdb.memcurve-tmp-{dead.pid}-0.wal"):
            (d / name).write_bytes(b"left by kill -9")
        r = run([*MEMCURVE, "generate", "--out", "t.duckdb", *TINY], cwd=d)
        self.one_line("races", "stale temp files of a dead writer removed", r, expect=(0,), max_lines=0,
                      left=["t.duckdb"], where=d)
        d = self.fresh()
        (d / "r").mkdir()
        (d / "r" / "mine.md").write_text("keep")
        (d / "logs").mkdir()
        r = run([*MEMCURVE, "report", "logs", "--out", "r"], cwd=d)
        kept = (d / "r" / "mine.md").exists()
        self.one_line("races", "report into an existing folder without --force", r, contains="--force",
                      left=["r", "logs"], where=d)
        if not kept:
            self.record("races", "report leaves the existing folder untouched", False, "mine.md is gone")

    # ---- caches
    def caches(self) -> None:
        import asyncio
        import logging

        import duckdb
        from inspect_ai.model import get_model
        from memory_support import H2, Scripted, build_memory_store

        from memcurve.evals.benchmark_cache import damage
        from memcurve.evals.dataset import cached_benchmark
        from memcurve.evals.history import load_history
        from memcurve.evals.memory import make_system
        from memcurve.evals.memory.cache import MemoryCache, clear_memory_cache
        from memcurve.evals.memory.llm import MemoryLLM
        from memcurve.generators.config import build_config

        warnings: list[str] = []

        class Collect(logging.Handler):
            def emit(self, record):
                warnings.append(record.getMessage())

        logging.getLogger("memcurve").addHandler(Collect(logging.WARNING))
        def get(d: Path, db: Path):
            llm = MemoryLLM(get_model("mockllm/model", custom_outputs=Scripted()))
            return asyncio.run(MemoryCache(d / "mem").get(load_history(db, H2), lambda: make_system("summary"), llm,
                                                          "mockllm/model"))

        def tamper(path, change):
            saved = json.loads(path.read_text())
            change(saved)
            path.write_text(json.dumps(saved))

        corruptions = {"[]": lambda p: p.write_text("[]"), '"garbage"': lambda p: p.write_text('"garbage"'),
                       "tampered summary, key kept": lambda p: tamper(
                           p, lambda s: s["state"].update(summary="The user owns nine cats."))}
        for name, corrupt in corruptions.items():
            d = self.fresh()  # a fresh cache folder per case: each damaged file is reported once
            db = build_memory_store(d / "m.duckdb")
            clear_memory_cache()
            reference = get(d, db).system.export_state()
            for path in (d / "mem" / "summary").glob("*.json"):
                corrupt(path)
            warnings.clear()
            try:
                results = []
                for _ in range(2):  # two runs: rebuilt in the first, reused from disk in the second
                    clear_memory_cache()
                    results.append(get(d, db))
                said = len([w for w in warnings if "memory cache file" in w])
                clean = all(r.system.export_state() == reference for r in results) and results[1].source == "disk" \
                    and said == 2
                detail = f"rebuilt, {said} warning(s) for 2 damaged files, second run from disk: {results[1].source}"
            except Exception as exc:  # noqa: BLE001
                clean, detail = False, f"{type(exc).__name__}: {exc}"
            self.record("caches", f"memory cache file holding {name}", clean, detail)
        config = build_config({"seed": 5, "personas": 1, "sizes": "1,2", "categories": "user_facts",
                               "questions_per_category": 1})

        def drop(path):
            with duckdb.connect(str(path)) as con:
                con.execute("DROP TABLE evidence")

        def corrupt_pages(path):
            data = bytearray(path.read_bytes())
            for offset in range(len(data) // 3, len(data) - 4096, 4096):
                data[offset + 100:offset + 200] = b"\xff" * 100
            path.write_bytes(bytes(data))

        for name, damage_it in (("missing tables", drop), ("pages failing DuckDB's checksum", corrupt_pages)):
            cache = self.fresh()
            path = cached_benchmark(config, cache)
            damage_it(path)
            warnings.clear()
            try:
                again = cached_benchmark(config, cache)
                cached_benchmark(config, cache)
                clean = damage(again) is None and len([w for w in warnings if "cannot be reused" in w]) == 1
                detail = f"rebuilt; {len(warnings)} warning"
            except Exception as exc:  # noqa: BLE001
                clean, detail = False, f"{type(exc).__name__}: {exc}"
            self.record("caches", f"default-benchmark cache with {name}", clean, detail)

    # ---- inspect eval
    def inspect(self) -> None:
        d = self.fresh()
        run([*MEMCURVE, "generate", "--out", "b.duckdb", *TINY], cwd=d)
        db = str(d / "b.duckdb")
        book = d / "book.txt"
        book.write_text(" ".join(f"word{i}" for i in range(5000)) + "\n")
        cases = [
            ("tasks/convomem.py", ["-T", "solvers=bogus"]),
            ("tasks/convomem.py", ["-T", "solver=rag"]),
            ("tasks/convomem.py", ["-T", f"data={db}", "-T", "k=0"]),
            ("tasks/convomem.py", ["-T", f"data={db}", "-T", "sizes=7"]),
            ("tasks/convomem.py", ["-T", f"data={db}", "-T", "judge_retries=-1"]),
            ("tasks/convomem.py", ["-T", f"data={db}", "-T", "judge_retries=1.5"]),
            ("tasks/convomem.py", ["-T", f"data={db}", "-T", "memory_cache=/etc/hostname"]),
            ("tasks/convomem.py", ["-T", f"data={db}", "-T", "max_tokens=0"]),
            ("tasks/sort.py", ["-T", f"text={book}", "-T", "excerpts=abc"]),
            ("tasks/sort.py", ["-T", f"text={book}", "-T", "segment_lengths=0"]),
            ("tasks/longmemeval.py", ["-T", "judge_retries=-1"]),
        ]
        for task, flags in cases:
            if not (ROOT / task).is_file():
                self.record("inspect", f"{task} {' '.join(flags)}", False, "task file missing")
                continue
            r = run([*INSPECT, task, "--model", "mockllm/model", "--limit", "1", "--log-dir", str(d / "logs"),
                     "--display", "plain", *flags], cwd=ROOT, timeout=300)
            self.one_line("inspect", f"inspect eval {task} {' '.join(f for f in flags if f != '-T')}", r,
                          expect=tuple(c for c in range(1, 256)), max_lines=3, both_streams=True)


AREAS = ("resources", "templates", "config", "stores", "races", "caches", "inspect")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", default=",".join(AREAS), help=f"comma-separated, of {', '.join(AREAS)}")
    parser.add_argument("--verbose", action="store_true", help="show each refusal's message")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="memcurve-hardening-") as tmp:
        battery = Battery(Path(tmp), args.verbose)
        for area in args.area.split(","):
            print(f"{area}:", flush=True)
            getattr(battery, area)()
    print("\narea        tried  clean")
    total = clean = 0
    for area, rows in battery.results.items():
        n_clean = sum(ok for _, ok, _ in rows)
        total, clean = total + len(rows), clean + n_clean
        print(f"{area:<11} {len(rows):>5}  {n_clean:>5}  ({100 * n_clean / len(rows):.0f}%)")
    print(f"{'all':<11} {total:>5}  {clean:>5}  ({100 * clean / max(total, 1):.0f}%)")
    load = os.getloadavg()
    print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
