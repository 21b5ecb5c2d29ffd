"""Where user paths resolve and where memcurve keeps its caches.

Why this exists: `inspect eval tasks/convomem.py` changes the working directory to the task file's folder
(tasks/) while it creates and runs the task (inspect_ai `_eval/loader.py` `create_file_tasks` and
`_eval/run.py` use `chdir_python(file.parent)` / `chdir(task_run_dir(task))`), whereas
`inspect eval memcurve/convomem` (the entry-point route) does not change directory at all. So a relative
`-T data=results/bench.duckdb` would mean two different files depending on how the task was named.
Every path option resolves here instead, against the directory the user ran the command in, and caches
live in one place that does not depend on where the package is installed.

Cache location (generated default benchmarks, built memories, retrieval keys, the engine verdict):
    $MEMCURVE_CACHE_DIR, else $XDG_CACHE_HOME/memcurve, else ~/.cache/memcurve
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "MEMCURVE_CACHE_DIR"
PACKAGE_DIR = Path(__file__).resolve().parent
"""The folder of memcurve's task files (tasks/); Inspect chdirs here when it runs one of them by path."""


def cache_dir() -> Path:
    """memcurve's cache root (not created here); see the module docstring for the order of precedence."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return (base / "memcurve").resolve()


def cache_path(*parts: str) -> Path:
    """A location under the cache root, e.g. cache_path("benchmarks")."""
    return cache_dir().joinpath(*parts)


def invocation_dir() -> Path:
    """The directory the user ran the command in.

    That is the current directory, except while Inspect has moved into the task files' folder to run a task
    given by file path: then the shell's $PWD (which os.chdir does not change) still names where the user
    was. A user who really works inside tasks/ has $PWD equal to it, so both agree.
    """
    cwd = Path.cwd().resolve()
    if cwd == PACKAGE_DIR:
        shell = os.environ.get("PWD", "")
        if shell and Path(shell).is_dir():
            return Path(shell).resolve()
    return cwd


def resolve_user_path(value: str | os.PathLike[str]) -> Path:
    """A user-given path made absolute against `invocation_dir()` (~ expanded; absolute paths kept)."""
    path = Path(value).expanduser()
    return (path if path.is_absolute() else invocation_dir() / path).resolve()



DEFAULT = "default"
DEFAULT_CACHES = {"memory_cache": "memory", "key_cache": "fact_keys"}
"""Where a directory option's "default" goes under the cache root (built memories, extracted key facts)."""


def default_cache(option: str) -> Path:
    return cache_path(DEFAULT_CACHES.get(option, option.removesuffix("_cache")))
