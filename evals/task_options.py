"""Task options (`-T name=value`): declared once per task, parsed once, refused in one line.

A task declares its options as a frozen dataclass whose fields carry a parser and a help line
(`option(...)`); `parse_options` turns the task's raw arguments into that object, refusing unknown
names with the valid list (tasks take `**unknown`, because Inspect itself only warns about a misspelt
-T name and runs the defaults), and `options_help` writes the -T help from the same fields and the
registries. `task_errors` is the one place where memcurve's user errors become Inspect's
PrerequisiteError, which `inspect eval` prints as one message without a traceback.

Inspect passes -T values through YAML, so "a,b" arrives as a list, "3" as an int, "true" or "off" as a
bool; every parser accepts those forms as well as plain strings.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from inspect_ai._util.error import PrerequisiteError

from memcurve.errors import ConfigError, MemcurveError
from memcurve.evals.parsers import (
    as_list,
    parse_bool,
    parse_data,
    parse_data_or_new,
    parse_directory,
    parse_int,
    parse_int_list,
    parse_positive_int,
)
from memcurve.evals.registry import Registry
from memcurve.evals.retrieval import KEYS, RETRIEVERS, UNITS
from memcurve.evals.solvers import SOLVERS
from memcurve.evals.solvers.options import SolverOptions, require_installed, solver_options
from memcurve.generators.categories import CATEGORIES
from memcurve.generators.config import parse_sizes

T = TypeVar("T")
Parser = Callable[[str, Any], Any]  # (option name, raw value) -> parsed value

# --- parsers, one per kind of value (all take the option's name for their messages) -----------------

def names_of(registry: Registry) -> Parser:
    """A non-empty list of registered names, canonical and without repeats."""
    def parse(name: str, value: Any) -> tuple[str, ...]:
        items = as_list(value)
        if not items:
            raise ConfigError(f"{name}: none given; valid: {registry.valid()}")
        return tuple(dict.fromkeys(registry.canonical(item) for item in items))
    return parse


def one_of(registry: Registry) -> Parser:
    return lambda name, value: registry.canonical(value)


def whole(minimum: int = 1, *, allow_none: bool = False) -> Parser:
    return lambda name, value: parse_int(name, value, minimum=minimum, allow_none=allow_none)


def whole_list(minimum: int = 1) -> Parser:
    return lambda name, value: tuple(parse_int_list(name, value, minimum=minimum))


def boolean(name: str, value: Any) -> bool:
    return parse_bool(name, value)


def directory(name: str, value: Any) -> str | None:
    return parse_directory(name, value)


def optional_data(name: str, value: Any) -> Path | None:
    return None if value is None else parse_data(value)


def optional_data_or_new(name: str, value: Any) -> Path | None:
    return None if value is None else parse_data_or_new(value)


def optional_text(name: str, value: Any) -> str | None:
    return None if value is None else str(value)


def integer(name: str, value: Any) -> int:
    """Any whole number (a seed)."""
    return parse_int(name, value, minimum=-(2**63))


def category_list(name: str, value: Any) -> tuple[str, ...] | None:
    """Category names (None or 'all' = every category in the benchmark)."""
    items = as_list(value)
    if not items or items == ["all"]:
        return None
    for item in items:
        if item not in CATEGORIES:
            raise ConfigError(f"unknown category {item!r}; valid: {', '.join(CATEGORIES)}")
    return tuple(dict.fromkeys(items))


def size_list(name: str, value: Any) -> tuple[int, ...] | None:
    """History sizes in conversations (None or 'all' = every size in the benchmark)."""
    if value is None or value == "all" or value == []:
        return None
    return parse_sizes(value)


def window(name: str, value: Any) -> int | str | None:
    """A context window in tokens, or "model" (the model's own), or None (the task's default)."""
    if value is None or value == "model":
        return value
    try:
        return parse_positive_int(name, value)
    except ConfigError:
        raise ConfigError(f"invalid {name} {value!r}: expected a whole number >= 1 or \"model\"") from None


def choice(values: tuple[str, ...], *, label: str | None = None, aliases: Mapping[Any, str] | None = None) -> Parser:
    """One of fixed words (YAML-read aliases such as False for "off" first); `label` names it in errors."""
    def parse(name: str, value: Any) -> str:
        value = (aliases or {}).get(value, value) if isinstance(value, (bool, str)) else value
        if value not in values:
            raise ConfigError(f"{label or name} {value!r} is not valid; valid: {', '.join(values)}")
        return value
    return parse


# --- the declaration and the parse ------------------------------------------------------------------

def option(parse: Parser, help: str | Callable[[], str]) -> Any:
    """A field of a task's options dataclass: its parser and its -T help line."""
    return dataclasses.field(metadata={"parse": parse, "help": help})


def option_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def parse_options(cls: type[T], values: Mapping[str, Any], unknown: Mapping[str, Any] | None = None) -> T:
    """The task's options object from its raw arguments; unknown names are refused with the valid list."""
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ConfigError(f"unknown option {names} (-T); valid: {', '.join(option_names(cls))}")
    parsed = {f.name: f.metadata["parse"](f.name, values[f.name]) for f in dataclasses.fields(cls)}
    return cls(**parsed)


def options_help(cls: type, task: Callable) -> str:
    """The -T help of a task, one line per option with its default, from the declaration."""
    defaults = {name: p.default for name, p in inspect.signature(task).parameters.items()
                if p.default is not inspect.Parameter.empty}
    lines = []
    for f in dataclasses.fields(cls):
        text = f.metadata["help"]() if callable(f.metadata["help"]) else f.metadata["help"]
        default = defaults.get(f.name)
        shown = ",".join(map(str, default)) if isinstance(default, (tuple, list)) else default
        lines.append(f"  {f.name:<22} {text} (default: {shown})")
    return "Options (-T):\n" + "\n".join(lines)


def documented(cls: type, lead: str) -> Callable[[Callable], Callable]:
    """Give a task function its docstring: `lead`, then the -T help generated from `cls`."""
    def apply(task: Callable) -> Callable:
        task.__doc__ = f"{lead.strip()}\n\n{options_help(cls, task)}\n"
        return task
    return apply


# --- options shared by the memory tasks ------------------------------------------------------------

def _solvers_help() -> str:
    return f"any of {', '.join(SOLVERS.names)}"


SOLVERS_OPTION = lambda: option(names_of(SOLVERS), _solvers_help)  # noqa: E731
K_OPTION = lambda: option(whole(1), "RAG: the number of units retrieved")  # noqa: E731
UNIT_OPTION = lambda: option(one_of(UNITS), lambda: f"RAG unit: {UNITS.help()}")  # noqa: E731
RETRIEVER_OPTION = lambda: option(one_of(RETRIEVERS), lambda: f"RAG ranking: {RETRIEVERS.help()}")  # noqa: E731
MEMORY_CACHE_OPTION = lambda: option(directory, "directory for built memories (off = in process only)")  # noqa: E731


def solver_options_of(options: Any, *, max_context_tokens: int | None, key_cache: str | None = None) -> SolverOptions:
    """The SolverOptions of a parsed task options object (fields it lacks keep their defaults)."""
    fields = {f.name for f in dataclasses.fields(SolverOptions)}
    given = {name: getattr(options, name) for name in fields if hasattr(options, name)}
    given["max_context_tokens"] = max_context_tokens
    if key_cache is not None:
        given["key_cache"] = key_cache
    solver = solver_options(**given)
    require_installed(solver)
    return solver


# --- user errors -> Inspect's PrerequisiteError (the one place) ------------------------------------

@functools.cache
def _prerequisite_class(error_class: type) -> type:
    """`error_class` that is also a PrerequisiteError (callers catching ConfigError still catch it)."""
    return type(error_class.__name__, (error_class, PrerequisiteError), {"__module__": error_class.__module__})


def as_prerequisite(error: MemcurveError) -> Exception:
    message = str(error)
    converted = _prerequisite_class(type(error))(message)
    converted.args, converted.message = (message,), message
    return converted


def task_errors(task: Callable[..., T]) -> Callable[..., T]:
    """Raise memcurve's user errors from a task as PrerequisiteError: Inspect prints them without a traceback."""
    @functools.wraps(task)
    def create(*args: Any, **kwargs: Any) -> T:
        try:
            return task(*args, **kwargs)
        except MemcurveError as error:
            if isinstance(error, PrerequisiteError):
                raise
            raise as_prerequisite(error) from None
    return create


# --- the old single-value parsers, for callers outside the tasks ------------------------------------

def parse_solvers(value: Any) -> list[str]:
    return list(names_of(SOLVERS)("solvers", value))


def parse_unit(value: Any) -> str:
    return UNITS.canonical(value)


def parse_key(value: Any) -> str:
    return KEYS.canonical(value)


def parse_retriever(value: Any) -> str:
    return RETRIEVERS.canonical(value)


def parse_k(value: Any) -> int:
    return parse_positive_int("k", value)


__all__ = [
    "as_list", "as_prerequisite", "boolean", "choice", "directory", "documented",
    "category_list", "integer", "names_of", "one_of", "option", "option_names", "options_help", "optional_data", "optional_data_or_new", "parse_bool",
    "parse_data", "parse_k", "parse_key", "parse_options", "parse_positive_int", "parse_retriever",
    "parse_solvers", "parse_unit", "size_list", "solver_options_of", "task_errors", "whole", "whole_list", "window",
]
