"""memcurve report on the logs of a real small eval run: markdown tables, crossovers, figures, CLI errors."""

import polars as pl
import pytest

from memcurve.evals.analysis.report import build_report, write_report
from memcurve.evals.analysis.results import read_results
from memcurve.cli import main


def test_report_from_real_logs(small_eval_logs, tmp_path):
    frame = read_results([small_eval_logs])
    assert set(frame["solver"].unique()) == {"full_context", "rag"}
    assert set(frame["size"].unique()) == {1, 4, 16}
    # the reader model is right whenever the evidence is in its prompt: full context loses it as history
    # outgrows the 4,000-token window, so its accuracy at the largest size is below its accuracy at size 1
    acc = frame.filter(pl.col("solver") == "full_context").group_by("size").agg(pl.col("correct").mean())
    acc = dict(zip(acc["size"], acc["correct"]))
    assert acc[16] < acc[1]
    assert frame.filter(pl.col("solver") == "full_context")["truncated"].max() == 1.0

    out = tmp_path / "report"
    path = write_report([small_eval_logs], out, n_resamples=200)
    text = path.read_text()
    for heading in ("## Accuracy", "### Accuracy by solver and history size", "## Transition curves and crossovers",
                    "### full_context vs rag", "## Cost and latency", "## Retrieval"):
        assert heading in text
    assert ("curves cross at" in text) or ("No accuracy crossover within the measured range" in text)
    for figure in ("transition_curves.png", "cost.png", "latency.png", "retrieval_recall.png"):
        assert (out / figure).stat().st_size > 10_000
        assert figure in text
    assert pl.read_parquet(out / "samples.parquet").height == frame.height


def test_report_cli_and_errors(small_eval_logs, tmp_path, capsys):
    assert main(["report", str(small_eval_logs), "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "report.md").exists()
    assert main(["report", str(tmp_path / "missing"), "--out", str(tmp_path / "r2")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("memcurve: error:") and "missing" in err[0]
    bad = tmp_path / "prices.yaml"
    bad.write_text("- not a mapping\n")
    assert main(["report", str(small_eval_logs), "--out", str(tmp_path / "r3"), "--prices", str(bad)]) == 2


def test_single_solver_report_says_what_it_cannot_compute(tmp_path):
    from memcurve.evals.analysis.stats.simulate import simulate_results

    frame = simulate_results({"rag": (1.0, -0.2)}, personas=6, questions_per_persona=4, sizes=(1, 10))
    frame = frame.with_columns(
        pl.lit("m/x").alias("model"), pl.lit("a.eval").alias("log"), pl.lit("convomem").alias("task"),
        pl.lit(None, dtype=pl.Utf8).alias("error"), pl.lit(100).alias("input_tokens"), pl.lit(100).alias("prompt_tokens"),
        pl.lit(5).alias("output_tokens"),
        pl.lit(float("nan")).alias("cost_usd"), pl.lit(0.5).alias("latency_s"), pl.lit(0).alias("memory_tokens"))
    text = build_report(frame, tmp_path, n_resamples=100).read_text()
    assert "Only one solver: nothing to compare." in text
    assert "Only one solver: no crossover to estimate." in text
