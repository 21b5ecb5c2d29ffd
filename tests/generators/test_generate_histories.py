"""History chains: van der Corput filler order, evidence at early/middle/recent places that hold across sizes,
entry order that nests histories, and chain formation that respects per-chain caps."""

from __future__ import annotations

import random

import duckdb
import pytest

from memcurve.generators.config import CONVOMEM_SIZES, build_config
from memcurve.generators.generate import generate
from memcurve.generators.histories import TARGETS, Shape, form_chains, layout_chain, van_der_corput


def test_van_der_corput_is_a_permutation_with_even_prefixes():
    order = van_der_corput(300)
    assert sorted(order) == list(range(300))
    for k in (4, 16, 64):
        prefix = sorted(order[:k])
        gaps = [b - a for a, b in zip(prefix, prefix[1:])]
        assert max(gaps) <= 2.5 * 300 / k


def test_layout_places_evidence_near_its_target_and_keeps_it_across_sizes():
    rng = random.Random(5)
    m = 300
    layout = layout_chain([1, 2, 3, 1, 6, 1], m, rng)
    assert sorted(layout.order) == list(range(m))
    assert layout.entry == sorted(layout.entry) and layout.entry[0] == 1
    for slots, target in zip(layout.slots, layout.target):
        assert slots == sorted(slots)
        assert abs(sum(slots) / len(slots) / (m - 1) - target) < 0.12
    # relative place of each question's first evidence in every history that holds it
    for qi, slots in enumerate(layout.slots):
        places = []
        for size in CONVOMEM_SIZES:
            if size < layout.entry[qi] or size < 30:
                continue
            history = sorted(layout.order[:size])
            places.append(history.index(slots[0]) / (size - 1))
        assert places and max(places) - min(places) < 0.25, (qi, places)
    assert {round(t, 1) for t in layout.target} <= {round(t + d, 1) for t in TARGETS for d in (-0.1, 0, 0.1)}


def test_layout_refuses_a_chain_larger_than_the_timeline():
    with pytest.raises(ValueError):
        layout_chain([3, 3], 5, random.Random(0))


def test_form_chains_keeps_evidence_counts_apart_and_respects_caps():
    shapes = [Shape(i, "changing_facts" if i % 2 else "user_facts", 1 + i % 3,
                    {"evidence": 1 + i % 3, **({"changing_facts": 1} if i % 2 else {})}) for i in range(60)]
    caps = {"evidence": 12, "changing_facts": 2}
    chains = form_chains(shapes, 5, lambda resource, n: caps[resource])
    assert sorted(s.index for c in chains for s in c) == list(range(60))
    for chain in chains:
        assert len(chain) <= 5 and len({s.n for s in chain}) == 1
        assert sum(s.n for s in chain) <= 12
        assert sum(s.category == "changing_facts" for s in chain) <= 2


def test_small_sizes_hold_single_evidence_questions_and_every_size_gets_a_history(tmp_path):
    out = tmp_path / "b.duckdb"
    generate(build_config({"seed": 5, "personas": 1, "questions_per_category": 6, "questions_per_history": 8,
                           "sizes": list(CONVOMEM_SIZES[:9])}), out, force=False, progress=False)
    con = duckdb.connect(str(out), read_only=True)
    sizes = {s for (s,) in con.execute("SELECT DISTINCT size FROM histories").fetchall()}
    first = con.execute("""SELECT min(h.size), q.evidence_count FROM history_questions hq JOIN histories h USING (history_id)
                           JOIN questions q USING (question_id) GROUP BY q.question_id, q.evidence_count""").fetchall()
    con.close()
    assert sizes == set(CONVOMEM_SIZES[:9])
    assert all(smallest >= n for smallest, n in first)
    # the first question of every chain is asked at exactly its evidence count
    assert {n for smallest, n in first if smallest == n} == {n for _, n in first}
