"""Resource limits for template rendering: time, output size, loop length, arithmetic and string growth.

jinja2's sandbox blocks Python internals but not work: `{{ 7 ** 1000000000 % 10 }}` runs for minutes,
`'a' * 10**10` allocates 10 GB and nested `range(100000)` loops never end. `LimitedSandbox` closes that:

- arithmetic: the sandbox's intercepted operators (`**`, `*`, `+`, `%`, `//`) are checked before they run,
  so no integer grows past LIMITS.int_bits and no string or list past LIMITS.sequence_length;
- loops and calls: every `{% for %}` iterable is wrapped so each item, and every call (methods, macros),
  spends one unit of a per-render budget (LIMITS.iterations) and checks the per-render deadline;
  `range()` is capped at LIMITS.range_length;
- functions and filters: numeric arguments are capped (LIMITS.argument), calls that multiply their input
  (replace, join, indent, center, expandtabs, format...) are estimated before they run, results are sized;
- `~` concatenation is sized before it joins; the rendered text is capped at LIMITS.output_chars.

Any breach raises TemplateLimitError (a TemplateError: one line naming the file and line), within about
LIMITS.seconds, whatever the template. `explore` renders a template with every `{% if %}` branch taken
(and each side of `a if c else b`), so work hidden behind a condition is found by the dry run before a
generation starts rather than in the middle of it.
"""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections.abc import Iterator, Mapping, Sized
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from memcurve.errors import TemplateError
from memcurve.generators.text_filters import with_article


@dataclass(frozen=True)
class Limits:
    seconds: float = 1.0  # one render; real templates render in well under a millisecond
    output_chars: int = 1_000_000
    iterations: int = 200_000  # loop items plus calls, per render
    range_length: int = 10_000
    int_bits: int = 4_096  # about 1,200 decimal digits
    sequence_length: int = 1_000_000  # characters of a string, items of a list
    argument: int = 100_000  # largest number passed to a function or filter


LIMITS = Limits()


class TemplateLimitError(TemplateError):
    """A template exceeded a rendering limit (time, size, loop length or arithmetic)."""


class _Budget:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.spent = 0

    def spend(self, units: int = 1) -> None:
        self.spent += units
        if self.spent > self.limits.iterations:
            raise TemplateLimitError(f"more than {self.limits.iterations} loop steps and calls in one render")
        if time.monotonic() > self.deadline:
            raise TemplateLimitError(f"rendering took longer than {self.limits.seconds:g} s")


_BUDGET: ContextVar[_Budget | None] = ContextVar("memcurve_template_budget", default=None)


def _spend(units: int = 1) -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.spend(units)


@contextlib.contextmanager
def budget(limits: Limits = LIMITS) -> Iterator[_Budget]:
    """A fresh per-render budget (time and steps) for the renders inside the block."""
    token = _BUDGET.set(_Budget(limits))
    try:
        yield _BUDGET.get()
    finally:
        _BUDGET.reset(token)


# ------------------------------------------------------------------------------------- size estimates
def _length(value: Any) -> int:
    return len(value) if isinstance(value, Sized) and not isinstance(value, Mapping) else 0


def _check_length(n: int, what: str) -> None:
    if n > LIMITS.sequence_length:
        raise TemplateLimitError(f"{what} would hold {n:,} items or characters (limit {LIMITS.sequence_length:,})")


def _check_int(value: Any, what: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > LIMITS.int_bits:
        raise TemplateLimitError(f"{what} gives a number of more than {LIMITS.int_bits} bits")


def _check_arguments(args: tuple, kwargs: Mapping[str, Any], what: str) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > LIMITS.argument:
            raise TemplateLimitError(f"{what}: argument {value:g} is larger than {LIMITS.argument:,}"
                                     if isinstance(value, float) else
                                     f"{what}: argument {value} is larger than {LIMITS.argument:,}")


_FORMAT_NUMBER = re.compile(r"\d{6,}")


def _check_format_string(fmt: Any, what: str) -> None:
    if isinstance(fmt, str) and _FORMAT_NUMBER.search(fmt):
        raise TemplateLimitError(f"{what}: format string with a width or precision of 6 or more digits")


def _estimate(name: str, subject: Any, args: tuple, kwargs: Mapping[str, Any]) -> None:
    """Refuse calls whose result would be too large, before they allocate it."""
    n = _length(subject)
    if name == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        if isinstance(subject, str) and isinstance(old, str) and isinstance(new, str):
            count = subject.count(old) if old else n + 1
            _check_length(n + count * max(len(new) - len(old), 0), "replace")
    elif name == "join":  # the join filter: join(items, sep); the str method: sep.join(items)
        sep, items = (subject, args[0] if args else ()) if isinstance(subject, str) else \
            (args[0] if args and isinstance(args[0], str) else kwargs.get("d", ""), subject)
        if isinstance(items, Sized) and not isinstance(items, Mapping):
            _check_length(len(items), "join")
            _check_length(len(items) * _length(sep) + sum(_length(x) for x in items), "join")
    elif name == "indent":
        width = args[0] if args else kwargs.get("width", 4)
        width = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        lines = subject.count("\n") + 1 if isinstance(subject, str) else 0
        _check_length(n + width * lines, "indent")
    elif name == "expandtabs":
        size = args[0] if args and isinstance(args[0], int) else 8
        _check_length(n + subject.count("\t") * size if isinstance(subject, str) else n, "expandtabs")
    elif name in ("format", "format_map") and isinstance(subject, str):
        _check_format_string(subject, name)


def _checked_result(value: Any, what: str) -> Any:
    _check_length(_length(value), what)
    _check_int(value, what)
    return value


def _limited_filter(name: str, function):
    @functools.wraps(function)
    def filtered(*args, **kwargs):
        _spend()
        plain = [a for a in args if not isinstance(a, (jinja2.runtime.Context, jinja2.Environment,
                                                       jinja2.nodes.EvalContext))]
        _check_arguments(tuple(plain[1:]), kwargs, f"filter {name}")
        if plain:
            _estimate(name, plain[0], tuple(plain[1:]), kwargs)
        return _checked_result(function(*args, **kwargs), f"filter {name}")

    return filtered


def _limited_range(*args: int) -> range:
    for value in args:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TemplateError(f"range() takes whole numbers, not {type(value).__name__}")
    rng = range(*args)
    if len(rng) > LIMITS.range_length:
        raise TemplateLimitError(f"range of {len(rng):,} numbers (limit {LIMITS.range_length:,})")
    return rng


def _counted(iterable: Any) -> Iterator[Any]:
    for item in iterable:
        _spend()
        yield item


def _concat(parts: list) -> str:
    texts = [str(p) for p in parts]
    _check_length(sum(map(len, texts)), "~ concatenation")
    return "".join(texts)


# -------------------------------------------------------------------------------------- the sandbox
class LimitedSandbox(SandboxedEnvironment):
    """A SandboxedEnvironment whose renders are bounded in time, steps, sizes and numbers."""

    intercepted_binops = frozenset(["**", "*", "+", "%", "//"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters = {name: _limited_filter(name, f) for name, f in self.filters.items()}
        self.filters["memcurve_loop"] = _counted
        self.filters["memcurve_concat"] = _concat
        self.filters["with_article"] = _limited_filter("with_article", with_article)
        self.globals["range"] = _limited_range

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        _spend()
        _check_binop(operator, left, right)
        return _checked_result(super().call_binop(context, operator, left, right), f"'{operator}'")

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (the sandbox's own signature)
        _spend()
        name = getattr(__obj, "__name__", "function")
        if __obj is not _limited_range:
            _check_arguments(args, kwargs, f"{name}()")
        subject = getattr(__obj, "__self__", None)
        if subject is not None:
            _estimate(name, subject, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if subject is not None and not isinstance(subject, type):  # e.g. list.extend growing its list
            _check_length(_length(subject), f"{name}()")
        return _checked_result(result, f"{name}()")

    def wrap_str_format(self, value: Any):
        """str.format / format_map: the format string is checked for huge widths before formatting."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format_string(value.__self__, value.__name__)
        return wrapped

    def _generate(self, source, name, filename, defer_init=False):
        return super()._generate(_bounded_tree(source), name, filename, defer_init=defer_init)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (left, right))
    if operator == "**" and ints and right > 0:
        if left not in (0, 1, -1) and (abs(left).bit_length() - 1 or 1) * right > LIMITS.int_bits:
            raise TemplateLimitError(f"{left} ** {right} is larger than {LIMITS.int_bits} bits")
    elif operator == "*" and ints:
        if left.bit_length() + right.bit_length() > LIMITS.int_bits + 1:
            raise TemplateLimitError(f"a product larger than {LIMITS.int_bits} bits")
    elif operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(times, int) and not isinstance(times, bool) and isinstance(seq, (str, list, tuple)):
                _check_length(len(seq) * max(times, 0), "'*' repetition")
    elif operator == "+" and not ints:
        _check_length(_length(left) + _length(right), "'+'")
    elif operator == "%" and isinstance(left, str):
        _check_format_string(left, "'%' formatting")
        values = right if isinstance(right, tuple) else (right,)
        _check_arguments(tuple(v for v in values if isinstance(v, int)), {}, "'%' formatting")


def _bounded_tree(tree: nodes.Template) -> nodes.Template:
    """Wrap every loop's iterable in the step counter and every `~` in the sized join."""
    for loop in tree.find_all(nodes.For):
        if not (isinstance(loop.iter, nodes.Filter) and loop.iter.name == "memcurve_loop"):
            loop.iter = nodes.Filter(loop.iter, "memcurve_loop", [], [], None, None, lineno=loop.iter.lineno)
    for concat in list(tree.find_all(nodes.Concat)):
        _replace(tree, concat, nodes.Filter(nodes.List(concat.nodes, lineno=concat.lineno), "memcurve_concat",
                                            [], [], None, None, lineno=concat.lineno))
    return tree


def _replace(tree: nodes.Node, old: nodes.Node, new: nodes.Node) -> None:
    for node in [tree, *tree.find_all(nodes.Node)]:
        for field in node.fields:
            value = getattr(node, field, None)
            if value is old:
                setattr(node, field, new)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new


# ---------------------------------------------------------------------------------------- rendering
def render_limited(template: jinja2.Template, context: Mapping, limits: Limits = LIMITS) -> str:
    """Render within the limits (time, steps, output size)."""
    out, size = [], 0
    with budget(limits):
        for chunk in template.generate(context):
            size += len(chunk)
            if size > limits.output_chars:
                raise TemplateLimitError(f"renders more than {limits.output_chars:,} characters")
            out.append(chunk)
    return "".join(out)


_COSTLY = (nodes.For, nodes.Call, nodes.Filter, nodes.Pow, nodes.Mul, nodes.Add, nodes.Mod, nodes.FloorDiv,
           nodes.Concat, nodes.Macro, nodes.CallBlock)


def needs_exploration(tree: nodes.Template) -> bool:
    """Only a template with both a condition and something that can cost (a loop, call, filter, operator)
    can hide work behind a branch; plain conditional text cannot (so the built-in pack renders once)."""
    return any(True for _ in tree.find_all((nodes.If, nodes.CondExpr))) and any(True for _ in tree.find_all(_COSTLY))


def explore(source: str, context: Mapping, filename: str) -> None:
    """Render the template `source` with every branch taken (twice: conditional expressions once each way) under the
    limits; raise TemplateLimitError if any branch breaches one. Variables a branch does not find are
    lenient (ChainableUndefined) and other errors are left to the normal render, which checks them."""
    sides = ("expr1", "expr2") if any(True for _ in _EXPLORER.parse(source).find_all(nodes.CondExpr)) else ("expr1",)
    for side in sides:
        code = _EXPLORER.compile(_all_branches(_EXPLORER.parse(source), side), filename=filename)
        template = _EXPLORER.template_class.from_code(_EXPLORER, code, _EXPLORER.make_globals(None), None)
        try:
            render_limited(template, context)
        except TemplateLimitError:
            raise
        except Exception:  # noqa: BLE001 (see the docstring)
            continue


def _all_branches(tree: nodes.Template, side: str) -> nodes.Template:
    for cond in list(tree.find_all(nodes.If)):
        body = list(cond.body)
        for elif_ in cond.elif_:
            body.extend(elif_.body)
        body.extend(cond.else_)
        cond.test = nodes.Const(True, lineno=cond.lineno)
        cond.body, cond.elif_, cond.else_ = body, [], []
    for cond in list(tree.find_all(nodes.CondExpr)):
        _replace(tree, cond, getattr(cond, side))
    return tree


_EXPLORER = LimitedSandbox(undefined=jinja2.ChainableUndefined, autoescape=False)
_EXPLORER.filters.pop("random", None)  # as in the generator's environment: templates stay deterministic
