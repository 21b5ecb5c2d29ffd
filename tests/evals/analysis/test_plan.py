"""`memcurve plan`: samples, prompt tokens, cost with and without caching, time and power, from a real store."""

import re

import pytest

from memcurve.cli import main
from memcurve.evals.analysis.plan import PROMPT_RESERVE, plan
from memcurve.evals.analysis.prices import BUILTIN_PRICES
from memcurve.evals.dataset import load_samples
from memcurve.generators.config import build_config
from memcurve.generators.generate import generate


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    db = tmp_path_factory.mktemp("plan") / "bench.duckdb"
    generate(build_config({"seed": 2, "personas": 3, "sizes": "1,4,16", "questions_per_category": 2,
                           "categories": "user_facts,changing_facts,abstention"}), db, force=False, progress=False)
    return db


def _number(text: str, pattern: str) -> float:
    return float(re.search(pattern, text).group(1).replace(",", ""))


def test_plan_counts_tokens_and_cost_from_the_store(store):
    text = plan(store, model="anthropic/claude-sonnet-4-5", solvers=["full_context", "rag"], max_tokens=32)
    samples = load_samples(store, solvers=["full_context"])
    assert _number(text, r"samples: ([\d,]+)") == 2 * len(samples)
    full_tokens = sum(s.metadata["history_tokens"] + PROMPT_RESERVE for s in samples)
    row = next(line for line in text.splitlines() if line.startswith("| full_context |") and "$" not in line)
    assert _number(row, r"\| ([\d,]+) \|$") == full_tokens
    price = BUILTIN_PRICES["anthropic/claude-sonnet-4"]
    plain = price.cost(full_tokens, 32 * len(samples))
    cost_row = next(line for line in text.splitlines() if line.startswith("| full_context | $"))
    assert _number(cost_row, r"\| \$([\d.,]+) \|") == pytest.approx(plain, rel=1e-3, abs=0.005)  # shown to the cent
    assert "with prompt caching" in text and "expected time:" in text
    assert "minimum detectable difference" in text and "personas at" in text
    assert "worst case: fewer than 10 personas" in text  # 3 personas: the report's intervals use the worst case


def test_plan_from_a_generation_config_scales_a_one_persona_pilot(tmp_path, capsys):
    config = tmp_path / "gen.yaml"
    config.write_text("personas: 40\nsizes: 1,4\nquestions_per_category: 2\ncategories: user_facts,abstention\n")
    assert main(["plan", str(config), "--model", "openai/gpt-4o-mini", "--solvers", "full_context,rag"]) == 0
    out = capsys.readouterr().out
    assert "pilot: 1 of 40 personas generated" in out and "40 personas" in out
    pilot = tmp_path / "pilot.duckdb"
    generate(build_config({"personas": 1, "sizes": "1,4", "questions_per_category": 2,
                           "categories": "user_facts,abstention"}), pilot, force=False, progress=False)
    assert _number(out, r"samples: ([\d,]+)") == 2 * 40 * len(load_samples(pilot))


def test_plan_errors_are_one_line(tmp_path, capsys):
    assert main(["plan", str(tmp_path / "missing.duckdb"), "--model", "x/y"]) == 2
    assert main(["plan", str(tmp_path / "missing.duckdb"), "--model", "x/y", "--solvers", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("memcurve: error:") for line in err)
