"""Tasks by registry name from any directory, paths against the user's directory, caches in one place,
and the model-free `memcurve/smoke` provider (no tiktoken, no network) with a representative --limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_ai import eval
from inspect_ai.log import read_eval_log
from inspect_ai.model import ChatMessageUser

from memcurve import paths
from memcurve.evals.models.smoke import ABSTAIN, answer_from, split_question
from memcurve.generators.config import build_config
from memcurve.generators.generate import generate

ROOT = Path(__file__).resolve().parents[1]
SOLVERS = ("full_context", "rag", "memory:hybrid")  # convomem's default solvers


def test_cache_root_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("MEMCURVE_CACHE_DIR", str(tmp_path / "mine"))
    assert paths.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("MEMCURVE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert paths.cache_dir() == tmp_path / "xdg" / "memcurve"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert paths.cache_dir() == Path.home().resolve() / ".cache" / "memcurve"
    from memcurve.evals.parsers import parse_directory

    assert parse_directory("memory_cache", "off") is None and parse_directory("memory_cache", False) is None
    assert parse_directory("memory_cache", "default") == str(paths.cache_dir() / "memory")
    assert parse_directory("key_cache", "default") == str(paths.cache_dir() / "fact_keys")


def test_user_paths_resolve_against_the_directory_the_user_ran_in(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert paths.resolve_user_path("bench.duckdb") == tmp_path.resolve() / "bench.duckdb"
    assert paths.resolve_user_path("/abs/x.duckdb") == Path("/abs/x.duckdb")
    # Inspect runs a task file inside its folder; $PWD still names where the user was
    monkeypatch.chdir(paths.PACKAGE_DIR)
    monkeypatch.setenv("PWD", str(tmp_path))
    assert paths.resolve_user_path("results/bench.duckdb") == tmp_path.resolve() / "results" / "bench.duckdb"


def test_smoke_reader_answers_from_the_prompt():
    lines, question = split_question([ChatMessageUser(content=(
        "[09:00] User: My dog is called Biscuit.\n[09:01] Assistant: Lovely name!\n"
        "[10:00] User: I moved to York.\n\nQuestion: What is my dog called?\nAnswer:"))])
    assert question == "Question: What is my dog called?"
    assert answer_from(lines, question) == "My dog is called Biscuit."
    assert answer_from(lines, "Where do penguins nest?") == ABSTAIN


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    where = tmp_path_factory.mktemp("anywhere")
    generate(build_config({"seed": 5, "personas": 2, "sizes": "1,4,12", "questions_per_category": 2,
                           "categories": "user_facts,changing_facts,abstention"}),
             where / "bench.duckdb", force=False, progress=False)
    return where


def _check(log, limit):
    assert log.status == "success", log.error
    assert len(log.samples) == limit
    assert {s.metadata["solver"] for s in log.samples} == set(SOLVERS)
    usage = log.stats.model_usage["memcurve/smoke"]
    assert usage.input_tokens > 0 and usage.output_tokens > 0
    return {(s.metadata["solver"], s.metadata["size"]) for s in log.samples}


def test_registered_task_from_any_directory_with_a_relative_data_path(bench, tmp_path, monkeypatch):
    monkeypatch.chdir(bench)
    monkeypatch.setenv("MEMCURVE_CACHE_DIR", str(tmp_path / "cache"))
    [log] = eval("memcurve/convomem", model="memcurve/smoke", task_args={"data": "bench.duckdb"},
                 limit=12, display="none", log_dir=str(tmp_path / "logs"))
    cells = _check(log, 12)
    assert cells == {(solver, size) for solver in SOLVERS for size in (1, 4, 12)}  # 9 leads, then more
    assert list((tmp_path / "cache" / "memory").iterdir())  # built memories went to the cache root


def test_task_file_route_resolves_data_against_the_users_directory(bench, tmp_path, monkeypatch):
    monkeypatch.chdir(bench)
    monkeypatch.setenv("PWD", str(bench))
    monkeypatch.setenv("MEMCURVE_CACHE_DIR", str(tmp_path / "cache"))
    task_file = os.path.relpath(ROOT / "tasks" / "convomem.py", bench)  # Inspect refuses absolute task paths
    [log] = eval(task_file, model="memcurve/smoke", task_args={"data": "bench.duckdb"}, limit=9,
                 display="none", log_dir=str(tmp_path / "logs"))
    _check(log, 9)
    assert log.samples[0].metadata["db"] == str((bench / "bench.duckdb").resolve())


def test_a_new_data_path_in_an_empty_folder_gets_the_default_benchmark(tmp_path):
    """The README's `cd "$(mktemp -d)" && inspect eval memcurve/convomem -T data=$PWD/bench.duckdb --limit 12`."""
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, "MEMCURVE_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1", "PWD": str(empty)}
    env.pop("INSPECT_LOG_DIR", None)
    inspect = Path(sys.executable).with_name("inspect")
    run = subprocess.run([str(inspect), "eval", "memcurve/convomem", "-T", f"data={empty / 'bench.duckdb'}",
                          "--limit", "12", "--model", "memcurve/smoke", "--display", "none"],
                         cwd=empty, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"{empty / 'bench.duckdb'} does not exist; generating the default benchmark there" in run.stderr
    [log_file] = (empty / "logs").glob("*.eval")
    log = read_eval_log(str(log_file))
    assert log.status == "success" and len(log.samples) == 12
    assert {s.metadata["solver"] for s in log.samples} == set(SOLVERS)
    assert {s.metadata["size"] for s in log.samples} == {1, 4, 12, 100}  # extremes first, then the middles
    assert log.samples[0].metadata["db"] == str((empty / "bench.duckdb").resolve())
