"""Generation settings: parsed from flags or a YAML/JSON file, validated, and stored whole in `meta`.

The same GenerationConfig and seed always produce the same benchmark content.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from memcurve.generators.categories import GENERATED, parse_generated_categories
from memcurve.errors import ConfigError
from memcurve.generators.feasibility import check_scale

CONVOMEM_SIZES: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 10, 20, 30, 50, 70, 100, 150, 200, 300)


@dataclass(frozen=True)
class GenerationConfig:
    seed: int = 7
    personas: int = 4
    sizes: tuple[int, ...] = CONVOMEM_SIZES  # in size_unit: conversations, or tokens ("8k,32k,128k")
    size_unit: str = "conversations"  # conversations | tokens (measured with generators.tokens.TOKENIZER)
    categories: tuple[str, ...] = GENERATED
    questions_per_category: int = 4  # per persona
    max_evidence: int = 6  # multi-evidence questions draw 1..max_evidence (within each category's range)
    questions_per_history: int = 8  # questions that share one history chain (ConvoMem packs up to 100)
    templates: str | None = None  # a user template pack directory, layered over the built-in pack
    start_date: str = "2024-01-08"  # the first conversation day
    length: str = "real"  # real: assistant replies of 150-400 tokens; short: brief turns for fast offline demos
    overlap_levels: tuple[str, ...] = ("high", "medium", "low")  # the ladder cycled over a persona's questions
    change_interval_days: tuple[int, int] = (60, 540)  # the spacing aimed at between a changing fact's values; the
    # days a value actually held vary with the conversation rhythm around it (`memcurve info` prints them)
    fillers_from: tuple[str, ...] = ()  # real chat corpora (JSON/JSONL files or memcurve stores) for plain fillers
    writer: str | None = None  # an Inspect model that rewrites every conversation (off by default)
    writer_attempts: int = 2  # tries per conversation before the template text stays

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)


def parse_sizes(value: str | list | tuple | int) -> tuple[int, ...]:
    """Sizes in conversations from '1,2,10' or a list; each must be a whole number >= 1. Returned sorted, unique."""
    unit, sizes = parse_size_spec(value)
    if unit != "conversations":
        raise ConfigError(f"invalid size {_items(value)[0]!r}: here sizes are whole numbers of conversations >= 1")
    return sizes


SIZE_UNITS = ("conversations", "tokens")
_TOKEN_SUFFIX = {"k": 1_000, "m": 1_000_000}  # decimal, as context windows are usually quoted (128k, 1m)


def parse_size_spec(value: str | list | tuple | int) -> tuple[str, tuple[int, ...]]:
    """(unit, sizes) from '1,5,50' (conversations) or '8k,32k,1m' (tokens: k = 1,000, m = 1,000,000).

    One unit per generation: curves are drawn on one axis, and a history's size in the other unit is still
    stored (histories.size counts conversations, histories.tokens measures tokens either way).
    """
    sizes, units = [], set()
    for item in _items(value):
        text = str(item).strip()
        unit, size = _one_size(item, text)
        units.add(unit)
        if len(units) > 1:
            raise ConfigError(f"invalid size {text!r}: sizes mix conversation counts and token sizes; give all "
                              "in conversations (1,5,50) or all in tokens (8k,32k,1m)")
        sizes.append(size)
    if not sizes:
        raise ConfigError("no sizes given")
    return units.pop(), tuple(sorted(set(sizes)))


def _items(value) -> list:
    return value.split(",") if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else [value]


def _one_size(item, text: str) -> tuple[str, int]:
    suffix = text[-1:].lower()
    if suffix in _TOKEN_SUFFIX and not isinstance(item, (bool, int, float)):
        try:
            tokens = float(text[:-1])
        except ValueError:
            tokens = float("nan")
        if not tokens == tokens or tokens * _TOKEN_SUFFIX[suffix] < 1 or tokens == float("inf"):
            raise ConfigError(f"invalid size {text!r}: token sizes are a positive number with k or m, e.g. 8k, 1.5m")
        return "tokens", round(tokens * _TOKEN_SUFFIX[suffix])
    try:
        if isinstance(item, (bool, float)):
            raise ValueError
        size = int(text)
    except ValueError:
        raise ConfigError(f"invalid size {text!r}: sizes are whole numbers of conversations >= 1 or token "
                          "sizes such as 8k, 1m") from None
    if size <= 0:
        raise ConfigError(f"invalid size {size}: sizes are whole numbers of conversations >= 1")
    return "conversations", size


_INT_FIELDS = ("seed", "personas", "questions_per_category", "max_evidence", "questions_per_history",
               "writer_attempts")


def build_config(values: dict[str, Any]) -> GenerationConfig:
    """Validate raw values (from flags or a file) into a GenerationConfig; unknown keys are errors."""
    known = {f.name for f in dataclasses.fields(GenerationConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r}; valid: {', '.join(sorted(known))}")
    out: dict[str, Any] = {}
    for name in _INT_FIELDS:
        if name in values and values[name] is not None:
            out[name] = _whole_number(name, values[name])
    for name, low in (("personas", 1), ("questions_per_category", 1), ("questions_per_history", 1),
                      ("writer_attempts", 1)):
        if name in out and out[name] < low:
            raise ConfigError(f"invalid {name} {out[name]}: must be >= {low}")
    if "max_evidence" in out and not 1 <= out["max_evidence"] <= 6:
        raise ConfigError(f"invalid max_evidence {out['max_evidence']}: must be 1 to 6")
    if values.get("sizes") is not None:
        out["size_unit"], out["sizes"] = parse_size_spec(values["sizes"])
    if values.get("size_unit") is not None and values["size_unit"] != out.get("size_unit", "conversations"):
        raise ConfigError(f"invalid size_unit {values['size_unit']!r}: the unit follows the sizes "
                          "(1,5,50 are conversations; 8k,1m are tokens)")
    if values.get("categories") is not None:
        categories = values["categories"]
        if not isinstance(categories, (str, list)) or not all(isinstance(c, str) for c in categories):
            raise ConfigError(f"invalid categories {categories!r}: expected names, e.g. user_facts,temporal")
        out["categories"] = tuple(parse_generated_categories(categories))
    if values.get("templates") is not None:
        if not isinstance(values["templates"], str) or not values["templates"].strip():
            raise ConfigError(f"invalid templates {values['templates']!r}: expected a template pack folder")
        templates = Path(values["templates"])
        if not templates.is_dir():
            raise ConfigError(f"templates: {templates} is not a directory")
        out["templates"] = str(templates)
    if values.get("start_date") is not None:
        from datetime import date

        try:
            date.fromisoformat(str(values["start_date"]))
        except ValueError:
            raise ConfigError(f"invalid start_date {values['start_date']!r}: expected YYYY-MM-DD") from None
        out["start_date"] = str(values["start_date"])
    if values.get("length") is not None:
        from memcurve.generators.compose import LENGTHS

        if values["length"] not in LENGTHS:
            raise ConfigError(f"invalid length {values['length']!r}: expected one of {', '.join(LENGTHS)}")
        out["length"] = str(values["length"])
    if values.get("overlap_levels") is not None:
        out["overlap_levels"] = parse_levels(values["overlap_levels"])
    if values.get("change_interval_days") is not None:
        out["change_interval_days"] = parse_interval(values["change_interval_days"])
    if values.get("fillers_from") is not None:
        out["fillers_from"] = parse_sources(values["fillers_from"])
    if values.get("writer") is not None:
        if not isinstance(values["writer"], str) or "/" not in values["writer"]:
            raise ConfigError(f"invalid writer {values['writer']!r}: expected an Inspect model name (provider/model)")
        out["writer"] = values["writer"]
    config = GenerationConfig(**out)
    check_scale(config)
    return config


def _whole_number(name: str, value: Any) -> int:
    """An int, or a string of digits; never a bool, a fraction or infinity (YAML `true`, `1.9`, `.inf`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    raise ConfigError(f"invalid {name} {value!r}: expected a whole number")


def parse_sources(value) -> tuple[str, ...]:
    """Real chat corpora: 'a.jsonl,b.duckdb' or a list; each must be an existing file."""
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, (list, tuple)) else [value]
    paths = tuple(str(i).strip() for i in items if str(i).strip())
    if not paths:
        raise ConfigError("fillers_from: no file given")
    for path in paths:
        if not Path(path).is_file():
            raise ConfigError(f"fillers_from: {path} is not a file")
    return paths


def parse_levels(value) -> tuple[str, ...]:
    """'high,medium,low' or a list: the overlap levels questions are worded at, cycled (generators.ladder)."""
    from memcurve.generators.overlap import LEVELS

    levels = tuple(str(i).strip() for i in _items(value) if str(i).strip())
    for level in levels:
        if level not in LEVELS:
            raise ConfigError(f"invalid overlap level {level!r}: expected some of {', '.join(LEVELS)}")
    if not levels:
        raise ConfigError(f"invalid overlap_levels {value!r}: expected some of high, medium, low")
    return tuple(dict.fromkeys(levels))


def parse_interval(value) -> tuple[int, int]:
    """'60,540' or [60, 540]: the shortest and longest days a changing fact keeps one value (1 <= low <= high)."""
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, (list, tuple)) else [value]
    try:
        days = [int(str(i).strip()) for i in items]
    except ValueError:
        days = []
    if len(days) == 1:
        days = days * 2
    if len(days) != 2 or not 1 <= days[0] <= days[1]:
        raise ConfigError(f"invalid change_interval_days {value!r}: expected LOW,HIGH days with 1 <= LOW <= HIGH")
    return (days[0], days[1])


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON config file into raw values (validated later by build_config)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read config ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: config is not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{p}: malformed config{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: config must be a mapping of setting: value")
    return {str(k).replace("-", "_"): v for k, v in data.items()}
