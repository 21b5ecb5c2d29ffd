"""Stage attribution in real Inspect runs: one planted miss of each kind, each attributed to its stage.

The benchmark is memory_support's (a changing fact: manager Oluwaseun -> Gwendolyn). The answering
model always replies "Bob", so every answer is wrong and only what each solver showed decides the stage:
- memory systems (a scripted system registered for the test): nothing kept -> extraction; only the
  old manager kept -> update; both managers kept as live facts and the old one shown -> update (never
  retired); the new manager kept but not shown -> retrieval; shown -> reader;
- context solvers: full_context with a window that keeps only recent conversations -> truncation;
  rag with k=1 over messages, where the other manager message ranks first -> retrieval; rag with k=2
  and a window for one unit -> truncation; full_context with room for everything -> reader.
"""

from __future__ import annotations

import math

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import MemoryDataset
from inspect_ai.model import GenerateConfig, get_model
from memory_support import H4, build_memory_store
from support import mock_output

from memcurve.evals.memory import SYSTEMS
from memcurve.evals.registry import Entry
from memcurve.evals.attribution import attribute_context, attribute_memory
from memcurve.evals.context import RenderedContext
from memcurve.evals.dataset import load_samples
from memcurve.evals.memory.protocol import MemoryContext, MemoryItem, empty_ops
from memcurve.evals.scorers.stages import SCORE_KEYS, stage_attribution
from memcurve.evals.solvers.full_context import full_context
from memcurve.evals.solvers.memory import memory
from memcurve.evals.solvers.rag import rag
from memcurve.generators.tokens import estimate_tokens

KEPT = {"extraction": ([], []), "update": (["Manager is Oluwaseun"], ["Manager is Oluwaseun"]),
        "update_live": (["Manager is Oluwaseun", "Manager is Gwendolyn"], ["Manager is Oluwaseun"]),
        "retrieval": (["Manager is Gwendolyn", "Lives in Leeds"], ["Lives in Leeds"]),
        "reader": (["Manager is Gwendolyn"], ["Manager is Gwendolyn"])}


class PlantedMiss:
    """A memory system whose contents and shown context are fixed by `variant` (no model calls)."""

    name = "planted"

    def __init__(self, variant: str):
        self.variant, self.ops = variant, empty_ops()

    def config(self):
        return {"variant": self.variant}

    async def ingest(self, conversation, llm):
        return None

    def context(self, query, history, budget):
        text = "\n".join(f"- {t}" for t in KEPT[self.variant][1]) or "(no memories)"
        return MemoryContext(RenderedContext(text, (), estimate_tokens(text), 0))

    def export_state(self):
        return {"variant": self.variant}

    def load_state(self, state):
        self.variant = state["variant"]

    def items(self):
        return [MemoryItem(t, True) for t in KEPT[self.variant][0]]


def run(db, solver, answer="Bob", question="p001-q0000"):
    samples = [s for s in load_samples(db, solvers=["x"]) if s.metadata["history_id"] == H4
               and s.metadata["question_id"] == question]
    model = get_model("mockllm/model", custom_outputs=lambda *a: mock_output(answer))
    [log] = eval(Task(dataset=MemoryDataset(samples), solver=solver, scorer=stage_attribution(),
                      config=GenerateConfig(max_tokens=16)), model=model, display="none", log_dir=None)
    assert log.status == "success", log.error
    [sample] = log.samples
    return sample.scores["stage_attribution"]


def stage_of(score) -> str:
    hits = [k for k, v in score.value.items() if v == 1.0]
    assert len(hits) == 1 and all(v == 0.0 for k, v in score.value.items() if k != hits[0])
    return hits[0].removeprefix("stage_")


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setitem(SYSTEMS._entries, "planted", Entry("planted", PlantedMiss, "a test system"))  # test only
    return build_memory_store(tmp_path / "m.duckdb")


@pytest.mark.parametrize("variant, stage", [("extraction", "extraction"), ("update", "update"),
                                            ("update_live", "update"), ("retrieval", "retrieval"), ("reader", "reader")])
def test_memory_misses_are_attributed_to_their_stage(db, variant, stage):
    score = run(db, memory(system="planted", memory_cache="off", options={"variant": variant}))
    assert stage_of(score) == stage


def test_context_solver_misses_are_attributed_to_their_stage(db):
    # a 250-token window leaves 31 tokens for the history: the evidence conversation (51 tokens) is cut
    assert stage_of(run(db, full_context(max_context_tokens=250))) == "truncation"
    assert stage_of(run(db, full_context(max_context_tokens=None))) == "reader"
    assert stage_of(run(db, rag(k=1, unit="message"))) == "retrieval"
    assert stage_of(run(db, rag(k=2, unit="message", max_context_tokens=210))) == "truncation"


def test_right_answers_have_no_stage(db):
    score = run(db, memory(system="planted", memory_cache="off", options={"variant": "reader"}), answer="Gwendolyn")
    assert all(math.isnan(score.value[k]) for k in SCORE_KEYS)


def test_rules_directly():
    assert attribute_context(["m1"], ["m1"], ["m1"]).stage == "reader"
    assert attribute_context(["m1", "m2"], ["m1"], ["m1", "m2"]).stage == "truncation"
    assert attribute_context(["m1", "m2"], ["m1"], ["m1"]).stage == "retrieval"
    assert attribute_context(["m1"], [], None).stage == "truncation"
    common = {"evidence": ["e"], "evidence_texts": ["my new manager is Gwendolyn"]}
    assert attribute_memory(["Gwendolyn"], ["Oluwaseun"], memory_texts=["boss: Oluwaseun"], context_text="",
                            **common).stage == "update"
    assert attribute_memory(["Gwendolyn"], [], memory_texts=["Gwendolyns"], context_text="", **common).stage == "extraction"
    # both kept: a live stale item shown instead is the update's miss; a verbatim stale text shown is retrieval's
    both = {"memory_texts": ["boss: Oluwaseun", "boss: Gwendolyn"], "context_text": "- boss: Oluwaseun"}
    assert attribute_memory(["Gwendolyn"], ["Oluwaseun"], derived_texts=both["memory_texts"], **both, **common).stage == "update"
    assert attribute_memory(["Gwendolyn"], ["Oluwaseun"], derived_texts=[], **both, **common).stage == "retrieval"
    # an item that names both values ("X left, Y took over") asserts the current one: not a stale item
    mixed = {"memory_texts": ["Oluwaseun left; boss: Gwendolyn"], "context_text": "- Oluwaseun left"}
    assert attribute_memory(["Gwendolyn"], ["Oluwaseun"], derived_texts=mixed["memory_texts"], **mixed, **common).stage == "retrieval"
    # the value is not in the evidence text (a computed answer): verbatim ids decide, else unattributed
    coded = {"evidence": ["e"], "evidence_texts": ["it was a Tuesday"]}
    assert attribute_memory(["2024-02-06"], [], memory_texts=[], context_text="", context_ids=["e"], **coded).stage == "reader"
    assert attribute_memory(["2024-02-06"], [], memory_texts=[], context_text="", verbatim_ids=["e"], **coded).stage == "retrieval"
    assert attribute_memory(["2024-02-06"], [], memory_texts=["x"], context_text="", **coded).stage is None
