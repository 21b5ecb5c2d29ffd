"""The section registry and what every section is given: one group's rows, where figures go, the seed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from memcurve.errors import MemcurveError


@dataclass
class Context:
    """One report group (task x dataset x model x scorer): its rows and the report's settings."""

    frame: pl.DataFrame  # every row of the group, errored ones included
    out_dir: Path
    prefix: str  # figure file names start with it, so groups never overwrite each other's figures
    n_resamples: int = 2000
    seed: int = 0
    level: float = 0.95
    figures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> pl.DataFrame:
        """Rows without an error: an errored sample is listed, never scored as wrong."""
        return self.frame.filter(pl.col("error").is_null()) if "error" in self.frame.columns else self.frame

    @property
    def sized(self) -> pl.DataFrame:
        ok = self.ok
        return ok.filter(pl.col("size").is_not_null()) if "size" in ok.columns else ok.clear()

    @property
    def scored(self) -> pl.DataFrame:
        sized = self.sized
        return sized.filter(pl.col("correct").is_not_null() & pl.col("correct").is_not_nan())

    def figure(self, name: str) -> tuple[Path, str]:
        """(path to write, file name to link) for a figure of this group."""
        file = f"{self.prefix}{name}.png"
        self.figures.append(file)
        return self.out_dir / file, file


Section = Callable[[Context], list[str]]
SECTIONS: list[tuple[int, str, Section]] = []


def section(name: str, *, order: int) -> Callable[[Section], Section]:
    """Register a report section under a unique name; sections run in ascending ``order``."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise MemcurveError(f"report section name {name!r}: use lower-case letters, digits and _")

    def register(fn: Section) -> Section:
        if any(existing == name for _, existing, _ in SECTIONS):
            raise MemcurveError(f"report section {name!r} is registered twice")
        SECTIONS.append((order, name, fn))
        SECTIONS.sort(key=lambda item: (item[0], item[1]))
        return fn

    return register


def registered() -> list[str]:
    """Section names in the order they run."""
    return [name for _, name, _ in SECTIONS]
