"""Validate, describe and export a ConvoMem-scale benchmark; print elapsed time per step and per check.

    python tests/benchmarks/bench_validate.py [DB]    # without DB: generates 50 personas x 8 x 188 = 75,200 questions
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from memcurve.generators.config import CONVOMEM_SIZES, build_config
from memcurve.generators.export import export
from memcurve.generators.generate import generate
from memcurve.generators.info import describe
from memcurve.generators.validate import validate


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp) / "convomem_scale.duckdb"
        if not db.exists():
            config = build_config({"seed": 7, "personas": 50, "sizes": list(CONVOMEM_SIZES),
                                   "questions_per_category": 188, "questions_per_history": 40})
            generate(config, db, force=False, progress=False)
        started = time.perf_counter()
        report = validate(db)
        print(report.render())
        print(f"validate: {time.perf_counter() - started:.1f} s, ok={report.ok}")
        started = time.perf_counter()
        describe(db)
        print(f"info: {time.perf_counter() - started:.1f} s")
        for fmt in ("parquet", "jsonl"):
            started = time.perf_counter()
            export(db, fmt, Path(tmp) / f"export-{fmt}")
            print(f"export {fmt}: {time.perf_counter() - started:.1f} s")
        print(f"peak memory (ru_maxrss): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
