"""The answer prompt shared by every solver, the token budget for the history, and what solvers record.

Layout: ONE user message with two text parts, history first and question last, so every question of a
history shares an identical prefix (KV-cache reuse offline, prompt caching with Anthropic: the history
part carries an explicit cache breakpoint where the solver asks for it). Providers that read plain
text get the parts joined by a newline (`ChatMessage.text`).
"""

from __future__ import annotations

from datetime import datetime

from inspect_ai.model import ChatMessageUser, ContentText, get_model
from inspect_ai.model._generate_config import active_generate_config
from inspect_ai.solver import TaskState

from memcurve.evals.context import RenderedContext
from memcurve.evals.contract import SolverRecord
from memcurve.evals.history import History
from memcurve.evals.models import context_window as model_context_window
from memcurve.generators.tokens import estimate_tokens

HISTORY_INTRO = "Below are earlier conversations between a user and an AI assistant, oldest first."
NOTHING_FITS = "(none)"  # every conversation dropped (truncation) or no evidence (oracle)
WITH_HISTORY = (
    "Reply in a few words, using only the conversations above. If they do not mention the answer, reply "
    "\"I don't know\"."
)
WITHOUT_HISTORY = "Reply in a few words. If you do not know the answer, reply \"I don't know\"."

DEFAULT_ANSWER_TOKENS = 512  # reserved for the reply when neither the run nor the provider sets max_tokens
MARGIN_FRACTION = 0.10  # slack for the gap between the store's token estimate and the model's tokenizer
MARGIN_TOKENS = 16
QUESTION_TOKENS = 96  # reserved for the question text (generated questions are 5-30 tokens)


def asked_on(asked_at: str) -> str:
    return f"{datetime.fromisoformat(asked_at):%A, %Y-%m-%d %H:%M}"


def question_part(question: str, asked_at: str, with_history: bool = True) -> str:
    """The question block that ends every prompt (starts with a newline: it follows the history part)."""
    instruction = WITH_HISTORY if with_history else WITHOUT_HISTORY
    lead = "\n" if with_history else ""
    return f"{lead}\nThe user asks on {asked_on(asked_at)}. {instruction}\n\nQuestion: {question}\nAnswer:"


def history_part(context: RenderedContext) -> str:
    return f"{HISTORY_INTRO}\n\n{context.text or NOTHING_FITS}"


def answer_message(state: TaskState, context: RenderedContext | None, cache_history: bool = False) -> ChatMessageUser:
    """The one user message: history part (if any) then question part."""
    question = question_part(state.input_text, state.metadata["asked_at"], with_history=context is not None)
    if context is None:
        return ChatMessageUser(content=question.lstrip("\n"))
    history = ContentText(text=history_part(context), cache_breakpoint=True if cache_history else None)
    return ChatMessageUser(content=[history, ContentText(text=question)])


def context_window(model) -> int | None:
    """The model's context window (the live gguf window, or a known API model's), None when unknown."""
    return model_context_window(model)


def answer_tokens() -> int:
    """max_tokens of the current generation (run config, then provider default, then ours)."""
    model = get_model()
    config = model.config.merge(active_generate_config())
    return (config.max_tokens or model.api.max_tokens_for_config(config) or model.api.max_tokens()
            or DEFAULT_ANSWER_TOKENS)


def history_budget(window: int | None, max_tokens: int, reserve_tokens: int) -> int | None:
    """Tokens left for conversations: window - reply - question/instructions - safety margin."""
    if window is None:
        return None
    margin = int(window * MARGIN_FRACTION) + MARGIN_TOKENS
    return max(0, window - max_tokens - reserve_tokens - margin)


def budget_for(max_context_tokens: int | None, context_budget: int | None = None) -> int | None:
    """The history budget for the current model (None = unlimited), capped at `context_budget` tokens.

    It does not depend on the question, so every question of a history keeps the same conversations
    (identical prefix); QUESTION_TOKENS is reserved for the question text itself. `context_budget`
    (-T context_budget) is the same cap for every solver and memory system, so runs compare systems at
    equal context cost rather than equal top-k.
    """
    window = max_context_tokens or context_window(get_model())
    fitted = None if window is None else history_budget(window, answer_tokens(), PROMPT_RESERVE_TOKENS)
    if context_budget is None:
        return fitted
    return context_budget if fitted is None else min(fitted, context_budget)


PROMPT_RESERVE_TOKENS = (estimate_tokens(HISTORY_INTRO) + estimate_tokens(question_part("", "2000-01-01T00:00:00"))
                         + QUESTION_TOKENS)


def record(state: TaskState, solver: str, context: RenderedContext | None, *, truncated: bool = False,
           dropped_conversations: int = 0, retrieved_units: list[list[str]] | None = None,
           history: History | None = None, k: int | None = None, unit: str | None = None, **extra) -> None:
    """Write what the model was given into the sample store, as a SolverRecord (evals.contract).

    A ranking (`retrieved_units`) is recorded with each unit's conversation, looked up in `history`.
    """
    conversations = None
    if retrieved_units is not None and history is not None:
        conversations = [history.message_index[u[0]].conversation_id if u else "" for u in retrieved_units]
    SolverRecord(solver=solver, context_message_ids=list(context.message_ids) if context else [],
                 context_tokens=context.tokens if context else 0, truncated=truncated,
                 dropped_conversations=dropped_conversations, retrieved_units=retrieved_units,
                 retrieved_conversations=conversations, k=k, unit=unit, **extra).write(state.store)
