"""fact_store (mem0-style): every ADD / UPDATE / DELETE / NONE path, id remapping, malformed JSON retried."""

import asyncio

import pytest
from inspect_ai.model import get_model
from memory_support import H2, H4, Scripted, build_memory_store

from memcurve.evals.history import load_history
from memcurve.evals.memory.fact_store import EXTRACT_OPENING, UPDATE_OPENING, FactStore, parse_events, parse_facts
from memcurve.evals.memory.llm import MemoryLLM


@pytest.fixture
def store_db(tmp_path):
    return build_memory_store(tmp_path / "memory.duckdb")


def ingest_all(db, history_id, script, retries=2):
    history = load_history(db, history_id)
    llm = MemoryLLM(get_model("mockllm/model", custom_outputs=script), retries=retries)
    store = FactStore()

    async def run():
        for conversation in history.conversations:
            await store.ingest(conversation, llm)

    asyncio.run(run())
    return store, llm, history


def live(store):
    return sorted(m["text"] for m in store.memories.values())


def test_every_event_path_and_id_remapping(store_db):
    script = Scripted()
    store, llm, history = ingest_all(store_db, H4, script)
    # c0: empty store -> the fact is ADDed without an update call; c1: UPDATE of id "0" (the unknown id "7"
    # is dropped); c2: nothing similar -> 3 ADDs; c3: NONE for "0", DELETE for "1", ADD of the new fact
    assert live(store) == ["Dislikes spicy food", "Lives in Leeds", "Manager is Gwendolyn", "Speaks fluent Klingon"]
    assert store.ops == {"ADD": 5, "UPDATE": 1, "DELETE": 1, "NONE": 1, "failed": 0, "dropped": 1}
    assert script.calls(EXTRACT_OPENING) == 4 and script.calls(UPDATE_OPENING) == 2
    # the model saw small integer ids, never the real ones
    update_prompts = [p for p in script.prompts if p.endswith(UPDATE_OPENING)]
    assert "0: Manager is Oluwaseun\nNew facts:\n- Manager is now Gwendolyn" in update_prompts[0]
    assert "0: Lives in Leeds\n1: Owns a purple submarine\nNew facts:" in update_prompts[1]
    assert not any("mem0" in p.rsplit("Old memories:", 1)[-1] for p in update_prompts)
    # UPDATE kept the id and the superseded version with its times; DELETE retired the memory
    manager = store.memories["mem0000"]
    assert manager["text"] == "Manager is Gwendolyn"
    assert manager["created_at"] == "2024-02-05T10:00" and manager["updated_at"] == "2024-02-06T10:00"
    assert manager["versions"] == [{"text": "Manager is Oluwaseun", "from": "2024-02-05T10:00", "to": "2024-02-06T10:00"}]
    assert [(r["id"], r["text"], r["deleted_at"]) for r in store.retired] == [
        ("mem0002", "Owns a purple submarine", "2024-02-08T10:00")]
    assert [(h["event"], h["memory_id"]) for h in store.history] == [
        ("ADD", "mem0000"), ("UPDATE", "mem0000"), ("ADD", "mem0001"), ("ADD", "mem0002"), ("ADD", "mem0003"),
        ("DELETE", "mem0002"), ("ADD", "mem0004")]
    assert llm.usage.calls == 6 and llm.usage.total_tokens == 4 * 120 + 2 * 160 and llm.usage.failed_calls == 0


def test_query_shows_top_memories_with_dates_oldest_first(store_db):
    store, _, history = ingest_all(store_db, H4, Scripted())
    context = store.context("Who is my manager now?", history, None)
    lines = context.rendered.text.splitlines()
    assert lines[0] == "[Memories saved from those conversations, oldest first]"
    assert lines[1:] == ["- (2024-02-06) Manager is Gwendolyn", "- (2024-02-07) Lives in Leeds",
                         "- (2024-02-07) Speaks fluent Klingon", "- (2024-02-08) Dislikes spicy food"]
    assert context.details["retrieved_memories"][0] == "mem0000"  # the best match ranks first
    assert context.rendered.message_ids == () and not context.truncated
    small = FactStore(query_k=1)
    small.load_state(store.export_state())
    assert small.context("Who is my manager now?", history, None).rendered.text.splitlines()[1:] == [
        "- (2024-02-06) Manager is Gwendolyn"]


def test_budget_drops_lowest_ranked_memories(store_db):
    store, _, history = ingest_all(store_db, H4, Scripted())
    full = store.context("Who is my manager now?", history, None)
    cut = store.context("Who is my manager now?", history, full.rendered.tokens - 1)
    assert cut.truncated and len(cut.rendered.text.splitlines()) == len(full.rendered.text.splitlines()) - 1
    assert "Manager is Gwendolyn" in cut.rendered.text


def test_malformed_json_is_retried_then_recorded_as_failed(store_db):
    # the first conversation's extraction fails 3 times (1 + 2 retries): failed op, the run goes on
    script = Scripted(garbage={"My manager is Oluwaseun": 3})
    store, llm, _ = ingest_all(store_db, H2, script)
    assert store.ops["failed"] == 1
    assert live(store) == ["Manager is now Gwendolyn"]  # c1 then found nothing similar: plain ADD
    assert script.calls(EXTRACT_OPENING) == 3 + 1
    assert llm.usage.parse_failures == 3 and llm.usage.failed_calls == 1 and llm.usage.calls == 4


def test_one_malformed_reply_then_a_good_retry(store_db):
    script = Scripted(garbage={"My manager is Oluwaseun": 1})
    store, llm, _ = ingest_all(store_db, H2, script)
    assert store.ops["failed"] == 0 and live(store) == ["Manager is Gwendolyn"]
    assert llm.usage.parse_failures == 1 and llm.usage.failed_calls == 0
    retry = [p for p in script.prompts if p.endswith(EXTRACT_OPENING)]
    assert retry[0] == retry[1]  # same prompt; the retry differs by temperature and seed only


def test_no_retries_means_one_attempt(store_db):
    script = Scripted(garbage={"My manager is Oluwaseun": 1})
    store, llm, _ = ingest_all(store_db, H2, script, retries=0)
    assert store.ops["failed"] == 1 and llm.usage.calls == 2


def test_state_round_trip(store_db):
    store, _, _ = ingest_all(store_db, H4, Scripted())
    copy = FactStore()
    copy.load_state(store.export_state())
    assert copy.export_state() == store.export_state()
    copy._add("New fact", "2024-03-01T00:00", "x")
    assert "mem0005" in copy.memories  # ids continue after a restore


def test_parsers_are_lenient_but_strict_about_shape():
    assert parse_facts({"facts": ["a", " a ", {"fact": "b"}, 3, None, ""]}) == ["a", "b", "3"]
    with pytest.raises(ValueError):
        parse_facts({"facts": "a"})
    with pytest.raises(KeyError):
        parse_facts({"memories": []})
    assert parse_events({"memory": [{"id": 0, "event": "update", "text": "x"}, {"id": "1", "event": "MERGE"}, "junk"]}) == [
        {"id": "0", "event": "UPDATE", "text": "x", "old_memory": ""}]


def test_apply_drops_unknown_ids_and_empty_texts():
    store = FactStore()
    store._add("Likes tea", "2024-01-01T00:00", "c0")
    store.apply([{"id": "5", "event": "DELETE", "text": "", "old_memory": ""},
                 {"id": "0", "event": "UPDATE", "text": "", "old_memory": ""},
                 {"id": "0", "event": "UPDATE", "text": "Likes tea", "old_memory": ""},
                 {"id": "x", "event": "ADD", "text": "likes TEA", "old_memory": ""},
                 {"id": "x", "event": "ADD", "text": "", "old_memory": ""}], ["mem0000"], "2024-01-02T00:00", "c1")
    assert store.ops == {"ADD": 1, "UPDATE": 0, "DELETE": 0, "NONE": 2, "failed": 0, "dropped": 3}
    assert [m["text"] for m in store.memories.values()] == ["Likes tea"]


def test_extraction_sees_the_users_lines_unless_asked_for_all(store_db):
    from memcurve.evals.memory.fact_store import extraction_prompt
    from memcurve.errors import ConfigError

    conversation = load_history(store_db, H2).conversations[0]
    user_only = extraction_prompt(conversation).rsplit("Conversation on ", 1)[-1]
    assert user_only == ("2024-02-05:\nUser: Help me write a note to my boss. My manager is Oluwaseun.\n"
                         'JSON: {"facts": [')
    assert "Assistant: Sure, here is a short note" in extraction_prompt(conversation, "all")
    assert FactStore(speakers="all").config()["speakers"] == "all"
    with pytest.raises(ConfigError, match="invalid speakers 'bot'; valid: user, all"):
        FactStore(speakers="bot")
