"""Lenient JSON parsing of small-model replies, retries, and usage accounting of memory calls."""

import asyncio

import pytest
from inspect_ai.model import ModelOutput, get_model
from support import mock_output

from memcurve.evals.memory.llm import MemoryLLM, _join_opening, parse_json

OPEN = '{"facts": ['


@pytest.mark.parametrize("reply, expected", [
    ('"a", "b"]}', {"facts": ["a", "b"]}),
    ('"a", "b"]} and then the model rambles {"x": 1}', {"facts": ["a", "b"]}),
    ('"a", "b", "c', {"facts": ["a", "b"]}),  # cut mid-string: the finished items survive
    ('"a", "b",', {"facts": ["a", "b"]}),
    ('{"facts": ["z"]}', {"facts": ["z"]}),  # the model repeated the opening
    ('```json\n{"facts": ["z"]}\n```', {"facts": ["z"]}),
    ('["a", "b"]}', {"facts": ["a", "b"]}),  # the model reopened the list
    (']}', {"facts": []}),
])
def test_parse_replies(reply, expected):
    assert parse_json(_join_opening(OPEN, reply)) == expected


@pytest.mark.parametrize("text", ["no json here", '{"facts": [blah', ""])
def test_unusable_replies_raise(text):
    with pytest.raises(ValueError):
        parse_json(text)


def test_update_items_are_not_mistaken_for_a_repeated_opening():
    reply = '{"id": "0", "text": "x", "event": "ADD"}]}'
    assert parse_json(_join_opening('{"memory": [', reply)) == {"memory": [{"id": "0", "text": "x", "event": "ADD"}]}


def test_retries_sample_with_a_seed_and_count_usage():
    configs = []

    def outputs(input, tools, tool_choice, config):
        configs.append((config.temperature, config.seed, config.max_tokens))
        return mock_output("nonsense" if len(configs) < 3 else '"ok"]}', 30, 7)

    llm = MemoryLLM(get_model("mockllm/model", custom_outputs=outputs), retries=2)
    result = asyncio.run(llm.json_call("prompt " + OPEN, OPEN, lambda d: d["facts"], max_tokens=50))
    assert result == ["ok"]
    assert configs == [(0.0, 0, 50), (0.7, 1, 50), (0.7, 2, 50)]
    assert llm.usage.calls == 3 and llm.usage.parse_failures == 2 and llm.usage.failed_calls == 0
    assert llm.usage.total_tokens == 3 * 37


def test_provider_errors_are_counted_not_raised():
    def broken(input, tools, tool_choice, config):
        raise RuntimeError("provider down")

    llm = MemoryLLM(get_model("mockllm/model", custom_outputs=broken), retries=1)
    assert asyncio.run(llm.text_call("p", lambda t: t)) is None
    assert llm.usage.errors == 2 and llm.usage.failed_calls == 1 and llm.usage.calls == 0


def test_error_outputs_count_as_errors():
    def error_output(input, tools, tool_choice, config):
        out = mock_output("")
        out.error = "overloaded"
        return out

    llm = MemoryLLM(get_model("mockllm/model", custom_outputs=error_output), retries=0)
    assert asyncio.run(llm.text_call("p", lambda t: t)) is None
    assert llm.usage.errors == 1 and isinstance(mock_output("x"), ModelOutput)
