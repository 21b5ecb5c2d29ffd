"""Packaging: one `memcurve` import namespace mapped onto the fixed folders, every package listed."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def _folder_of(package: str, package_dir: dict[str, str]) -> Path:
    """The folder setuptools builds `package` from (the longest mapped prefix wins)."""
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in package_dir:
            return ROOT / package_dir[prefix] / Path(*parts[cut:])
    raise AssertionError(f"{package} is not under a mapped folder")


def test_every_package_folder_is_listed_and_every_listed_package_exists():
    config = _setuptools()
    listed = set(config["packages"])
    folders = {_folder_of(p, config["package-dir"]) for p in listed}
    assert all((f / "__init__.py").is_file() for f in folders)
    on_disk = {p.parent for top in ("tasks", "generators", "evals") for p in (ROOT / top).rglob("__init__.py")}
    assert on_disk == folders


def test_import_names_live_under_memcurve_only():
    import memcurve
    import memcurve.evals
    import memcurve.generators

    assert Path(memcurve.__file__).parent == ROOT / "tasks"
    assert Path(memcurve.generators.__file__).parent == ROOT / "generators"
    assert Path(memcurve.evals.__file__).parent == ROOT / "evals"
    assert all(p.startswith("memcurve") for p in _setuptools()["packages"])


FOREIGN_EVALS = '''
import sys
import evals, generators                      # the foreign top-level packages, first on sys.path
assert evals.FOREIGN and generators.FOREIGN, "the foreign packages were not imported"

from inspect_ai import eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model

import memcurve.cli, memcurve.convomem        # memcurve's own namespace, unaffected
from memcurve.evals.scorers.retrieval import retrieval_scores

def reply(*args):
    out = ModelOutput.from_content(model="mockllm/model", content="Biscuit")
    out.usage = ModelUsage(input_tokens=10, output_tokens=1, total_tokens=11)  # no tiktoken offline
    return out


model = get_model("mockllm/model", custom_outputs=reply)
[log] = eval(memcurve.convomem.convomem(data=sys.argv[1], solvers="no_context", sizes=1, judge="off"),
             model=model, display="none", log_dir=sys.argv[2])
assert log.status == "success", log.error
assert evals.__file__.startswith(sys.argv[3]) and not memcurve.convomem.__file__.startswith(sys.argv[3])
assert len(log.samples) > 0 and retrieval_scores([["m1"]], ["m1"], ks=[1])["ndcg@1"] == 1.0
print("memcurve ran next to a foreign evals:", len(log.samples), "samples")
'''


def test_memcurve_imports_and_runs_next_to_a_foreign_evals_package(tmp_path):
    """OpenAI's `evals` distribution installs a top-level `evals` package: memcurve must not care."""
    import subprocess
    import sys

    sys.path.append(str(ROOT / "tests"))
    from support import build_tiny_store

    foreign = tmp_path / "site"
    for name in ("evals", "generators"):
        (foreign / name).mkdir(parents=True)
        (foreign / name / "__init__.py").write_text("FOREIGN = True\n")
    db = build_tiny_store(tmp_path / "tiny.duckdb")
    run = subprocess.run([sys.executable, "-c", FOREIGN_EVALS, str(db), str(tmp_path / "logs"), str(foreign)],
                         env={**__import__("os").environ, "PYTHONPATH": str(foreign)}, cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "memcurve ran next to a foreign evals:" in run.stdout
