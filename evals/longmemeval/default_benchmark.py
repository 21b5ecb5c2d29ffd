"""The data a LongMemEval run reads: an imported LongMemEval file, a LongMemEval JSON (imported once
into the cache), or by default a generated LongMemEval-style benchmark.

The generated default covers LongMemEval's five abilities through memcurve categories:
information extraction -> user_facts, assistant_facts, preferences; multi-session reasoning ->
aggregation; temporal reasoning -> temporal; knowledge updates -> changing_facts; abstention. Every
question has a question date (asked_at) and, as in LongMemEval, its own history (one question per
history). It is small enough for the offline 270M model on 2 cores in a few minutes.
"""

from __future__ import annotations

from pathlib import Path

from memcurve.evals.benchmark_cache import cached
from memcurve.evals.dataset import cached_benchmark
from memcurve.evals.parsers import parse_data
from memcurve.generators.config import build_config
from memcurve.generators.importers import import_dataset
from memcurve.generators.importers.common import file_sha256

ABILITIES = {
    "information extraction": ("user_facts", "assistant_facts", "preferences"),
    "multi-session reasoning": ("aggregation",),
    "temporal reasoning": ("temporal",),
    "knowledge updates": ("changing_facts",),
    "abstention": ("abstention",),
}
DEFAULT_SEED = 7
DEFAULT_BENCHMARK = {
    "personas": 1,
    "sizes": "10",
    "categories": ",".join(c for cats in ABILITIES.values() for c in cats),
    "questions_per_category": 1,
    "questions_per_history": 1,  # LongMemEval: every question has its own haystack
    "length": "short",  # brief turns: the offline run stays within minutes
}


def default_benchmark(cache_dir: str | Path, seed: int = DEFAULT_SEED, *, progress: bool = False) -> Path:
    """The generated LongMemEval-style benchmark, made once per (config, memcurve version) and reused."""
    return cached_benchmark(build_config({**DEFAULT_BENCHMARK, "seed": seed}), cache_dir, name="longmemeval",
                            progress=progress)


def is_json(path: Path) -> bool:
    """A JSON file (LongMemEval's format) rather than a DuckDB benchmark: it starts with '[' or '{'.

    A DuckDB file starts with a checksum (any byte, '[' included) followed by the magic "DUCK" at byte 8.
    """
    with path.open("rb") as handle:
        head = handle.read(64)
    return head[8:12] != b"DUCK" and head.lstrip()[:1] in (b"[", b"{")


def imported_benchmark(path: Path, cache_dir: str | Path) -> Path:
    """A LongMemEval JSON imported into `cache_dir`, keyed by the file's sha256 (imported once)."""
    return cached(Path(cache_dir) / f"longmemeval-import-{file_sha256(path)[:16]}.duckdb",
                  lambda out: import_dataset("longmemeval", path, out, force=True))


def resolve_data(data: str | Path | None, cache_dir: str | Path, seed: int = DEFAULT_SEED) -> Path:
    """`-T data=` -> a benchmark file: None = the generated default; a JSON file is imported first."""
    if data is None:
        return default_benchmark(cache_dir, seed, progress=True)
    path = parse_data(data)
    return imported_benchmark(path, cache_dir) if is_json(path) else path
