"""The sample contract: what the dataset puts in a sample's metadata and what solvers record in its store.

Two typed models, read and written only through here:
- SampleMeta: the metadata evals.dataset gives every memory sample (read with `state.metadata_as`).
- SolverRecord: what a solver showed the model and how it chose it (written by
  evals.solvers.prompt.record, read by the scorers and by evals.analysis.results).
The store keeps flat keys ("solver", "retrieved_units", ...), so logs stay readable by name; an
undeclared key is an error when written, so a new field is declared here before any solver writes it.

Retrieved units carry their conversation ids (`retrieved_conversations`) and samples carry the
conversation of each evidence message (`evidence_conversation_ids`), so no scorer parses message ids
(imported ids such as LoCoMo's `conv-26:D5:2` follow no id convention).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class SampleMeta(BaseModel):
    """Metadata of one (solver, history, question) sample."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    db: str
    dataset_hash: str | None = None  # the store's content hash, so reports never pool two benchmarks
    text_source: str | None = None  # templates, real-chat fillers, a writer model, or the imported dataset
    history_id: str
    chain_id: str | None = None
    persona_id: str | None = None
    size: int
    history_tokens: int | None = None  # measured with the store's meta.tokenizer
    overlap_level: str | None = None  # high | medium | low | none (generators.overlap); None: older stores
    question_id: str
    category: str
    question_type: str | None = None
    answer_kind: str = "text"
    answer: str = ""
    aliases: list[str] = []
    rubric: str = ""
    is_abstention: bool = False
    evidence_count: int = 0
    evidence_ids: list[str] = []
    evidence_conversation_ids: list[str] = []  # the conversation of each evidence message, aligned
    asked_at: str
    solver: str

    def evidence_conversations(self) -> dict[str, str]:
        """evidence message id -> its conversation id."""
        return dict(zip(self.evidence_ids, self.evidence_conversation_ids))


class SolverRecord(BaseModel):
    """What one solver recorded for one sample (None = not recorded by this solver)."""

    model_config = ConfigDict(extra="forbid")

    solver: str
    # what the model was shown
    context_message_ids: list[str] = []
    context_tokens: int = 0
    truncated: bool = False
    dropped_conversations: int = 0
    # a ranking (rag, oracle): units best first, each a list of message ids, and each unit's conversation
    retrieved_units: list[list[str]] | None = None
    retrieved_conversations: list[str] | None = None
    k: int | None = None
    unit: str | None = None
    relevant_units: int | None = None  # units of the history holding evidence, when the solver knows
    dropped_units: int | None = None
    retrieval_scores: list[float] | None = None
    # rag options that changed the ranking
    retriever: str | None = None
    key: str | None = None
    key_model: str | None = None
    key_facts: int | None = None
    key_failures: int | None = None
    time_range: dict[str, str] | None = None
    time_range_status: str | None = None
    time_range_raw: str | None = None
    time_range_sessions: int | None = None
    # memory:<system>
    memory_system: str | None = None
    memory_items: int | None = None
    memory_ops: dict[str, int] | None = None
    memory_key: str | None = None
    memory_source: str | None = None
    memory_reused_conversations: int | None = None
    memory_details: dict[str, Any] | None = None
    memory_texts: list[str] | None = None  # live model-written items (stage attribution searches them)
    memory_verbatim_conversations: list[str] | None = None  # conversations kept word for word
    ingest_tokens: int | None = None
    ingest_calls: int | None = None
    ingest_failed_calls: int | None = None
    ingest_embedding_tokens: int | None = None  # embedded through the model bridge, by the embedder's tokenizer
    ingest_embedding_calls: int | None = None
    ingest_tokens_per_conversation: float | None = None
    ingest_tokens_this_sample: int | None = None
    ingest_seconds: float | None = None  # wall time until the memory was searchable (cumulative over its build)
    context_budget: int | None = None  # -T context_budget the solver kept to (None = the window only)

    ALWAYS: ClassVar[tuple[str, ...]] = ("solver", "context_message_ids", "context_tokens", "truncated",
                               "dropped_conversations", "k", "unit")

    def write(self, store: Any) -> None:
        """Set the always-written keys, and every other key this solver recorded (not None)."""
        for name, value in self.model_dump().items():
            if value is not None or name in self.ALWAYS:
                store.set(name, value)

    @classmethod
    def read(cls, store: Mapping[str, Any] | Any) -> "SolverRecord | None":
        """The record in a sample store (Inspect's Store or a log's dict); None when no solver wrote one."""
        if store is None or store.get("solver") is None:
            return None
        values = {name: store.get(name) for name in cls.model_fields}
        return cls.model_validate({name: value for name, value in values.items() if value is not None})

