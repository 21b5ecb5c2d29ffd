"""Operation-level scores on a hand-built case whose right answers are known."""

import asyncio
import math

import pytest
from inspect_ai.model import get_model
from memory_support import H2, H4, Scripted, build_memory_store

from memcurve.evals.history import load_history
from memcurve.evals.memory.fact_store import FactStore
from memcurve.evals.memory.hybrid import RecentPlusRag
from memcurve.evals.memory.llm import MemoryLLM
from memcurve.evals.memory.operations import (
    changing_chains,
    extraction_recall,
    found,
    hallucinated,
    normal,
    planted_facts,
    score_memory,
    update_accuracy,
)
from memcurve.evals.memory.protocol import MemoryItem
from memcurve.evals.memory.summary import RollingSummary


@pytest.fixture
def store_db(tmp_path):
    return build_memory_store(tmp_path / "memory.duckdb")


def built(system, db, history_id):
    history = load_history(db, history_id)
    llm = MemoryLLM(get_model("mockllm/model", custom_outputs=Scripted()))

    async def run():
        for conversation in history.conversations:
            await system.ingest(conversation, llm)

    asyncio.run(run())
    return system, history


def test_matching_rules():
    assert normal("Feel-good  stuff!") == "feel good stuff"
    assert found("the Design Museum", normal("I visited Design Museum"))
    assert found("6", normal("ran 6 miles")) and not found("6", normal("ran 16 miles"))
    assert not found("no_heat", normal("I can't handle spicy food"))


def test_planted_facts_of_a_history(store_db):
    assert [f.fact_id for f in planted_facts(str(store_db), load_history(store_db, H2))] == ["p001-f0000", "p001-f0001"]
    facts = planted_facts(str(store_db), load_history(store_db, H4))
    assert [f.value for f in facts] == ["Oluwaseun", "Gwendolyn", "Leeds", "no_heat"]
    assert [[f.value for f in chain] for chain in changing_chains(facts)] == [["Oluwaseun", "Gwendolyn"]]


def test_fact_store_scores(store_db):
    # live memories: Manager is Gwendolyn, Lives in Leeds, Speaks fluent Klingon, Dislikes spicy food
    store, history = built(FactStore(), store_db, H4)
    scores = score_memory(store, str(store_db), history)
    assert scores == {
        # measurable user facts: Oluwaseun, Gwendolyn, Leeds (no_heat is coded); Oluwaseun was updated away
        "extraction_recall": pytest.approx(2 / 3), "facts_found": 2, "facts_measurable": 3,
        # the chain ends with Gwendolyn live and Oluwaseun superseded
        "update_accuracy": 1.0, "changing_chains": 1,
        # "Speaks fluent Klingon" matches no value and no message; "Dislikes spicy food" is supported (2/3 words)
        "hallucinated": 0.25, "hallucinated_items": 1, "derived_items": 4}


def test_stale_value_fails_the_update_but_a_transition_does_not(store_db):
    history = load_history(store_db, H4)
    facts = planted_facts(str(store_db), history)
    assert update_accuracy(facts, [], ["Manager is Gwendolyn", "Manager is Oluwaseun"]) == (0.0, 1)
    assert update_accuracy(facts, [], ["Manager changed from Oluwaseun to Gwendolyn"]) == (1.0, 1)
    assert update_accuracy(facts, [], ["Lives in Leeds"]) == (0.0, 1)  # latest value missing
    # verbatim conversations hold the latest value and are never "stale"
    assert update_accuracy(facts, [m.text for m in history.messages], []) == (1.0, 1)
    assert math.isnan(update_accuracy(facts[2:], [], ["x"])[0])  # no chain: not applicable


def test_recall_and_hallucination_edge_cases(store_db):
    history = load_history(store_db, H4)
    facts = planted_facts(str(store_db), history)
    assert extraction_recall(facts, history, []) == (0.0, 0, 3)
    assert extraction_recall([f for f in facts if f.value == "no_heat"], history, ["spicy"])[2] == 0
    items = [MemoryItem("{}", True), MemoryItem("Parks near Leeds", True), MemoryItem("Roundhay Park is lovely", True),
             MemoryItem("verbatim text never counts", False)]
    # "{}" has no content word -> hallucinated; the Leeds one matches a value; the park one is supported
    assert hallucinated(items, facts, history) == (pytest.approx(1 / 3), 1, 3)
    assert math.isnan(hallucinated([], facts, history)[0])


def test_summary_and_hybrid_scores(store_db):
    summary, history = built(RollingSummary(recent=1), store_db, H4)
    assert summary.summary == "The user's manager is Gwendolyn. The user lives in Leeds."
    scores = score_memory(summary, str(store_db), history)
    assert scores["extraction_recall"] == pytest.approx(2 / 3)  # Oluwaseun replaced in the summary
    assert scores["update_accuracy"] == 1.0 and scores["hallucinated"] == 0.0
    assert [i.text for i in summary.items()] == ["The user's manager is Gwendolyn.", "The user lives in Leeds."]
    assert scores["derived_items"] == 2
    hybrid, history = built(RecentPlusRag(recent=1), store_db, H4)
    scores = score_memory(hybrid, str(store_db), history)
    assert scores["extraction_recall"] == 1.0 and scores["update_accuracy"] == 1.0  # lossless by construction
    assert math.isnan(scores["hallucinated"]) and scores["derived_items"] == 0
