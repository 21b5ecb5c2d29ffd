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
    from memcurve.generators.store import content_hash, open_store

    with open_store(tiny_store, read_only=True) as con:
        digest = content_hash(con)
    assert s.metadata == {
        "db": str(tiny_store.resolve()), "dataset_hash": digest, "text_source": "imported from tests.support",
        "history_id": "p000-h00-n0003", "chain_id": "p000-h00",
        "persona_id": "p000", "size": 3, "history_tokens": 97, "question_id": "p000-q0002",
        "category": "temporal", "question_type": "temporal/weekday", "answer_kind": "text", "answer": "Tuesday",
        "aliases": ["Tue"], "rubric": "", "is_abstention": False, "evidence_count": 1, "overlap_level": "low",
        "evidence_ids": ["p000-c0001-m00"], "evidence_conversation_ids": ["p000-c0001"],
        "asked_at": "2024-01-20T12:00:00", "solver": "rag",
    }
    assert "Biscuit chewed" not in repr([x.metadata for x in samples])  # no history text in samples


def test_leads_cover_every_solver_and_size_then_blocks_by_history_solver_question(tiny_store):
    samples = load_samples(tiny_store, solvers=["full_context", "rag"])
    ids = [s.id for s in samples]
    # one lead per (size, solver): the first question (round robin) of the first history of each size
    assert ids[:4] == ["full_context:p000-h00-n0001:p000-q0000", "rag:p000-h00-n0001:p000-q0000",
                       "full_context:p000-h00-n0003:p000-q0000", "rag:p000-h00-n0003:p000-q0000"]
    assert {(s.metadata["solver"], s.metadata["size"]) for s in samples[:4]} == {
        (solver, size) for solver in ("full_context", "rag") for size in (1, 3)}
    # the rest: each (history, solver) block contiguous, in history, then solver order
    rest = [tuple(i.split(":")[:2]) for i in ids[4:]]
    assert rest == sorted(rest, key=lambda b: (b[1], b[0] != "full_context"))
    assert len(ids) == len(set(ids)) == 12


def test_blocks_are_the_order_before_the_leads(tiny_store):
    """sample_blocks: the same samples, every history's questions back to back (history, then solver), which
    the offline-model bench compares against the task's order."""
    from memcurve.evals.dataset import sample_blocks

    blocks = sample_blocks(tiny_store, solvers=["full_context", "rag"])
    flat = [s.id for _, _, block in blocks for s in block]
    assert [(hid, solver) for hid, solver, _ in blocks] == [
        (h, solver) for h in ("p000-h00-n0001", "p000-h00-n0003") for solver in ("full_context", "rag")]
    assert flat[:3] == [f"full_context:p000-h00-n0001:p000-q000{i}" for i in range(3)]
    assert sorted(flat) == sorted(s.id for s in load_samples(tiny_store, solvers=["full_context", "rag"]))
    assert flat != [s.id for s in load_samples(tiny_store, solvers=["full_context", "rag"])]


def test_spread_order_puts_the_extremes_first():
    from memcurve.evals.dataset import spread_order

    assert spread_order([1, 4, 12, 36, 100]) == [1, 100, 12, 4, 36]
    assert sorted(spread_order(list(range(15)))) == list(range(15))
    assert spread_order([7]) == [7] and spread_order([]) == []


def test_filters_and_limits(tiny_store):
    assert {s.metadata["size"] for s in load_samples(tiny_store, sizes=[3])} == {3}
    cats = load_samples(tiny_store, categories=["abstention"])
    assert [s.id for s in cats] == ["full_context:p000-h00-n0001:p000-q0001", "full_context:p000-h00-n0003:p000-q0001"]
    assert cats[0].metadata["is_abstention"] is True
    # round robin over categories in canonical order: user_facts, abstention, temporal
    two = load_samples(tiny_store, sizes=[1], questions_per_history=2)
    assert sorted(s.metadata["category"] for s in two) == ["abstention", "user_facts"]
    assert len(load_samples(tiny_store, histories_per_size=1)) == 6


def test_unavailable_values_fail_on_one_line(tiny_store, tmp_path):
    with pytest.raises(ConfigError, match=r"^size 5 not in .*tiny.duckdb; available: 1, 3$"):
        load_samples(tiny_store, sizes=[5])
    with pytest.raises(ConfigError, match=r"^category 'preferences' has no questions in .*; present: abstention, temporal, user_facts$"):
        load_samples(tiny_store, categories=["preferences"])
    with pytest.raises(StoreError, match="no such benchmark file"):
        load_samples(tmp_path / "missing.duckdb")
