"""Value pools from generators/vocab/: one entry a line (.txt) or structured (.yaml), read once.

Pools for different slots are disjoint (checked by tests), so a value names exactly one slot and the
validator's competing-value rule can tell evidence from noise.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

VOCAB_DIR = Path(__file__).resolve().parent.parent / "vocab"
TITLE_POOLS = ("rec", "reading", "finished", "movie", "suggested")


@cache
def words(name: str) -> tuple[str, ...]:
    """The lines of vocab/<name>.txt (stripped, blank lines skipped)."""
    lines = (VOCAB_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip())


@cache
def structured(name: str) -> dict:
    return yaml.safe_load((VOCAB_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


@cache
def titles(pool: str) -> tuple[str, ...]:
    """Made-up titles "The <Adjective> <Noun>"; each pool has its own nouns, so pools never overlap."""
    return tuple(f"The {adj} {noun}" for noun in words(f"titles_{pool}_nouns") for adj in words("title_adjectives"))
