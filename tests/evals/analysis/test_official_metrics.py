"""LoCoMo's official F1: checked against a line-by-line reimplementation of snap-research/locomo's scoring,
and shown in the report beside memcurve's accuracy, with and without corrections, from real eval runs."""

from __future__ import annotations

import re
import string
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from inspect_ai import Task, eval
from inspect_ai.model import get_model
from inspect_ai.solver import generate
from nltk.stem import PorterStemmer
from importer_fixtures import imported, locomo_with_audited
from support import mock_output

from memcurve.evals.analysis.official_metrics import official_metrics_section
from memcurve.evals.dataset import load_samples
from memcurve.evals.scorers.answer_check import answer_check
from memcurve.evals.scorers.locomo_f1 import locomo_f1, locomo_score

CORRECTED = "The Saturday before 25 May 2023 (approximately May 20, 2023)"  # the audit's locomo_0_qa5
ORIGINAL = "The sunday before 25 May 2023"
_ps = PorterStemmer()


# --- the official scoring, transcribed as task_eval/evaluation.py has it (normalize_answer, f1_score, f1, and
# the per-category branch of eval_question_answering)
def _ref_normalize(s):
    s = s.replace(",", "")
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the|and)\b", " ", s)
    return " ".join(s.split())


def _ref_f1_score(prediction, ground_truth):
    p = [_ps.stem(w) for w in _ref_normalize(prediction).split()]
    g = [_ps.stem(w) for w in _ref_normalize(ground_truth).split()]
    common = Counter(p) & Counter(g)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision, recall = num_same / len(p), num_same / len(g)
    return (2 * precision * recall) / (precision + recall)


def _ref_f1(prediction, ground_truth):
    predictions = [p.strip() for p in prediction.split(",")]
    ground_truths = [g.strip() for g in ground_truth.split(",")]
    return np.mean([max([_ref_f1_score(p, gt) for p in predictions]) for gt in ground_truths])


def _ref_score(output, answer, category):
    if category == 3:
        answer = answer.split(";")[0].strip()
    if category in (2, 3, 4):
        return _ref_f1_score(output, answer)
    if category == 1:
        return _ref_f1(output, answer)
    return 1 if ("no information available" in output.lower() or "not mentioned" in output.lower()) else 0


CASES = [
    ("Pottery, painting and camping", "Pottery, painting, camping, museum", 1),
    ("She went running, hiking", "Running", 1),
    ("The Saturday before 25 May 2023", "The sunday before 25 May 2023", 2),
    ("in 2022", "2022", 2),
    ("Psychology", "Psychology, counseling certification; likely", 3),
    ("Counseling or mental health!", "Counseling or mental health; because she said so", 3),
    ("Adoption agencies.", "Adoption agencies", 4),
    ("the agencies she researched", "Adoption agencies", 4),
    ("", "Adoption agencies", 4),
    ("That is not mentioned in the conversation.", "Not mentioned", 5),
    ("No information available", "x", 5),
    ("She painted a lake sunrise", "Not mentioned", 5),
]


@pytest.mark.parametrize("output, answer, code", CASES)
def test_matches_the_official_scoring(output, answer, code):
    assert locomo_score(output, answer, code) == pytest.approx(float(_ref_score(output, answer, code)), abs=1e-12)


def _run(db: Path, log_dir: Path) -> Path:
    samples = load_samples(db)
    replies = {s.metadata["question_id"]: CORRECTED if s.metadata["question_id"] == "conv-26:q005" else
               ("Not mentioned." if s.metadata["is_abstention"] else s.metadata["answer"].split(",")[0])
               for s in samples}
    outputs = [mock_output(replies[s.metadata["question_id"]]) for s in samples]
    model = get_model("mockllm/model", custom_outputs=outputs)
    task = Task(dataset=samples, solver=generate(), scorer=[answer_check(), locomo_f1()])
    (log,) = eval(task, model=model, log_dir=str(log_dir), display="none", max_samples=1)
    assert log.status == "success"
    return Path(log.location)


def test_report_section_with_and_without_corrections(tmp_path):
    src = locomo_with_audited(tmp_path, ("locomo_0_qa5",))  # TEMPORAL_ERROR: the corrected answer replaces the gold
    plain, _ = imported("locomo", src, tmp_path / "plain")
    fixed, _ = imported("locomo", src, tmp_path / "fixed", corrections=True)
    fixed_log = _run(fixed, tmp_path / "logs-fixed")
    with_key = official_metrics_section([fixed_log])
    without_key = official_metrics_section([_run(plain, tmp_path / "logs-plain")])
    assert "corrections applied on import: errata/locomo.json version 2026-12-02.1" in with_key
    assert "1 of the questions scored here have a corrected answer and 0 are flagged as ambiguous" in with_key
    assert "imported without corrections" in without_key
    temporal_fixed = next(line for line in with_key.splitlines() if line.startswith("| 2 | temporal"))
    temporal_plain = next(line for line in without_key.splitlines() if line.startswith("| 2 | temporal"))
    # the reply is the corrected answer: F1 1.0 under the corrected key, the official F1 against the original
    # "The sunday before 25 May 2023" under the original one; the mini fixture's other temporal question is
    # answered with its own gold (1.0 under both)
    against_original = (1 + _ref_f1_score(CORRECTED, ORIGINAL)) / 2
    assert round(against_original, 3) == 0.786
    assert temporal_fixed == f"| 2 | temporal | 2 | 1.000 | 1.000 | {against_original:.3f} |"
    assert temporal_plain == f"| 2 | temporal | 2 | 0.500 | {against_original:.3f} | {against_original:.3f} |"
    # `memcurve report` carries the section, beside its own parts
    from memcurve.evals.analysis.report import write_report

    report = write_report([fixed_log.parent], tmp_path / "report", n_resamples=50).read_text()
    assert "## Official metric: LoCoMo token F1" in report and temporal_fixed in report
