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
