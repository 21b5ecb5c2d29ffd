"""tasks/sort.py end to end with inspect_ai.eval() and mockllm (every output carries usage).

The mock "reader" answers the way a perfect reader would when the excerpt is in the prompt (it finds both
segments and names the earlier one) and always says "A" without context, so the expected metrics are known
exactly: in-context 100%, no-context exactly 50% (the A/B balance), answered-A share 1.0 without context.
"""

import importlib.util
import random
from pathlib import Path

import pytest
from inspect_ai import eval
from inspect_ai.model import Logprob, Logprobs, TopLogprob, get_model
from scipy.stats import binomtest
from support import mock_output

from memcurve.evals.sort.solvers import GENERATE_ENDING, LOGPROB_ENDING
from memcurve.errors import ConfigError

TASK = Path(__file__).resolve().parents[3] / "tasks" / "sort.py"
TASK_SPEC = f"{TASK}@sort"  # an absolute path needs the @task form (a bare one is read as a glob)
SENTENCES = [
    "The ferry left the harbour before dawn.", "Nobody on the pier said a word;",
    "Mr. Hale counted the crates twice.", "Was the lantern still burning?", "The gulls followed the wake!",
    "Dr. Ames wrote the date in the log.", "Rain came in from the west and stayed.",
    "The captain asked for tea again.", "A boy mended nets beside the cellar door.",
]


def write_book(path: Path, n_words: int = 3000, seed: int = 5) -> Path:
    rng = random.Random(seed)
    words: list[str] = []
    while len(words) < n_words:
        sentence = rng.choice(SENTENCES).split()
        words += sentence[:-1] + [f"{rng.randint(1, 999)}-{sentence[-1]}"]  # numbered: segments stay unique
    path.write_text(" ".join(words), encoding="utf-8")
    return path


def _between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def reader(input, tools, tool_choice, config):
    """Names the earlier segment when it can see them in the prompt's context, else says A."""
    prompt = input[-1].text
    a = _between(prompt, "Segment A: ", "\n\nSegment B: ")
    b = _between(prompt, "Segment B: ", "\n\nWhich segment")
    context = prompt.split("Here are two segments", 1)[0]
    label = "A"
    if a in context and b in context:
        label = "A" if context.index(a) < context.index(b) else "B"
    return mock_output(f"The answer is {label}.")


def _metrics(log) -> dict[str, float]:
    return {name: m.value for s in log.results.scores for name, m in s.metrics.items()}


def test_eval_on_a_text_with_three_conditions(tmp_path):
    book = write_book(tmp_path / "book.txt")
    log = eval(
        TASK_SPEC, model=get_model("mockllm/model", custom_outputs=reader),
        task_args={"text": str(book), "excerpt_lengths": "250,1000", "segment_lengths": 20, "excerpts": 4,
                   "conditions": "in_context,no_context,rag", "seed": 1},
        display="none", log_dir=str(tmp_path / "logs"),
    )[0]
    assert log.status == "success", log.error
    assert len(log.samples) == 2 * 4 * 4 * 3
    m = _metrics(log)
    n = 2 * 4 * 4
    assert m["in_context"] == 1.0 and m["no_context"] == 0.5
    assert m["in_context_e250"] == m["in_context_e1000"] == 1.0
    assert m["in_context_bin1"] == m["in_context_e1000_d800"] == 1.0
    assert m["no_context_e250_d62"] == 0.5  # 4 excerpts, exactly 2 with the earlier segment shown as A
    assert m["in_context_p"] == pytest.approx(binomtest(n, n, 0.5, alternative="greater").pvalue)
    assert m["no_context_p"] == pytest.approx(binomtest(n // 2, n, 0.5, alternative="greater").pvalue)
    assert m["no_context_share_A"] == 1.0 and m["no_context_invalid"] == 0.0
    assert m["no_context_acc_first_as_A"] == 1.0 and m["no_context_acc_first_as_B"] == 0.0
    assert m["in_context_share_A"] == 0.5
    assert not any(k.endswith("margin_auc") for k in m)  # parsed replies have no log-probabilities
    correct = sum(s.scores["sort_scorer"].value == "C" for s in log.samples)
    assert m["accuracy"] == pytest.approx(correct / len(log.samples))

    by_condition = {c: [s for s in log.samples if s.metadata["condition"] == c]
                    for c in ("in_context", "no_context", "rag")}
    ic = by_condition["in_context"][0]
    assert "Read this extract from the text \"book.txt\"" in ic.messages[0].text
    assert ic.messages[0].text.endswith(GENERATE_ENDING) and ic.store["answer_mode"] == "generate"
    assert "Read this extract" not in by_condition["no_context"][0].messages[0].text
    for s in by_condition["rag"]:
        chunks = s.store["retrieved_chunks"]
        assert chunks == sorted(set(chunks)) and 1 <= len(chunks) <= 4
        assert s.store["seg1_chunk_found"] in (True, False)
        assert s.messages[0].text.count("[Passage ") == len(chunks)
    # the numbered sentences make each 20-word query point at its own chunk
    found = [s.store["seg1_chunk_found"] for s in by_condition["rag"]]
    assert sum(found) >= len(found) * 3 // 4


def test_logprob_answers_for_the_offline_model(tmp_path):
    book = write_book(tmp_path / "book.txt", n_words=600)
    seen = []

    def likelihoods(input, tools, tool_choice, config):
        seen.append(config)
        out = mock_output(" B", output_tokens=1)
        out.choices[0].logprobs = Logprobs(content=[Logprob(token=" B", logprob=-0.4, top_logprobs=[
            TopLogprob(token=" B", logprob=-0.4), TopLogprob(token=" A", logprob=-1.3)])])
        return out

    log = eval(
        TASK_SPEC, model=get_model("mockllm/model", custom_outputs=likelihoods),
        task_args={"text": str(book), "excerpt_lengths": 250, "segment_lengths": 20, "excerpts": 2,
                   "conditions": "in_context", "answer_mode": "logprobs"},
        display="none", log_dir=str(tmp_path / "logs"),
    )[0]
    assert log.status == "success", log.error
    assert all(c.logprobs and c.top_logprobs == 20 and c.max_tokens == 1 and c.temperature == 0 for c in seen)
    for s in log.samples:
        score = s.scores["sort_scorer"]
        assert score.answer == "B" and score.metadata == {"method": "logprobs", "logprob_a": -1.3, "logprob_b": -0.4}
        assert s.messages[0].text.endswith(LOGPROB_ENDING)
    assert _metrics(log)["in_context_share_A"] == 0.0
    assert _metrics(log)["in_context"] == 0.5  # always B: exactly the share shown with the earlier one as B
    assert _metrics(log)["in_context_margin_auc"] == 0.5  # the same margin every time: no order information


def test_eval_on_a_store_history(tiny_store, tmp_path):
    log = eval(
        TASK_SPEC, model=get_model("mockllm/model", custom_outputs=reader),
        task_args={"data": str(tiny_store), "history_sizes": 3, "excerpt_lengths": 80, "segment_lengths": 4,
                   "excerpts": 2, "conditions": "in_context,no_context"},
        display="none", log_dir=str(tmp_path / "logs"),
    )[0]
    assert log.status == "success", log.error
    assert {s.metadata["source"] for s in log.samples} == {"p000-h00-n0003"}
    assert _metrics(log)["in_context"] == 1.0 and _metrics(log)["no_context"] == 0.5
    assert "conversation history" in log.samples[0].messages[0].text


def test_task_rejects_bad_options(tmp_path):
    spec = importlib.util.spec_from_file_location("sort_task_under_test", TASK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(ConfigError, match="exactly one source"):
        module.sort()
    with pytest.raises(ConfigError, match="exactly one source"):
        module.sort(text="a.txt", data="b.duckdb")
    book = write_book(tmp_path / "book.txt", n_words=400)
    with pytest.raises(ConfigError, match="answer_mode: unknown 'best'; valid values: auto, logprobs, generate"):
        module.sort(text=str(book), excerpt_lengths=250, answer_mode="best")
    with pytest.raises(ConfigError, match="conditions: unknown"):
        module.sort(text=str(book), excerpt_lengths=250, conditions="in_context,oracle")
