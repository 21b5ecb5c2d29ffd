"""End to end with the real offline model: tasks/convomem.py with gguf/gemma-3-270m on a tiny benchmark.

At history size 1 each planted fact sits in one short conversation. The 270M base model is weak, so the
test does not ask for perfection: it must answer a clear share of the planted facts right from the
history (names like "Copperleaf Bank" that cannot be guessed), while the same model with no history gets
at most one right. Benchmark v2 plants most facts as asides ("Work at Blackthorn Systems has been hectic"),
which the model gets right less often than a direct statement, so 24 questions are asked: with 12 it got 2-3
right, too few to tell reading from luck. That gap is the model reading its context, measured end to end.
"""

from pathlib import Path

import pytest

pytest.importorskip("llama_cpp", reason="the offline model needs the local extra: pip install -e '.[local]'")

from inspect_ai import eval  # noqa: E402

from memcurve.generators.config import build_config  # noqa: E402
from memcurve.generators.generate import generate  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.offline_model
def test_offline_model_answers_planted_facts_at_size_one(tmp_path, monkeypatch):
    db = tmp_path / "tiny.duckdb"
    generate(build_config({"seed": 7, "personas": 3, "sizes": "1", "categories": "user_facts,assistant_facts",
                           "questions_per_category": 4, "questions_per_history": 8, "max_evidence": 1,
                           "length": "short"}),
             db, force=False, progress=False)
    monkeypatch.chdir(ROOT)  # Inspect resolves task files relative to the working directory
    [log] = eval("tasks/convomem.py", model="gguf/gemma-3-270m", display="none", log_dir=str(tmp_path / "logs"),
                 task_args={"data": str(db), "solvers": "full_context,no_context", "judge": "off"})
    assert log.status == "success", log.error
    right = {"full_context": [], "no_context": []}
    for sample in log.samples:
        assert sample.metadata["size"] == 1
        if sample.scores["answer_check"].value == "C":
            right[sample.metadata["solver"]].append(sample)
            assert any(gold.lower() in sample.output.completion.lower() for gold in sample.target)
        usage = sample.model_usage["gguf/gemma-3-270m"]
        assert usage.input_tokens + (usage.input_tokens_cache_read or 0) > 20  # real tokenizer counts
    assert len(log.samples) == 48  # 24 questions x 2 solvers
    # the 270M model gets 2 to 6 of these 24 planted facts at size one, depending on the generated text (2
    # after the value pools grew): the test shows that reading the history helps, not a rate
    assert len(right["full_context"]) >= len(right["no_context"]) + 2, [s.output.completion for s in log.samples]
    assert len(right["no_context"]) <= 1
