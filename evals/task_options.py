"""Parse and validate task options (`-T name=value`): one-line errors that name the value and the valid ones.

Inspect passes -T values through YAML, so "a,b" arrives as a list, "3" as an int and "true" as a bool;
every parser here accepts those forms as well as a plain comma-separated string.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from memcurve.generators.categories import CATEGORIES
from memcurve.generators.config import parse_sizes
from memcurve.errors import ConfigError, StoreError

SOLVER_NAMES: tuple[str, ...] = ("full_context", "rag", "oracle", "no_context",
                                "memory:fact_store", "memory:summary", "memory:hybrid", "memory:mem0")
# memory:<system> runs evals.solvers.memory (listed here, not imported: evals.memory imports this module)
UNIT_NAMES: tuple[str, ...] = ("message", "round", "conversation")
UNIT_ALIASES = {"session": "conversation"}  # LongMemEval's word for a conversation
KEY_NAMES: tuple[str, ...] = ("value", "value+facts")  # evals.retrieval.keys
RETRIEVER_NAMES: tuple[str, ...] = ("bm25", "dense", "hybrid")  # dense and hybrid need the dense extra


def as_list(value: Any) -> list[str]:
    """'a,b' | ['a', 'b'] | 'a' | 3 -> a list of stripped strings (empty items dropped)."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, (list, tuple)) else [value]
    return [str(item).strip() for item in items if str(item).strip()]


def parse_solvers(value: Any) -> list[str]:
    names = as_list(value)
    if not names:
        raise ConfigError(f"solvers: none given; valid: {', '.join(SOLVER_NAMES)}")
    out: list[str] = []
    for name in names:
        if name not in SOLVER_NAMES:
            raise ConfigError(f"unknown solver {name!r}; valid: {', '.join(SOLVER_NAMES)}")
        if name not in out:
            out.append(name)
    return out


def parse_categories(value: Any) -> list[str] | None:
    """Category names (None or 'all' = every category in the benchmark)."""
    names = as_list(value)
    if not names or names == ["all"]:
        return None
    for name in names:
        if name not in CATEGORIES:
            raise ConfigError(f"unknown category {name!r}; valid: {', '.join(CATEGORIES)}")
    return list(dict.fromkeys(names))


def parse_size_list(value: Any) -> tuple[int, ...] | None:
    """History sizes in conversations (None or 'all' = every size in the benchmark)."""
    if value is None or value == "all" or value == []:
        return None
    return parse_sizes(value if not isinstance(value, str) else value)


def parse_unit(value: Any) -> str:
    """A retrieval unit; "session" is accepted as an alias of "conversation" (returned canonical)."""
    unit = str(value).strip()
    unit = UNIT_ALIASES.get(unit, unit)
    if unit not in UNIT_NAMES:
        raise ConfigError(f"invalid unit {unit!r}; valid: {', '.join(UNIT_NAMES)}")
    return unit


def parse_key(value: Any) -> str:
    """A retrieval key (what units are indexed under): value | value+facts."""
    key = str(value).strip()
    if key not in KEY_NAMES:
        raise ConfigError(f"invalid key {key!r}; valid: {', '.join(KEY_NAMES)}")
    return key


def parse_retriever(value: Any) -> str:
    """A ranking method: bm25 | dense | hybrid (evals.retrieval)."""
    retriever = str(value).strip()
    if retriever not in RETRIEVER_NAMES:
        raise ConfigError(f"invalid retriever {retriever!r}; valid: {', '.join(RETRIEVER_NAMES)}")
    return retriever


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


def parse_positive_int(name: str, value: Any, *, allow_none: bool = False) -> int | None:
    """A whole number >= 1 (or None when allowed); bools and fractions are rejected."""
    if value is None or (allow_none and str(value).strip().lower() in ("", "none", "all")):
        if allow_none:
            return None
        raise ConfigError(f"invalid {name} None: expected a whole number >= 1")
    if isinstance(value, bool):
        raise ConfigError(f"invalid {name} {value!r}: expected a whole number >= 1")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"invalid {name} {value!r}: expected a whole number >= 1") from None
    if number < 1:
        raise ConfigError(f"invalid {name} {number}: expected a whole number >= 1")
    return number


def parse_k(value: Any) -> int:
    return parse_positive_int("k", value)


def parse_data(value: Any) -> Path:
    """An existing benchmark file (checked further when opened)."""
    path = Path(str(value)).expanduser()
    if not path.is_file():
        raise StoreError(f"{path}: no such benchmark file (data=)")
    return path.resolve()


def parse_window(value: Any) -> int:
    """A context window in tokens (callers treat "model" as the model's own window)."""
    try:
        return parse_positive_int("max_context_tokens", value)
    except ConfigError:
        raise ConfigError(f"invalid max_context_tokens {value!r}: expected a whole number >= 1 or \"model\"") from None
