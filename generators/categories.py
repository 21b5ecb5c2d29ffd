"""Evidence categories: what each one tests and how its answers are checked.

Generated benchmarks use GENERATED; importers may also use the imported-only categories, so one
analysis covers ConvoMem, LongMemEval and LoCoMo alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from memcurve.errors import ConfigError


@dataclass(frozen=True)
class Category:
    name: str
    description: str
    scoring: str  # "exact": a known value, checked deterministically; "rubric": judged against a rubric
    min_evidence: int
    max_evidence: int


_ALL = [
    Category("user_facts", "recall something the user said in passing", "exact", 1, 6),
    Category("assistant_facts", "recall something the assistant said or recommended", "exact", 1, 6),
    Category("changing_facts", "a value changes over time; the latest one is the answer", "exact", 2, 6),
    Category("preferences", "a recommendation must use a stated preference", "rubric", 1, 6),
    Category("implicit_connections", "earlier context must shape later advice unprompted", "rubric", 1, 6),
    Category("abstention", "the asked-for detail was never mentioned: say so", "exact", 1, 4),
    Category("temporal", "date arithmetic and ordering across dated conversations", "exact", 1, 6),
    Category("aggregation", "counts, sums or comparisons across several conversations", "exact", 2, 6),
    # imported-only (LoCoMo)
    Category("single_hop", "one fact from one turn (LoCoMo)", "exact", 1, 6),
    Category("multi_hop", "combine facts across turns (LoCoMo)", "exact", 1, 12),
    Category("open_domain", "fact plus world knowledge (LoCoMo)", "exact", 1, 12),
]

CATEGORIES: dict[str, Category] = {c.name: c for c in _ALL}
GENERATED: tuple[str, ...] = (
    "user_facts",
    "assistant_facts",
    "changing_facts",
    "preferences",
    "implicit_connections",
    "abstention",
    "temporal",
    "aggregation",
)


def get_category(name: str) -> Category:
    """Return the category or raise a one-line error listing the valid names."""
    try:
        return CATEGORIES[name]
    except KeyError:
        raise ConfigError(f"unknown category {name!r}; valid: {', '.join(CATEGORIES)}") from None


def parse_generated_categories(names: list[str] | str | None) -> list[str]:
    """Validate a category list for generation (comma string or list); None means all of them."""
    if names is None or names == "" or names == "all":
        return list(GENERATED)
    given = names
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    out = []
    for name in names:
        if name not in GENERATED:
            raise ConfigError(f"unknown category {name!r}; valid: {', '.join(GENERATED)}")
        if name not in out:
            out.append(name)
    if not out:
        raise ConfigError(f"no categories in {given!r}; valid: {', '.join(GENERATED)} (or 'all')")
    return out
