"""The end-of-run headline: accuracy per solver and size with n, at most 30 lines of at most 80 columns."""

from __future__ import annotations

from inspect_ai import eval

from memcurve.evals.summary import MAX_LINES, WIDTH, summary_lines
from memcurve.generators.config import build_config
from memcurve.generators.generate import generate


def test_headline_counts_every_scored_sample_per_solver_and_size(tmp_path, monkeypatch):
    db = tmp_path / "bench.duckdb"
    generate(build_config({"seed": 4, "personas": 1, "sizes": "1,4", "questions_per_category": 2,
                           "categories": "user_facts,abstention"}), db, force=False, progress=False)
    monkeypatch.setenv("MEMCURVE_CACHE_DIR", str(tmp_path / "cache"))
    [log] = eval("memcurve/convomem", model="memcurve/smoke", display="none", log_dir=str(tmp_path / "logs"),
                 task_args={"data": str(db), "solvers": "full_context,rag"})
    assert log.status == "success", log.error
    lines = summary_lines(log)
    assert len(lines) <= MAX_LINES and all(len(line) <= WIDTH for line in lines)
    assert lines[1].split() == ["size", "full_context", "rag"]
    rows = {line.split()[0]: line for line in lines[2:-2]}
    assert set(rows) == {"1", "4", "all"}
    for solver_col, solver in ((1, "full_context"), (2, "rag")):
        scores = [s.scores["answer_check"].value for s in log.samples if s.metadata["solver"] == solver]
        n = len(scores)
        right = sum(v in ("C", 1, 1.0, True) for v in scores)
        assert f"{right / n:.2f} (n={n})" in rows["all"]


END_OF_RUN = """
import inspect_ai
[log] = inspect_ai.eval("memcurve/convomem", model="memcurve/smoke", limit=15, log_dir="logs")
assert log.status == "success", log.error
"""


def test_the_end_of_a_default_run_fits_30_lines_of_80_columns(tmp_path):
    """A real inspect_ai.eval() of the default task (generated default benchmark, every default solver, limit 15 =
    one sample per solver and size) in a child process at COLUMNS=80: Inspect's results panel shows the headline
    alone, memcurve's table follows, and everything from the panel's top border to the end is <= 30 lines."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "80", "LINES": "50", "NO_COLOR": "1", "MEMCURVE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("MEMCURVE_SUMMARY", None)
    run = subprocess.run([sys.executable, "-c", END_OF_RUN], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.rstrip().splitlines()
    top = max(i for i, line in enumerate(lines) if line.startswith("╭"))  # the results panel (the last one)
    end = [line.rstrip() for line in lines[top:]]
    assert len(end) <= MAX_LINES, "\n".join(end)
    assert all(len(line) <= WIDTH for line in end), max(end, key=len)
    text = "\n".join(end)
    assert "convomem (15 samples): memcurve/smoke" in text
    metric_rows = [line.split() for line in end if line.split()[:1] in (["accuracy"], ["stderr"])]
    assert [row[0] for row in metric_rows] == ["accuracy", "stderr"]  # the headline, once; no breakdown rows
    start = end.index(next(line for line in end if line.startswith("memcurve convomem:")))
    panel, table = "\n".join(end[:start]), end[start:]
    assert not any(name in panel for name in ("answer_check", "breakdown", "size/", "solver/", "nan"))
    assert table[1].split() == ["size", "full_context", "rag", "memory:hybrid"]
    assert [row.split()[0] for row in table[2:8]] == ["1", "4", "12", "36", "100", "all"]
    assert all(row.count("(n=1)") == 3 for row in table[2:7])  # one sample per solver and size
