"""Fact-augmented keys: LLM-extracted user facts merged into the key change the ranking; cached on disk."""

import asyncio
from datetime import datetime

from inspect_ai.model import get_model
from lme_helpers import build_history, run_rag
from support import mock_output

from memcurve.evals.retrieval import keys
from memcurve.evals.retrieval.keys import keyed_index, parse_facts
from memcurve.evals.solvers import rag

QUESTION = "What is my dog's name?"


def _history():
    return build_history({
        "s1": (datetime(2024, 1, 3), [("user", "My dog keeps barking at night, any tips?"), ("assistant", "Try a walk.")]),
        "s2": (datetime(2024, 1, 5), [("user", "Rex and I walked ten miles today, what should I eat after?"),
                                      ("assistant", "Carbs and protein.")]),
    })


def _model(fail=False):
    calls = []

    def respond(input, tools, tool_choice, config):
        prompt = input[-1].text
        calls.append(prompt)
        if fail:
            raise RuntimeError("provider down")
        reply = " The user has a dog named Rex.\n- The user walked ten miles.\n\nUser:" if "Rex" in prompt else " None"
        return mock_output(reply)
    return get_model("mockllm/model", custom_outputs=respond, memoize=False), calls


def _top(index):
    return index.search(QUESTION, 2)[0].unit.message_ids[0]


def test_facts_change_the_ranking_and_are_cached_on_disk(tmp_path):
    keys._memo.clear()
    model, calls = _model()
    plain, info = asyncio.run(keyed_index(_history(), "round", "value", cache_dir=tmp_path, model=model))
    assert _top(plain) == "s1-m00" and calls == [] and info["key_facts"] == 0
    merged, info = asyncio.run(keyed_index(_history(), "round", "value+facts", cache_dir=tmp_path, model=model))
    assert _top(merged) == "s2-m00"  # "dog named Rex" is now in s2's key
    assert merged.units[1].text.startswith("The user has a dog named Rex.\nThe user walked ten miles.\nRex and I")
    assert len(calls) == 2 and info == {"key": "value+facts", "key_model": "mockllm/model", "key_facts": 2,
                                        "key_failures": 0}
    assert len(list(tmp_path.glob("*.json"))) == 2
    # a new process (empty memo) with a broken provider reads the facts from disk: same ranking, no calls
    keys._memo.clear()
    broken, broken_calls = _model(fail=True)
    again, info = asyncio.run(keyed_index(_history(), "round", "value+facts", cache_dir=tmp_path, model=broken))
    assert _top(again) == "s2-m00" and broken_calls == [] and info["key_failures"] == 0


def test_failed_extraction_falls_back_to_the_value_and_is_counted(tmp_path):
    keys._memo.clear()
    broken, calls = _model(fail=True)
    index, info = asyncio.run(keyed_index(_history(), "round", "value+facts", cache_dir=tmp_path, model=broken))
    assert _top(index) == "s1-m00" and info["key_failures"] == 2 and info["key_facts"] == 0
    assert list(tmp_path.glob("*.json")) == []  # provider errors are not cached


def test_parse_facts():
    assert parse_facts(" The user owns a cat.\n2. The user lives in Leeds.\n\nignored").facts == (
        "The user owns a cat.", "The user lives in Leeds.")
    assert parse_facts(" None").status == "none"
    assert parse_facts("").status == "unparsed"
    assert parse_facts(" The user likes tea.\nUser: next block").facts == ("The user likes tea.",)


def test_rag_with_fact_keys_through_eval(tiny_store, tmp_path):
    """tiny store, question "What's my pup called again?": plain BM25 matches nothing and takes the first
    conversation (pasta); with the extracted fact "The user has a pup called Biscuit" the chew-toy
    conversation is found, and the key's build is recorded in the store."""
    keys._memo.clear()

    def facts(input, tools, tool_choice, config):
        prompt = input[-1].text
        return mock_output(" The user has a pup called Biscuit, a beagle." if "Biscuit" in prompt else " None")

    memory = get_model("mockllm/model", custom_outputs=facts, memoize=False)
    out = run_rag(tiny_store, rag(k=1, unit="session", key="value+facts", key_cache=str(tmp_path / "facts")),
                  tmp_path / "logs", sizes=[3], model_roles={"memory": memory})
    sample = out["rag:p000-h00-n0003:p000-q0000"]
    assert sample.store["retrieved_units"] == [["p000-c0001-m00", "p000-c0001-m01"]]
    assert (sample.store["key"], sample.store["key_facts"], sample.store["key_failures"]) == ("value+facts", 1, 0)
    assert len(list((tmp_path / "facts").glob("*.json"))) == 3  # one per conversation
    plain = run_rag(tiny_store, rag(k=1, unit="session"), tmp_path / "plain", sizes=[3])
    assert plain["rag:p000-h00-n0003:p000-q0000"].store["retrieved_units"][0][0] == "p000-c0000-m00"
