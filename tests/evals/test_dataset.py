"""DuckDB -> Samples: ids, metadata (no history text), grouping order, filters and limits."""

import pytest

from memcurve.evals.dataset import load_samples
from memcurve.errors import ConfigError, StoreError


def test_one_sample_per_solver_history_question_with_small_metadata(tiny_store):
    samples = load_samples(tiny_store, solvers=["full_context", "rag"])
    assert len(samples) == 2 * 2 * 3
    s = next(x for x in samples if x.id == "rag:p000-h00-n0003:p000-q0002")
    assert s.input == "What day of the week did my dog wreck my shoes?"
    assert s.target == ["Tuesday", "Tue"]
    assert s.metadata == {
        "db": str(tiny_store.resolve()), "history_id": "p000-h00-n0003", "chain_id": "p000-h00",
        "persona_id": "p000", "size": 3, "history_tokens": 97, "question_id": "p000-q0002",
        "category": "temporal", "question_type": "temporal/weekday", "answer_kind": "text", "answer": "Tuesday",
        "aliases": ["Tue"], "rubric": "", "is_abstention": False, "evidence_count": 1,
        "evidence_ids": ["p000-c0001-m00"], "evidence_conversation_ids": ["p000-c0001"],
        "asked_at": "2024-01-20T12:00:00", "solver": "rag",
    }
    assert "Biscuit chewed" not in repr([x.metadata for x in samples])  # no history text in samples


def test_grouped_by_history_then_solver_then_question(tiny_store):
    ids = [s.id for s in load_samples(tiny_store, solvers=["full_context", "rag"])]
    assert ids[:6] == [f"{solver}:p000-h00-n0001:p000-q000{q}" for solver in ("full_context", "rag") for q in range(3)]
    assert all(i.split(":")[1] == "p000-h00-n0003" for i in ids[6:])


def test_filters_and_limits(tiny_store):
    assert {s.metadata["size"] for s in load_samples(tiny_store, sizes=[3])} == {3}
    cats = load_samples(tiny_store, categories=["abstention"])
    assert [s.id for s in cats] == ["full_context:p000-h00-n0001:p000-q0001", "full_context:p000-h00-n0003:p000-q0001"]
    assert cats[0].metadata["is_abstention"] is True
    # round robin over categories in canonical order: user_facts, abstention, temporal
    two = load_samples(tiny_store, sizes=[1], questions_per_history=2)
    assert [s.metadata["category"] for s in two] == ["user_facts", "abstention"]
    assert len(load_samples(tiny_store, histories_per_size=1)) == 6


def test_unavailable_values_fail_on_one_line(tiny_store, tmp_path):
    with pytest.raises(ConfigError, match=r"^size 5 not in .*tiny.duckdb; available: 1, 3$"):
        load_samples(tiny_store, sizes=[5])
    with pytest.raises(ConfigError, match=r"^category 'preferences' has no questions in .*; present: abstention, temporal, user_facts$"):
        load_samples(tiny_store, categories=["preferences"])
    with pytest.raises(StoreError, match="no such benchmark file"):
        load_samples(tmp_path / "missing.duckdb")
