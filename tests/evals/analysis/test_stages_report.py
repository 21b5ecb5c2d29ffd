"""The report's stage section on a real convomem run (mockllm reader that answers only from evidence)."""

from __future__ import annotations

from memcurve.evals.analysis.report import write_report
from memcurve.evals.analysis.results import read_results
from memcurve.evals.analysis.stages_report import stage_table


def test_stage_shares_sum_to_one_and_match_the_solvers(small_eval_logs, tmp_path):
    frame = read_results([small_eval_logs])
    table = stage_table(frame, ["solver"])
    rows = {r["solver"]: r for r in table.iter_rows(named=True)}
    for solver, row in rows.items():
        shares = [row[s] for s in ("extraction", "update", "retrieval", "truncation", "reader", "unattributed")]
        assert abs(sum(shares) - 1.0) < 1e-9
        assert row["extraction"] == row["update"] == 0.0  # no memory system ran
    wrong = frame.filter((frame["correct"] == 0) & (frame["solver"] == "full_context"))
    assert rows["full_context"]["misses"] == wrong.height > 0
    # full context never retrieves: its misses are cuts of the 1,200-token window or the reader's
    assert rows["full_context"]["retrieval"] == 0.0 and rows["full_context"]["truncation"] > 0.5
    assert rows["rag"]["retrieval"] > 0
    text = write_report([small_eval_logs], tmp_path / "r").read_text()
    assert "### Where the misses come from" in text and "#### Misses by solver, category and history size" in text
