"""One report over real logs of two tasks and two datasets: separate parts, SORT summary, errors listed."""

import os
import re
from pathlib import Path

import polars as pl
import pytest
from inspect_ai import eval
from inspect_ai.model import get_model
from support import evidence_reader, mock_output

from memcurve.evals.analysis.report import write_report
from memcurve.evals.analysis.results import read_results
from memcurve.generators.config import build_config
from memcurve.generators.generate import generate

ROOT = Path(__file__).resolve().parents[3]
SORT_TASK = f"{ROOT / 'tasks' / 'sort.py'}@sort"


def _sort_reader(input, tools, tool_choice, config):
    """Finds both segments in the excerpt when it is in the prompt; without context always says A."""
    prompt = input[-1].text
    a = prompt.split("Segment A: ", 1)[1].split("\n\nSegment B: ", 1)[0]
    b = prompt.split("Segment B: ", 1)[1].split("\n\nWhich segment", 1)[0]
    context = prompt.split("Here are two segments", 1)[0]
    label = "A" if not (a in context and b in context) or context.index(a) < context.index(b) else "B"
    return mock_output(f"The answer is {label}.")


@pytest.fixture(scope="module")
def second_logs(tmp_path_factory):
    """convomem on a second benchmark (one sample errors) and SORT on a text, as real Inspect runs."""
    tmp = tmp_path_factory.mktemp("parts")
    db = tmp / "other.duckdb"
    generate(build_config({"seed": 11, "personas": 2, "sizes": "1,4", "questions_per_category": 2,
                           "categories": "user_facts,abstention"}), db, force=False, progress=False)
    reader = evidence_reader(db)
    calls = {"n": 0}

    def flaky(input, tools, tool_choice, config):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("provider refused the request")
        return reader(input, tools, tool_choice, config)

    book = tmp / "book.txt"
    words = " ".join(f"The ferry {i} left the harbour before dawn {i}." for i in range(400))
    book.write_text(words, encoding="utf-8")
    logs = tmp / "logs"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        eval("tasks/convomem.py", model=get_model("mockllm/model", custom_outputs=flaky), display="none",
             log_dir=str(logs), fail_on_error=False, task_args={"data": str(db), "solvers": "full_context,rag"})
        eval(SORT_TASK, model=get_model("mockllm/model", custom_outputs=_sort_reader), display="none",
             log_dir=str(logs), task_args={"text": str(book), "excerpt_lengths": "250,1000", "segment_lengths": 20,
                                           "excerpts": 4, "conditions": "in_context,no_context", "seed": 1})
    finally:
        os.chdir(cwd)
    return logs


def test_report_has_one_part_per_task_and_dataset(small_eval_logs, second_logs, tmp_path):
    frame = read_results([small_eval_logs, second_logs])
    convomem = frame.filter(pl.col("task") == "convomem")
    assert convomem["dataset"].n_unique() == 2 and all(len(d) == 64 for d in convomem["dataset"].unique())
    errored = frame.filter(pl.col("error").is_not_null())
    assert errored.height == 1 and "provider refused" in errored["error"][0]
    sort = frame.filter(pl.col("task") == "sort")
    assert sort["scorer"].unique().to_list() == ["sort_scorer"] and sort["correct"].null_count() == 0

    text = write_report([small_eval_logs, second_logs], tmp_path / "r", n_resamples=100).read_text()
    parts = re.findall(r"^## (\S+) · dataset (\S+) · ", text, flags=re.M)
    assert len(parts) == 3 and {t for t, _ in parts} == {"convomem", "sort"}
    assert len({d for t, d in parts if t == "convomem"}) == 2
    # each part's tables count only its own samples: the second benchmark's rag row has its own n
    second = text.split(f"dataset {convomem.filter(pl.col('log') == errored['log'][0])['dataset'][0][:12]}")[1]
    second = second.split("\n## ")[0]
    ok = convomem.filter((pl.col("log") == errored["log"][0]) & pl.col("error").is_null())
    rag_n = ok.filter(pl.col("solver") == "rag").height
    assert re.search(rf"^\| rag \| {rag_n} \|", second, flags=re.M)
    assert "### Errored samples" in second and "provider refused the request" in second
    assert f"errored (listed below, not counted): 1" in second
    # SORT: accuracy against chance by condition, excerpt length and distance bin, and position bias
    sort_part = text.split("## sort · ")[1].split("\n## ")[0]
    for heading in ("### SORT: sequence order recall", "#### Accuracy by condition", "excerpt length",
                    "distance bin", "#### Position bias"):
        assert heading in sort_part
    assert re.search(r"^\| in_context \| \d+ \| \d+ \| 1\.000 \|", sort_part, flags=re.M)
    assert re.search(r"^\| no_context \| \d+ \| \d+ \| 0\.500 \|", sort_part, flags=re.M)
    # without context the reader always says A: accuracy 1 when the answer is A, 0 when B
    assert re.search(r"^\| no_context \| \d+ \| 1\.000 \| \d+ \| 0\.000 \| \+1\.000 \|", sort_part, flags=re.M)
    assert "unscored: 0" in sort_part


def test_every_printed_interval_is_possible_and_holds_its_estimate(small_eval_logs, tmp_path):
    text = write_report([small_eval_logs], tmp_path / "r", n_resamples=200).read_text()
    for row in re.findall(r"^\|.*\|$", text, flags=re.M):
        cells = [c.strip() for c in row.strip("|").split("|")]
        for i, cell in enumerate(cells):
            m = re.fullmatch(r"\[([+-]?\d\.\d+), ([+-]?\d\.\d+)\]", cell)
            if not m:
                continue
            low, high = float(m.group(1)), float(m.group(2))
            assert -1 <= low < high <= 1, row  # never degenerate, never impossible
    # accuracy cells: the estimate lies inside its interval
    for acc, low, high in re.findall(r"\| (\d\.\d{3}) \| \[(\d\.\d{3}), (\d\.\d{3})\] \|", text):
        assert float(low) <= float(acc) <= float(high)
    for size, low, high in re.findall(r"cross at ([\d.]+) conversations \(95% CI ([\d.]+)-([\d.]+)", text):
        assert float(low) < float(size) < float(high)
