"""Errata as data: versioned corrections of a dataset's answer keys, applied on import when asked.

Each dataset's corrections live in errata/<dataset>.json inside the package, with their source, date and
licence. An import with corrections replaces the corrected answers and evidence, and records in meta
`corrections` which file and version were applied, every changed question with its original answer (so
results can be scored with and without the corrections from one run), and every entry that was skipped
because the question at that position did not match.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from memcurve.errors import InputFormatError

DATASETS_WITH_ERRATA = ("locomo",)


@dataclass
class Corrections:
    """One dataset's corrections file, and the record of what an import did with it."""

    dataset: str
    version: str
    source: str
    licence: str
    entries: dict[str, dict[str, Any]]
    applied: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def take(self, source_id: str, question: str) -> dict[str, Any] | None:
        """The correction for `source_id` if its question text matches; a mismatch is recorded as skipped."""
        entry = self.entries.get(source_id)
        if entry is None:
            return None
        if " ".join(entry["question"].split()) != " ".join(question.split()):
            self.skipped.append({"question_id": source_id, "reason": "question text differs from the input file"})
            return None
        return entry

    def record(self, question_id: str, entry: dict[str, Any], original_answer: str) -> None:
        self.applied.append({"question_id": question_id, "source_id": entry["question_id"],
                             "error_type": entry["error_type"], "original_answer": original_answer,
                             "corrected_answer": entry["correct_answer"]})

    def meta(self) -> dict[str, Any]:
        unseen = sorted(set(self.entries) - {a["source_id"] for a in self.applied}
                        - {s["question_id"] for s in self.skipped})
        return {"dataset": self.dataset, "file": f"errata/{self.dataset}.json", "version": self.version,
                "source": self.source, "licence": self.licence, "applied": self.applied,
                "skipped": self.skipped + [{"question_id": q, "reason": "no such question in the input"}
                                           for q in unseen]}


def load_corrections(dataset: str) -> Corrections:
    """The packaged corrections of `dataset` (one-line error for a dataset without any)."""
    if dataset not in DATASETS_WITH_ERRATA:
        raise InputFormatError(f"--corrections: no corrections for {dataset}; available for: "
                               f"{', '.join(DATASETS_WITH_ERRATA)}")
    text = resources.files("memcurve.generators.importers").joinpath("errata", f"{dataset}.json").read_text("utf-8")
    doc = json.loads(text)
    return Corrections(doc["dataset"], doc["version"], doc["source"], doc["licence"],
                       {e["question_id"]: e for e in doc["corrections"]})
