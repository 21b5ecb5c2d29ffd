"""Template packs: load, layer, compile once, render safely, and report errors by file and line.

Pack format (see generators/templates/README.md): a pack is a folder of `<folder>/<name>.j2` files.
Each file holds one or more sections, each opened by a header line:

    ## conversation      a conversation: one turn per line, "user: ..." or "assistant: ...";
                         a leading "*" ("*user: ...") marks the evidence (planting) message
    ## aside             a fact said in passing inside an ordinary turn: one "*user: ..." (or "*assistant:")
                         line, the sentence that states the value, and optionally one reply line that
                         acknowledges it; the generator joins each line to a composed turn of that speaker
    ## question          a question: "question: ...", optional "answer: ...", "alias: ..." (repeatable),
                         "describes: ..." (repeatable: what a descriptor wording points at),
                         "rubric: ..."

Text before the first header is a preamble (use it for a {# comment #} naming the variables).
A user pack (`--templates DIR`) is layered over the built-in pack: a file with the same relative path
replaces the built-in one, a new file adds variants (fillers) or is rejected if its folder expects a
fixed set of names. Every section is compiled once in a jinja2 SandboxedEnvironment with StrictUndefined;
a syntax error, an unknown variable or a reach for Python internals raises TemplateError naming the file
and line, e.g. "templates/user_facts/dog_name.j2 line 3: 'pet_nam' is undefined". Renders are bounded in
time, steps, sizes and arithmetic (generators.template_limits), and a section's first render (the dry run)
also renders all its branches, so a costly branch cannot hide behind a condition until generation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2 import meta

from memcurve.errors import TemplateError
from memcurve.generators.template_limits import (
    LimitedSandbox,
    TemplateLimitError,
    explore,
    needs_exploration,
    render_limited,
)

BUILTIN_DIR = Path(__file__).parent / "templates"
SECTION_KINDS = ("conversation", "question", "aside")

_HEADER = re.compile(r"^##\s*(\w+)\s*$")
_TURN = re.compile(r"^(\*?)(user|assistant)\s*:\s*(.+)$")
_QLINE = re.compile(r"^(question|answer|alias|rubric|describes)\s*:\s*(.*)$")


@dataclass
class Section:
    """One compiled section of a template file."""

    display: str  # "templates/user_facts/dog_name.j2"
    kind: str  # conversation | question
    line: int  # 1-based line of the section header
    template: jinja2.Template
    variables: tuple[str, ...] = ()  # the context names the section reads: the render cache key
    source: str | None = field(default=None, repr=False)  # for the all-branches render, once
    _cache: dict = field(default_factory=dict, repr=False)

    def _key(self, context: Mapping) -> tuple | None:
        try:
            return tuple(_hashable(context[v]) if v in context else _MISSING for v in self.variables)
        except TypeError:
            return None

    def render(self, context: Mapping) -> str:
        try:
            if self.source is not None:
                source, self.source = self.source, None
                explore(source, context, self.display)
            return render_limited(self.template, context)
        except TemplateLimitError as exc:
            raise TemplateLimitError(f"{self.display} line {_error_line(exc, self.display, self.line)}: "
                                     f"{exc}") from None
        except TemplateError:
            raise
        except Exception as exc:  # undefined variable, sandbox violation, type error inside the template
            raise TemplateError(f"{self.display} line {_error_line(exc, self.display, self.line)}: "
                                f"{_one_line(exc)}") from None

    def conversation(self, context: Mapping) -> list[tuple[str, str, bool]]:
        """Render to turns: (speaker, text, is_evidence). Templates are pure (no random filter), so the turns
        are cached by the values of the variables the section reads; callers must not mutate the list."""
        return self._cached(context, self._conversation)

    def _cached(self, context: Mapping, build):
        """build(context), memoised by the values of the variables the section reads (None key: not cacheable)."""
        key = self._key(context)
        cached = self._cache.get(key) if key is not None else None
        if cached is None:
            cached = build(context)
            if key is not None:
                self._cache[key] = cached
        return cached

    def _conversation(self, context: Mapping) -> list[tuple[str, str, bool]]:
        turns = []
        for raw in self.render(context).splitlines():
            line = raw.strip()
            if not line:
                continue
            m = _TURN.match(line)
            if m is None:
                raise TemplateError(f"{self.display} line {self.line}: rendered line {line[:60]!r} does not start "
                                    "with 'user:' or 'assistant:' (optionally '*' for the evidence turn)")
            turns.append((m.group(2), m.group(3).strip(), m.group(1) == "*"))
        if not turns:
            raise TemplateError(f"{self.display} line {self.line}: conversation renders no turns")
        return turns

    def question(self, context: Mapping) -> dict[str, object]:
        """Render to {'question': str, 'answer': str|None, 'aliases': [str], 'rubric': str|None} (cached like
        conversations; callers get a fresh dict and alias list)."""
        cached = self._cached(context, self._question)
        return {**cached, "aliases": list(cached["aliases"]), "describes": list(cached["describes"])}

    def _question(self, context: Mapping) -> dict[str, object]:
        out: dict[str, object] = {"question": None, "answer": None, "aliases": [], "rubric": None, "describes": []}
        for raw in self.render(context).splitlines():
            line = raw.strip()
            if not line:
                continue
            m = _QLINE.match(line)
            if m is None:
                raise TemplateError(f"{self.display} line {self.line}: rendered line {line[:60]!r} does not start "
                                    "with question:, answer:, alias:, rubric: or describes:")
            key, value = m.group(1), m.group(2).strip()
            if key in ("alias", "describes"):
                out["aliases" if key == "alias" else "describes"].append(value)
            else:
                out[key] = value
        if not out["question"]:
            raise TemplateError(f"{self.display} line {self.line}: question section renders no 'question:' line")
        return out


@dataclass
class Pack:
    """All sections of the layered pack, by key "<folder>/<name>" (file path without .j2)."""

    files: dict[str, list[Section]] = field(default_factory=dict)

    def keys(self, folder: str) -> list[str]:
        return sorted(k for k in self.files if k.split("/", 1)[0] == folder)

    def sections(self, key: str, kind: str) -> list[Section]:
        found = [s for s in self.files.get(key, []) if s.kind == kind]
        if not found:
            raise TemplateError(f"templates/{key}.j2: has no '## {kind}' section")
        return found


class _Loader(jinja2.BaseLoader):
    def __init__(self) -> None:
        self.sources: dict[str, tuple[str, str]] = {}

    def get_source(self, environment, template):
        source, filename = self.sources[template]
        return source, filename, lambda: True


def make_environment() -> tuple[LimitedSandbox, _Loader]:
    loader = _Loader()
    env = LimitedSandbox(loader=loader, undefined=jinja2.StrictUndefined, trim_blocks=True,
                               lstrip_blocks=True, autoescape=False, cache_size=-1)
    # same seed, same bytes: no sources of randomness inside templates
    env.filters.pop("random", None)
    env.globals.pop("lipsum", None)
    return env, loader


def load_pack(user_dir: str | Path | None = None, *, builtin_dir: Path = BUILTIN_DIR) -> Pack:
    """Load the built-in pack, layer `user_dir` over it (same relative path replaces), compile every section."""
    files: dict[str, tuple[Path, str]] = {}  # key -> (path, display)
    roots = [(builtin_dir, "templates")]
    if user_dir is not None:
        roots.append((Path(user_dir), str(user_dir).rstrip("/")))
    for root, label in roots:
        for path in sorted(root.rglob("*.j2")):
            rel = path.relative_to(root).as_posix()
            if rel.count("/") != 1:
                raise TemplateError(f"{label}/{rel}: templates live one folder deep, as <folder>/<name>.j2")
            files[rel[:-3]] = (path, f"{label}/{rel}")
    env, loader = make_environment()
    pack = Pack()
    for key in sorted(files):
        path, display = files[key]
        pack.files[key] = _compile_file(env, loader, path, display)
    return pack


def _compile_file(env: LimitedSandbox, loader: _Loader, path: Path, display: str) -> list[Section]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{display}: cannot read ({_one_line(exc)})") from None
    headers = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _HEADER.match(line.strip()))]
    if not headers:
        raise TemplateError(f"{display} line 1: no section header; start sections with '## conversation' "
                            "or '## question'")
    sections = []
    for n, (start, kind) in enumerate(headers):
        if kind not in SECTION_KINDS:
            raise TemplateError(f"{display} line {start + 1}: unknown section '## {kind}'; "
                                f"valid: {', '.join(SECTION_KINDS)}")
        end = headers[n + 1][0] if n + 1 < len(headers) else len(lines)
        # pad with newlines so jinja's line numbers are the file's line numbers
        source = "\n" * (start + 1) + "\n".join(lines[start + 1:end])
        name = f"{display}#{n}"
        loader.sources[name] = (source, display)
        try:
            template = env.get_template(name)
            tree = env.parse(source)
            variables = tuple(sorted(meta.find_undeclared_variables(tree)))
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{display} line {exc.lineno}: {exc.message}") from None
        sections.append(Section(display, kind, start + 1, template, variables,
                                source if needs_exploration(tree) else None))
    return sections


_MISSING = object()


def _hashable(value):
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    hash(value)
    return value


def _error_line(exc: BaseException, filename: str, default: int) -> int:
    """The template line of a render error, from jinja's rewritten traceback frames."""
    line = default
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
