"""full_context: the whole history in order, identical prefix per history, truncation recorded."""

from solver_harness import history_ids, run_solver

from memcurve.evals.context import keep_recent
from memcurve.evals.history import load_history
from memcurve.evals.solvers import full_context
from memcurve.evals.solvers.prompt import PROMPT_RESERVE_TOKENS, history_budget

ALL = ["p000-c0000", "p000-c0001", "p000-c0002"]
H3 = "p000-h00-n0003"


def test_whole_history_in_chronological_order(tiny_store, tmp_path):
    samples = run_solver(tiny_store, full_context(), tmp_path, solvers=["full_context"], sizes=[3])
    sample = samples[f"full_context:{H3}:p000-q0000"]
    assert sample.store["solver"] == "full_context"
    assert sample.store["context_message_ids"] == history_ids(ALL)
    assert sample.store["truncated"] is False and sample.store["dropped_conversations"] == 0
    assert sample.store["context_tokens"] == 178  # 97 message tokens + 3 dated headers x 22 + 6 labels (15)
    prompt = sample.messages[0].text
    dates = [prompt.index(d) for d in ("Monday, 2024-01-08 09:00", "Tuesday, 2024-01-09 09:00",
                                        "Thursday, 2024-01-11 09:00")]
    assert dates == sorted(dates)
    assert prompt.index("User: Could you give me") < prompt.index("User: Biscuit chewed") < prompt.index("User: What should I pack")
    assert "Assistant: Try a heavy rubber toy" in prompt
    assert prompt.rstrip().endswith("Question: What's my pup called again?\nAnswer:")
    assert "Saturday, 2024-01-20 12:00" in prompt
    assert [samples[f"full_context:{H3}:{q}"].output.completion for q in ("p000-q0000", "p000-q0002")] == [
        "Biscuit", "Tuesday"]


def test_questions_of_a_history_share_an_identical_prefix(tiny_store, tmp_path):
    samples = run_solver(tiny_store, full_context(), tmp_path, solvers=["full_context"], sizes=[3])
    first, second = (samples[f"full_context:{H3}:{q}"].messages[0] for q in ("p000-q0000", "p000-q0002"))
    assert len(first.content) == 2 and first.content[0].text == second.content[0].text
    assert first.content[0].cache_breakpoint is True  # Anthropic prompt caching of the shared history
    assert first.content[1].text != second.content[1].text
    assert first.text.startswith(first.content[0].text)


def _window_keeping(n_kept: int, max_tokens: int) -> int:
    """The smallest context window for which exactly the `n_kept` most recent tiny conversations fit."""
    convs = load_history(_window_keeping.db, H3).conversations
    for window in range(1, 5000):
        kept, _ = keep_recent(convs, history_budget(window, max_tokens, PROMPT_RESERVE_TOKENS))
        if len(kept) == n_kept:
            return window
    raise AssertionError("no window found")


def test_overflow_keeps_the_most_recent_conversations(tiny_store, tmp_path):
    _window_keeping.db = tiny_store
    window = _window_keeping(2, max_tokens=16)
    samples = run_solver(tiny_store, full_context(max_context_tokens=window), tmp_path,
                         solvers=["full_context"], sizes=[3], max_tokens=16)
    for sample in samples.values():
        assert sample.store["context_message_ids"] == history_ids(ALL[1:])
        assert sample.store["truncated"] is True and sample.store["dropped_conversations"] == 1
        assert "pasta" not in sample.messages[0].text and "Biscuit chewed" in sample.messages[0].text
    # one token less and only the newest conversation fits
    samples = run_solver(tiny_store, full_context(max_context_tokens=window - 1), tmp_path,
                         solvers=["full_context"], sizes=[3], max_tokens=16)
    assert {tuple(s.store["context_message_ids"]) for s in samples.values()} == {tuple(history_ids(ALL[2:]))}
    assert {s.store["dropped_conversations"] for s in samples.values()} == {2}


def test_nothing_fits_is_recorded_not_hidden(tiny_store, tmp_path):
    samples = run_solver(tiny_store, full_context(max_context_tokens=10), tmp_path,
                         solvers=["full_context"], sizes=[1], max_tokens=16)
    for sample in samples.values():
        assert sample.store["context_message_ids"] == []
        assert sample.store["truncated"] is True and sample.store["dropped_conversations"] == 1
        assert "(none)" in sample.messages[0].text
