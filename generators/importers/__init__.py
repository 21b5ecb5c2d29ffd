"""Importers of public benchmark formats (LongMemEval, LoCoMo, ConvoMem) into the memcurve store.

`memcurve import FORMAT PATH --out DB` calls `import_dataset`; each format lives in its own module.
"""

from __future__ import annotations

from pathlib import Path

from memcurve.errors import InputFormatError

FORMATS = ("longmemeval", "locomo", "convomem")


def import_dataset(fmt: str, path: Path, out: Path, *, force: bool = False, corrections: bool = False) -> str:
    """Import the dataset at `path` (a file, or for ConvoMem also a folder) into `out`; return a summary.

    `corrections` applies the packaged errata of the dataset (generators.importers.corrections).
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise InputFormatError(f"unknown import format {fmt!r}; valid: {', '.join(FORMATS)}")
    errata = None
    if corrections:
        from memcurve.generators.importers.corrections import load_corrections

        errata = load_corrections(fmt)
    if not path.exists():
        raise InputFormatError(f"{path}: no such file or folder")
    if path.is_dir() and fmt != "convomem":
        raise InputFormatError(f"{path}: is a folder; {fmt} imports one JSON file")
    try:
        return _import(fmt, path, Path(out), force, errata)
    except OSError as exc:  # e.g. a file without read permission: one line, not a traceback
        raise InputFormatError(f"{exc.filename or path}: cannot read ({exc.strerror or exc})") from None


def _import(fmt: str, path: Path, out: Path, force: bool, errata) -> str:
    if fmt == "longmemeval":
        from memcurve.generators.importers.longmemeval import import_longmemeval

        return import_longmemeval(path, out, force=force, corrections=errata)
    if fmt == "locomo":
        from memcurve.generators.importers.locomo import import_locomo

        return import_locomo(path, out, force=force, corrections=errata)
    from memcurve.generators.importers.convomem import import_convomem

    return import_convomem(path, out, force=force)
