"""rag: BM25 top-k units for the question, shown in chronological order, ranked units recorded."""

import pytest
from solver_harness import history_ids, run_solver

from memcurve.evals.context import render
from memcurve.evals.history import load_history
from memcurve.evals.solvers import rag
from memcurve.evals.solvers.prompt import PROMPT_RESERVE_TOKENS, history_budget
from memcurve.errors import ConfigError
from memcurve.generators.tokens import estimate_tokens

H3 = "p000-h00-n0003"


def test_round_units_top2_ranked_then_shown_chronologically(tiny_store, tmp_path):
    samples = run_solver(tiny_store, rag(k=2, unit="round"), tmp_path, solvers=["rag"], sizes=[3])
    sample = samples[f"rag:{H3}:p000-q0002"]  # "What day of the week did my dog wreck my shoes?"
    # only the chew-toy round shares stems ("shoe"); the zero-score tie goes to the earliest round
    assert sample.store["retrieved_units"] == [history_ids(["p000-c0001"]), history_ids(["p000-c0000"])]
    assert sample.store["context_message_ids"] == history_ids(["p000-c0000", "p000-c0001"])  # chronological
    assert sample.store["k"] == 2 and sample.store["unit"] == "round" and sample.store["solver"] == "rag"
    assert sample.store["truncated"] is False and sample.store["dropped_units"] == 0
    assert sample.store["retrieval_scores"][0] > 0 == sample.store["retrieval_scores"][1]
    prompt = sample.messages[0].text
    assert "Tuesday, 2024-01-09 09:00" in prompt and "hiking" not in prompt
    assert prompt.index("pasta") < prompt.index("Biscuit chewed")
    assert sample.output.completion == "Tuesday"


def test_message_unit_top1(tiny_store, tmp_path):
    samples = run_solver(tiny_store, rag(k=1, unit="message"), tmp_path, solvers=["rag"], sizes=[3])
    sample = samples[f"rag:{H3}:p000-q0002"]  # "...my dog wreck my shoes?" -> "...chewed my running shoes..."
    assert sample.store["retrieved_units"] == [["p000-c0001-m00"]]
    assert sample.store["context_message_ids"] == ["p000-c0001-m00"]
    message = "Biscuit chewed my running shoes again, what chew toys hold up for a beagle?"
    assert sample.store["context_tokens"] == 22 + 2 + estimate_tokens(message)  # header + "User:" + text
    assert sample.output.completion == "Tuesday"
    # "What's my pup called again?" shares no stem with any message: the earliest message wins the tie
    assert samples[f"rag:{H3}:p000-q0000"].store["retrieved_units"] == [["p000-c0000-m00"]]


def test_k_is_clamped_to_the_corpus(tiny_store, tmp_path):
    samples = run_solver(tiny_store, rag(k=50, unit="conversation"), tmp_path, solvers=["rag"], sizes=[1])
    for sample in samples.values():
        assert sample.store["retrieved_units"] == [history_ids(["p000-c0001"])]
        assert sample.store["k"] == 50


def test_overflowing_units_drop_lowest_ranked(tiny_store, tmp_path):
    history = load_history(tiny_store, H3)
    one = render(history, history_ids(["p000-c0001"])).tokens
    two = render(history, history_ids(["p000-c0000", "p000-c0001"])).tokens
    window = next(w for w in range(1, 5000) if history_budget(w, 16, PROMPT_RESERVE_TOKENS) >= one)
    assert history_budget(window, 16, PROMPT_RESERVE_TOKENS) < two  # room for the best round only
    samples = run_solver(tiny_store, rag(k=2, unit="round", max_context_tokens=window), tmp_path,
                         solvers=["rag"], sizes=[3], max_tokens=16)
    sample = samples[f"rag:{H3}:p000-q0002"]
    assert sample.store["context_message_ids"] == history_ids(["p000-c0001"])
    assert sample.store["truncated"] is True and sample.store["dropped_units"] == 1
    assert len(sample.store["retrieved_units"]) == 2  # retrieval is scored on the full ranking


@pytest.mark.parametrize("kwargs, message", [
    ({"k": 0}, "invalid k 0: expected a whole number >= 1"),
    ({"unit": "page"}, "invalid unit 'page'; valid: message, round, conversation"),
])
def test_invalid_options_fail_on_one_line(kwargs, message):
    with pytest.raises(ConfigError) as err:
        rag(**kwargs)
    assert str(err.value) == message
