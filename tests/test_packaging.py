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
