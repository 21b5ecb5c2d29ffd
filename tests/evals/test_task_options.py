"""Task options: every registered name accepted and in the help, unknown names and -T options refused
with the valid list, invalid values refused in one line, all as Inspect's PrerequisiteError."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_ai._util.error import PrerequisiteError

from memcurve.convomem import ConvomemOptions, convomem
from memcurve.errors import ConfigError, StoreError
from memcurve.evals.memory import SYSTEMS
from memcurve.evals.memory.hybrid import RecentPlusRag
from memcurve.evals.retrieval import KEYS, RETRIEVERS, UNITS
from memcurve.evals.solvers import SOLVERS
from memcurve.evals.task_options import options_help, parse_options
from memcurve.longmemeval import longmemeval
from memcurve.sort import sort

ROOT = Path(__file__).resolve().parents[2]


def _parse(task, **given):
    """Only the option parse of `task` (no dataset loaded): the declaration, the defaults, the given values."""
    import inspect as pyinspect

    from memcurve import convomem as convomem_module, longmemeval as lme_module

    cls = {convomem: convomem_module.ConvomemOptions, longmemeval: lme_module.LongMemEvalOptions}[task]
    values = {n: p.default for n, p in pyinspect.signature(task).parameters.items() if p.kind is p.POSITIONAL_OR_KEYWORD}
    return parse_options(cls, {**values, **given})


@pytest.mark.parametrize("task", [convomem, longmemeval])
def test_every_registered_name_is_accepted_and_in_the_help(task):
    help_text = task.__doc__
    assert _parse(task, solvers=",".join(SOLVERS.names)).solvers == SOLVERS.names
    for name in SOLVERS.names:
        assert _parse(task, solvers=name).solvers == (name,) and name in help_text
    for name in RETRIEVERS.names:
        assert _parse(task, retriever=name).retriever == name and name in help_text
    for name in UNITS.names:
        assert _parse(task, unit=name).unit == name and name in help_text
    assert _parse(task, unit="session").unit == "conversation"
    for system in SYSTEMS.names:
        assert f"memory:{system}" in SOLVERS.names
    if task is longmemeval:
        for name in KEYS.names:
            assert _parse(task, key=name).key == name and name in help_text


@pytest.mark.parametrize("option, registry", [("solvers", SOLVERS), ("retriever", RETRIEVERS), ("unit", UNITS)])
def test_an_unknown_name_lists_the_registered_ones(option, registry):
    with pytest.raises(ConfigError) as err:
        _parse(convomem, **{option: "bogus"})
    assert str(err.value).endswith(f"'bogus'; valid: {', '.join(registry.names)}")


def test_a_memory_system_registered_later_is_a_solver_in_options_and_help():
    class Toy(RecentPlusRag):
        name = "toy"

    SYSTEMS.add("toy_memory", Toy, "a test-only memory system")
    try:
        assert "memory:toy_memory" in SOLVERS.names
        assert _parse(convomem, solvers="memory:toy_memory").solvers == ("memory:toy_memory",)
        assert "memory:toy_memory" in options_help(ConvomemOptions, convomem)
    finally:  # registries are process-wide: leave them as found
        SYSTEMS._entries.pop("toy_memory")
        SOLVERS._entries.pop("memory:toy_memory")


def test_unknown_task_option_is_refused_with_the_valid_list(tiny_store):
    with pytest.raises(ConfigError) as err:
        convomem(data=str(tiny_store), solver="rag")  # Inspect alone would only warn and run the defaults
    message = str(err.value)
    assert message.startswith("unknown option solver (-T); valid: data, sizes, categories, solvers, k, unit")
    with pytest.raises(ConfigError, match="unknown option chunk_size"):
        sort(text="book.txt", chunk_size=10)


@pytest.mark.parametrize("args, message", [
    ({"judge_retries": -1}, "invalid judge_retries -1: expected a whole number >= 0"),
    ({"judge_retries": 1.5}, "invalid judge_retries 1.5: expected a whole number >= 0"),
    ({"max_tokens": 0}, "invalid max_tokens 0: expected a whole number >= 1"),
    ({"k": 0}, "invalid k 0: expected a whole number >= 1"),
    ({"sizes": 7}, "size 7 not in "),
    ({"histories_per_size": "two"}, "invalid histories_per_size 'two': expected a whole number >= 1"),
    ({"judge": False}, None),  # YAML reads `-T judge=off` as False: that is "off"
])
def test_invalid_values_are_refused_in_one_line(tiny_store, args, message):
    if message is None:
        assert convomem(data=str(tiny_store), **args) is not None
        return
    with pytest.raises(ConfigError) as err:
        convomem(data=str(tiny_store), **args)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert isinstance(err.value, PrerequisiteError)  # Inspect prints it without a traceback


def test_memory_cache_must_be_a_directory(tiny_store, tmp_path):
    a_file = tmp_path / "hostname"
    a_file.write_text("not a directory\n")
    for task in (convomem, longmemeval):
        with pytest.raises(ConfigError, match=f"invalid memory_cache '{a_file}': not a directory"):
            task(data=str(tiny_store), memory_cache=str(a_file))
    assert a_file.read_text() == "not a directory\n"


@pytest.mark.parametrize("args, message", [
    ({"segment_lengths": 0}, "invalid segment_lengths 0: expected a whole number >= 1"),
    ({"excerpts": "abc"}, "invalid excerpts 'abc': expected a whole number >= 1"),
    ({"excerpt_lengths": "250,x"}, "invalid excerpt_lengths 'x': expected a whole number >= 1"),
    ({"rag_top_k": 0}, "invalid rag_top_k 0: expected a whole number >= 1"),
    ({"max_tokens": 2.5}, "invalid max_tokens 2.5: expected a whole number >= 1"),
])
def test_sort_options_are_parsed_by_the_shared_parsers(tmp_path, args, message):
    book = tmp_path / "book.txt"
    book.write_text(" ".join(f"w{i}." for i in range(400)))
    with pytest.raises(ConfigError) as err:
        sort(text=str(book), excerpt_lengths=args.pop("excerpt_lengths", 250), **args)
    assert str(err.value) == message and isinstance(err.value, PrerequisiteError)


def test_store_errors_keep_their_class():
    with pytest.raises(StoreError, match="no such benchmark file") as err:
        convomem(data="/nonexistent/bench.duckdb")
    assert isinstance(err.value, PrerequisiteError)


def test_inspect_eval_prints_one_short_message_without_traceback(tiny_store, tmp_path):
    """`inspect eval tasks/convomem.py -T solvers=bogus` from the shell: at most 3 lines, no Traceback."""
    env = {**os.environ, "INSPECT_LOG_DIR": str(tmp_path / "logs"), "NO_COLOR": "1", "COLUMNS": "200"}
    inspect_cli = Path(sys.executable).parent / "inspect"
    for arg in ("solvers=bogus", "solver=rag", "k=0"):
        run = subprocess.run([str(inspect_cli), "eval", "tasks/convomem.py", "--model", "mockllm/model",
                              "-T", f"data={tiny_store}", "-T", arg], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
        output = (run.stdout + run.stderr).strip()
        assert run.returncode != 0, output
        assert "Traceback" not in output and len(output.splitlines()) <= 3, output
        assert {"solvers=bogus": "unknown solver 'bogus'; valid: full_context, rag",
                "solver=rag": "unknown option solver (-T); valid: data, sizes",
                "k=0": "invalid k 0: expected a whole number >= 1"}[arg] in output


def test_every_scorer_a_task_uses_is_registered(tiny_store):
    from inspect_ai._util.registry import registry_info

    from memcurve.evals.scorers.registry import SCORERS

    external = {"memory:mem0", "memory:langmem", "memory:graphiti"}  # optional extras, not installed by default
    tasks = [convomem(data=str(tiny_store), solvers=",".join(n for n in SOLVERS.names if n not in external)),
             longmemeval(data=str(tiny_store), solvers="rag")]
    used = {registry_info(s).name.split("/")[-1] for task in tasks for s in task.scorer}
    assert used and used <= set(SCORERS.names), used - set(SCORERS.names)
    assert {registry_info(SCORERS.get(n)()).name.split("/")[-1] for n in ("answer_check", "overflow")} == {
        "answer_check", "overflow"}
