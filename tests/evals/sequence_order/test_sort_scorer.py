"""SORT answers: A/B parsing, log-probability comparison on a hand-built ModelOutput, and the metrics."""

import math

import pytest
from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessageAssistant,
    Logprob,
    Logprobs,
    ModelOutput,
    TopLogprob,
)
from inspect_ai.scorer import CORRECT, INCORRECT, SampleScore, Score
from scipy.stats import binomtest

from memcurve.evals.sort.scorer import (
    accuracy_by_condition,
    accuracy_by_distance_bin,
    accuracy_by_excerpt_length,
    binomial_p,
    label_logprobs,
    logprob_choice,
    logprob_margin_auc,
    parse_ab,
    position_bias,
)


@pytest.mark.parametrize("reply, expected", [
    ("A", "A"), ("B", "B"), ("a", "A"), ("b.", "B"), (" (B) ", "B"), ("**B**", "B"), ("'A'", "A"),
    ("Segment A", "A"), ("segment b", "B"), ("The answer is A.", "A"), ("the answer is b", "B"),
    ("Answer: Segment B", "B"), ("I think (A) came first.", "A"), ("Segment B came first.", "B"),
    ("**Answer:** A", "A"), ("B\n\nBecause it is earlier in the extract.", "B"),
    ("A or B?", "X"), ("Segment A came before Segment B.", "X"), ("", "X"), ("I cannot tell.", "X"),
    ("Both A and B", "X"),
])
def test_parse_ab(reply, expected):
    assert parse_ab(reply) == expected


def _output(first_token: str, first_lp: float, top: list[tuple[str, float]]) -> ModelOutput:
    return ModelOutput(
        model="gguf/gemma-3-270m",
        choices=[ChatCompletionChoice(
            message=ChatMessageAssistant(content=first_token),
            stop_reason="max_tokens",
            logprobs=Logprobs(content=[Logprob(
                token=first_token, logprob=first_lp,
                top_logprobs=[TopLogprob(token=t, logprob=lp) for t, lp in top],
            )]),
        )],
    )


def test_logprob_comparison():
    out = _output(" A", -0.9, [(" A", -0.9), (" B", -0.6), ("B", -3.0), ("\n", -2.0)])
    assert label_logprobs(out) == {"A": -0.9, "B": -0.6}
    assert logprob_choice(label_logprobs(out)) == "B"  # generated A, but B is likelier among the labels
    only_a = _output("A", -1.5, [("A", -1.5), ("The", -0.2)])
    assert logprob_choice(label_logprobs(only_a)) == "A"
    neither = _output("The", -0.1, [("The", -0.1), ("Segment", -1.0), ("a", -2.0)])
    assert label_logprobs(neither) == {} and logprob_choice({}) == "X"
    assert logprob_choice({"A": -1.0, "B": -1.0}) == "X"
    assert label_logprobs(ModelOutput.from_content("mockllm/model", "A")) is None  # no logprobs: parse instead


def _score(correct: bool, answer: str, **meta) -> SampleScore:
    metadata = {"condition": "in_context", "excerpt_length": 250, "distance_bin": 62, "bin_index": 1,
                "present_seg1_first": True, **meta}
    return SampleScore(score=Score(value=CORRECT if correct else INCORRECT, answer=answer), sample_metadata=metadata)


def test_metrics_split_by_condition():
    scores = (
        [_score(True, "A")] * 6 + [_score(False, "B")] * 2   # in_context, earlier shown as A: 6/8
        + [_score(True, "B", present_seg1_first=False, excerpt_length=1000, distance_bin=800, bin_index=4)] * 4
        + [_score(True, "A", condition="no_context")] * 3
        + [_score(False, "A", condition="no_context", present_seg1_first=False)] * 2
        + [_score(False, "X", condition="no_context", present_seg1_first=False)]
    )
    assert accuracy_by_condition()(scores) == {"in_context": 10 / 12, "no_context": 0.5}
    p = binomial_p()(scores)
    assert p["in_context_p"] == pytest.approx(binomtest(10, 12, 0.5, alternative="greater").pvalue)
    assert p["no_context_p"] == pytest.approx(binomtest(3, 6, 0.5, alternative="greater").pvalue)
    assert list(accuracy_by_excerpt_length()(scores)) == ["in_context_e250", "in_context_e1000", "no_context_e250"]
    assert accuracy_by_excerpt_length()(scores)["in_context_e250"] == 0.75
    bins = accuracy_by_distance_bin()(scores)
    assert bins["in_context_bin1"] == 0.75 and bins["in_context_bin4"] == 1.0
    assert bins["in_context_e1000_d800"] == 1.0 and bins["no_context_e250_d62"] == 0.5
    bias = position_bias()(scores)
    assert bias["no_context_share_A"] == pytest.approx(5 / 6)
    assert bias["no_context_invalid"] == pytest.approx(1 / 6)
    assert bias["no_context_acc_first_as_A"] == 1.0 and bias["no_context_acc_first_as_B"] == 0.0
    assert bias["in_context_acc_first_as_A"] == 0.75 and bias["in_context_acc_first_as_B"] == 1.0
    assert math.isnan(position_bias()([_score(True, "A")])["in_context_acc_first_as_B"])


def _lp_score(a: float | None, b: float | None, first_as_a: bool, condition: str = "in_context") -> SampleScore:
    target = "A" if first_as_a else "B"
    answer = logprob_choice({k: v for k, v in (("A", a), ("B", b)) if v is not None})
    return SampleScore(
        score=Score(value=CORRECT if answer == target else INCORRECT, answer=answer,
                    metadata={"method": "logprobs", "logprob_a": a, "logprob_b": b}),
        sample_metadata={"condition": condition, "present_seg1_first": first_as_a},
    )


def test_margin_auc_sees_order_information_behind_an_a_bias():
    # always answers A (accuracy 0.5), but leans further to A exactly when A is right
    leaning = [_lp_score(-0.2, -2.0, True), _lp_score(-0.3, -1.8, True),
               _lp_score(-0.4, -1.2, False), _lp_score(-0.5, -1.0, False)]
    assert accuracy_by_condition()(leaning) == {"in_context": 0.5}
    assert logprob_margin_auc()(leaning) == {"in_context_margin_auc": 1.0}
    flat = [_lp_score(-0.3, -1.5, True), _lp_score(-0.3, -1.5, False), _lp_score(-1.0, None, True),
            _lp_score(-1.0, None, False)]
    assert logprob_margin_auc()(flat) == {"in_context_margin_auc": 0.5}  # ties count half
    mixed = [_lp_score(-0.3, -1.5, True, "rag"), _lp_score(-2.0, -0.1, False, "rag")]
    assert logprob_margin_auc()(mixed + [_score(True, "A")]) == {"rag_margin_auc": 1.0}  # parsed: no key
