"""Errata as data: versioned corrections of a dataset's answer keys and histories, applied on import when asked.

Each dataset's corrections live in errata/<dataset>.json inside the package, with their source, pinned
commit, date and licence. The file also says, per error type, what a correction does (`rules`), so the data
and its meaning travel together. For LoCoMo (the public audit dial481/locomo-audit):
- WRONG_CITATION: the gold answer is right (the audit counts these as citation-only), so it is kept and the
  corrected evidence ids replace the cited ones;
- HALLUCINATION, TEMPORAL_ERROR, INCOMPLETE, ATTRIBUTION_ERROR: the corrected answer replaces the gold answer
  and the corrected evidence ids replace the cited ones;
- AMBIGUOUS: the question admits more than one reading, so nothing is replaced; the question is flagged.
For LongMemEval (upstream issue #54: filler sessions drawn twice into one haystack):
- REPEATED_SESSION: a session id that appears more than once in the question's haystack with identical turns
  keeps its first copy in date order; the later copies are dropped (a copy whose turns differ is not).
What the LongMemEval file does not hold: the cleaned re-release removed, from the original files, history
sessions that changed an answer (upstream issues #11-#13). A corrections file for the original files would
list per question_id the haystack_session_ids the cleaned release dropped, each checked by its date and turn
digest before it is dropped; the ids come only from diffing the two releases, so none are listed.

Every entry is checked when the file loads (its fields and their types, a known error type, no repeated
question), and again before it is applied: a LoCoMo question at the entry's position must have the entry's
question text, original answer and category, a LongMemEval session must really be repeated with the same
turns, else the entry is skipped with the reason. Meta `corrections`
records which file and version were applied, every change with the original answer (so results can be scored
with and without the corrections from one run), every flagged question, and every skipped entry.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from memcurve.errors import InputFormatError

DATASETS_WITH_ERRATA = ("locomo", "longmemeval")
REPLACEABLE = ("answer", "evidence")
DROPPABLE = ("repeats",)
ENTRY_FIELDS = {
    "locomo": {"question_id": str, "question": str, "golden_answer": str, "category": int, "error_type": str,
               "cited_evidence": list, "correct_evidence": list, "correct_answer": str},
    "longmemeval": {"question_id": str, "session_id": str, "error_type": str},
}
HEADER_FIELDS = ("dataset", "version", "source", "source_date", "licence", "rules", "corrections")
_QUESTION_ID = {"locomo": re.compile(r"locomo_\d+_qa\d+"), "longmemeval": re.compile(r"[A-Za-z0-9_]+")}


@dataclass
class Corrections:
    """One dataset's corrections file, and the record of what an import did with it."""

    dataset: str
    version: str
    source: str
    licence: str
    rules: dict[str, dict[str, Any]]
    entries: dict[str, dict[str, Any]]
    applied: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def correct(self, source_id: str, question_id: str, qa: Any) -> Any:
        """`qa` with the correction for `source_id` applied and recorded, or `qa` as is (no entry, a flagged
        question, or a question that is not the one the entry describes: recorded as skipped)."""
        entry = self.entries.get(source_id)
        if entry is None or not isinstance(qa, dict):
            return qa
        mismatch = _mismatch(entry, qa)
        if mismatch:
            self.skip(source_id, f"{mismatch} differs from the input file")
            return qa
        rule = self.rules[entry["error_type"]]
        if rule.get("flag"):
            self.flagged.append({"question_id": question_id, "source_id": source_id,
                                 "error_type": entry["error_type"], "proposed_answer": entry["correct_answer"]})
        replace = rule["replace"]
        if not replace:
            return qa
        original = str(qa.get("answer", ""))
        corrected = entry["correct_answer"] if "answer" in replace else original
        self.applied.append({"question_id": question_id, "source_id": source_id, "error_type": entry["error_type"],
                             "action": "answer and evidence" if "answer" in replace else "evidence only",
                             "replaced": list(replace), "original_answer": original, "corrected_answer": corrected,
                             "original_evidence": list(qa.get("evidence") or []),
                             "corrected_evidence": list(entry["correct_evidence"])})
        fixed = {**qa, "evidence": list(entry["correct_evidence"])}
        if "answer" in replace:
            fixed["answer"] = corrected
        return fixed

    def repeat_to_drop(self, question_id: str) -> str | None:
        """The session id whose repeated copies the question's entry drops, if it has such an entry."""
        entry = self.entries.get(question_id)
        return entry["session_id"] if entry and self.rules[entry["error_type"]].get("drop") == "repeats" else None

    def record_drop(self, question_id: str, session_id: str, kept: str, dropped: list[str]) -> None:
        self.applied.append({"question_id": question_id, "source_id": question_id,
                             "error_type": self.entries[question_id]["error_type"], "action": "repeats dropped",
                             "session_id": session_id, "kept": kept, "dropped": dropped})

    def skip(self, source_id: str, reason: str) -> None:
        self.skipped.append({"question_id": source_id, "reason": reason})

    def meta(self) -> dict[str, Any]:
        seen = {a["source_id"] for a in self.applied} | {f["source_id"] for f in self.flagged} \
            | {s["question_id"] for s in self.skipped}
        unseen = sorted(set(self.entries) - seen)
        return {"dataset": self.dataset, "file": f"errata/{self.dataset}.json", "version": self.version,
                "source": self.source, "licence": self.licence, "applied": self.applied, "flagged": self.flagged,
                "skipped": self.skipped + [{"question_id": q, "reason": "no such question in the input"}
                                           for q in unseen]}

    def summary(self) -> str:
        actions = Counter(a["action"] for a in self.applied)
        detail = ", ".join(f"{n} {action}" for action, n in sorted(actions.items()))
        return (f"corrections {self.version} ({self.source.split(',')[0]}): {len(self.applied)} applied"
                f"{f' ({detail})' if detail else ''}, {len(self.flagged)} flagged, "
                f"{len(self.meta()['skipped'])} skipped")


def load_corrections(dataset: str) -> Corrections:
    """The packaged corrections of `dataset` (one-line error for a dataset without any)."""
    if dataset not in DATASETS_WITH_ERRATA:
        raise InputFormatError(f"--corrections: no corrections for {dataset}; available for: "
                               f"{', '.join(DATASETS_WITH_ERRATA)}")
    name = f"errata/{dataset}.json"
    text = resources.files("memcurve.generators.importers").joinpath("errata", f"{dataset}.json").read_text("utf-8")
    return parse_corrections(json.loads(text), name, dataset)


def parse_corrections(doc: Any, name: str, dataset: str = "locomo") -> Corrections:
    """A corrections document checked entry by entry; the first fault is one line naming entry and field."""
    if not isinstance(doc, dict):
        raise InputFormatError(f"{name}: expected a JSON object")
    for key in HEADER_FIELDS:
        if key not in doc:
            raise InputFormatError(f"{name}: missing field {key!r}")
    if doc["dataset"] != dataset:
        raise InputFormatError(f"{name}: field 'dataset' is {doc['dataset']!r}, expected {dataset!r}")
    rules = doc["rules"]
    if not isinstance(rules, dict) or not rules:
        raise InputFormatError(f"{name}: field 'rules' must be an object naming each error type")
    for error_type, rule in rules.items():
        replace = rule.get("replace", []) if isinstance(rule, dict) else None
        if not isinstance(replace, list) or not set(replace) <= set(REPLACEABLE) or \
                rule.get("drop", DROPPABLE[0]) not in DROPPABLE or \
                not (replace or rule.get("flag") is True or "drop" in rule):
            raise InputFormatError(f"{name}: rules.{error_type}: must replace some of {', '.join(REPLACEABLE)}, "
                                   f"flag the question (\"flag\": true) or drop {', '.join(DROPPABLE)}")
    if not isinstance(doc["corrections"], list):
        raise InputFormatError(f"{name}: field 'corrections' must be a list")
    entries: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(doc["corrections"]):
        check_entry(entry, f"{name}: corrections[{index}]", rules, dataset)
        if entry["question_id"] in entries:
            raise InputFormatError(f"{name}: corrections[{index}]: question_id {entry['question_id']!r} repeats "
                                   "an earlier entry")
        entries[entry["question_id"]] = entry
    return Corrections(doc["dataset"], doc["version"], doc["source"], doc["licence"], rules, entries)


def check_entry(entry: Any, where: str, rules: dict[str, Any], dataset: str = "locomo") -> None:
    """One entry has exactly its dataset's fields (for LoCoMo the audit's, less the auditor's free text), each
    of the right type."""
    if not isinstance(entry, dict):
        raise InputFormatError(f"{where}: expected an object")
    fields = ENTRY_FIELDS[dataset]
    extra = sorted(set(entry) - set(fields))
    if extra:
        raise InputFormatError(f"{where}: unknown field {extra[0]!r}")
    for key, kind in fields.items():
        if key not in entry:
            raise InputFormatError(f"{where}: missing field {key!r}")
        value = entry[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise InputFormatError(f"{where}: field {key!r} has type {type(value).__name__}, expected {kind.__name__}")
        if kind is list and not all(isinstance(v, str) for v in value):
            raise InputFormatError(f"{where}: field {key!r} must list strings")
        if kind is str and key != "golden_answer" and not value.strip():
            raise InputFormatError(f"{where}: field {key!r} is empty")
    if not _QUESTION_ID[dataset].fullmatch(entry["question_id"]):
        shape = "locomo_<sample>_qa<index>" if dataset == "locomo" else "a LongMemEval question_id"
        raise InputFormatError(f"{where}: question_id {entry['question_id']!r} is not {shape}")
    if "category" in fields and entry["category"] not in (1, 2, 3, 4, 5):
        raise InputFormatError(f"{where}: category {entry['category']} is not a LoCoMo category (1-5)")
    if entry["error_type"] not in rules:
        raise InputFormatError(f"{where}: error_type {entry['error_type']!r} has no rule; known: "
                               f"{', '.join(sorted(rules))}")


def _mismatch(entry: dict[str, Any], qa: dict[str, Any]) -> str | None:
    """Which of question text, original answer and category differ between the entry and the input's question."""
    if _words(entry["question"]) != _words(qa.get("question")):
        return "question text"
    if _words(entry["golden_answer"]) != _words(qa.get("answer")):
        return "original answer"
    if entry["category"] != qa.get("category"):
        return "category"
    return None


def _words(value: Any) -> str:
    return " ".join(str(value if value is not None else "").split())
