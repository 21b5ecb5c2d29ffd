"""Scalar parsers for option values (`-T name=value`, model args): one-line errors that name the value.

Inspect passes -T values through YAML, so "a,b" arrives as a list, "3" as an int and "true" as a bool;
every parser here accepts those forms as well as a plain comma-separated string. Names of a kind
(solvers, units, retrievers...) are parsed by their registry (memcurve.evals.registry).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from memcurve.paths import DEFAULT, default_cache, resolve_user_path
from memcurve.errors import ConfigError, StoreError

OFF = ("", "off", "none", "false")  # YAML reads `off` / `false` as False, `none` as the string


def as_list(value: Any) -> list[str]:
    """'a,b' | ['a', 'b'] | 'a' | 3 -> a list of stripped strings (empty items dropped)."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, (list, tuple)) else [value]
    return [str(item).strip() for item in items if str(item).strip()]


def parse_bool(name: str, value: Any) -> bool:
    """true/false (YAML bools from -T, or the strings true/false/1/0/yes/no)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"invalid {name} {value!r}: expected true or false")


def parse_int(name: str, value: Any, *, minimum: int = 1, allow_none: bool = False) -> int | None:
    """A whole number >= `minimum` (or None when allowed); bools, fractions and words are rejected."""
    expected = f"expected a whole number >= {minimum}"
    if value is None or (allow_none and str(value).strip().lower() in ("", "none", "all")):
        if allow_none:
            return None
        raise ConfigError(f"invalid {name} None: {expected}")
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise ConfigError(f"invalid {name} {value!r}: {expected}")
    try:
        number = int(value) if isinstance(value, float) else int(str(value).strip())
    except ValueError:
        raise ConfigError(f"invalid {name} {value!r}: {expected}") from None
    if number < minimum:
        raise ConfigError(f"invalid {name} {number}: {expected}")
    return number


def parse_positive_int(name: str, value: Any, *, allow_none: bool = False) -> int | None:
    """A whole number >= 1 (or None when allowed)."""
    return parse_int(name, value, minimum=1, allow_none=allow_none)


def parse_int_list(name: str, value: Any, *, minimum: int = 1) -> list[int]:
    """'250,1000' | [250, 1000] | 250 | '250 1000' -> whole numbers >= `minimum`, at least one."""
    items = [v for v in value.replace(",", " ").split()] if isinstance(value, str) else as_list(value)
    if not items:
        raise ConfigError(f"invalid {name} {value!r}: expected one or more whole numbers >= {minimum}")
    return [parse_int(name, item, minimum=minimum) for item in items]


def parse_data(value: Any) -> Path:
    """An existing benchmark file (checked further when opened)."""
    path = resolve_user_path(str(value))  # against where the user ran the command, not the task file's folder
    if not path.is_file():
        raise StoreError(f"{path}: no such benchmark file (data=)")
    return path.resolve()


def parse_data_or_new(value: Any) -> Path:
    """An existing benchmark file, or a new `.duckdb` path in an existing folder (the task generates it there).

    So `cd "$(mktemp -d)" && inspect eval memcurve/convomem -T data=$PWD/bench.duckdb` works from an empty
    folder; a path in a missing folder or without the `.duckdb` suffix is still a one-line error.
    """
    path = resolve_user_path(str(value))
    if path.is_file():
        return path.resolve()
    if path.exists() or path.suffix != ".duckdb" or not path.parent.is_dir():
        raise StoreError(f"{path}: no such benchmark file (data=; a new .duckdb path in an existing folder is "
                         "generated with the default benchmark)")
    return path


def parse_directory(name: str, value: Any) -> str | None:
    """A directory to write into (made when missing), or None for off / none / false.

    "default" is this option's place under memcurve's cache root (memcurve.paths.default_cache); any other
    relative path resolves against the directory the user ran the command in."""
    if value is None or value is False or str(value).strip().lower() in OFF:
        return None
    if str(value) == DEFAULT:
        return str(default_cache(name))
    path = resolve_user_path(str(value))
    if path.exists() and not path.is_dir():
        raise ConfigError(f"invalid {name} {str(value)!r}: not a directory")
    return str(path)
