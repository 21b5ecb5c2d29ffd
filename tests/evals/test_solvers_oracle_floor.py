"""oracle (evidence conversations only), no_context (nothing) and the compare dispatcher."""

from solver_harness import history_ids, run_solver

from memcurve.evals.solvers import compare, no_context, oracle

H3 = "p000-h00-n0003"


def test_oracle_shows_only_the_evidence_conversations(tiny_store, tmp_path):
    samples = run_solver(tiny_store, oracle(), tmp_path, solvers=["oracle"], sizes=[3])
    for sample in samples.values():
        assert sample.store["context_message_ids"] == history_ids(["p000-c0001"])
        assert sample.store["retrieved_units"] == [history_ids(["p000-c0001"])]
        assert sample.store["unit"] == "conversation" and sample.store["k"] == 1
        assert "pasta" not in sample.messages[0].text and "hiking" not in sample.messages[0].text
    assert samples[f"oracle:{H3}:p000-q0000"].output.completion == "Biscuit"


def test_no_context_sends_the_question_alone(tiny_store, tmp_path):
    samples = run_solver(tiny_store, no_context(), tmp_path, solvers=["no_context"], sizes=[1])
    for sample in samples.values():
        assert sample.store["context_message_ids"] == [] and sample.store["context_tokens"] == 0
        assert "retrieved_units" not in sample.store
        prompt = sample.messages[0].text
        assert "Conversation on" not in prompt and "Biscuit" not in prompt
        assert prompt.startswith("The user asks on Saturday, 2024-01-20 12:00.")
        assert prompt.endswith(f"Question: {sample.input}\nAnswer:")


def test_compare_runs_the_solver_each_sample_names(tiny_store, tmp_path):
    names = ["full_context", "rag", "oracle", "no_context"]
    samples = run_solver(tiny_store, compare(solvers=names, k=1, unit="message"), tmp_path, solvers=names, sizes=[3])
    assert len(samples) == 12
    for sample in samples.values():
        assert sample.store["solver"] == sample.metadata["solver"] == sample.id.split(":")[0]
    assert samples[f"rag:{H3}:p000-q0002"].store["retrieved_units"] == [["p000-c0001-m00"]]
    assert len(samples[f"full_context:{H3}:p000-q0000"].store["context_message_ids"]) == 6
