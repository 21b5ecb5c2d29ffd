"""Render a history, or chosen messages of it, as prompt text within a token budget.

One format for every solver: conversations in chronological order, each headed with its date and time,
then one line per message ("User: ..." / "Assistant: ..."). Token counts are estimates built from the
store's `messages.tokens` plus the few tokens of headers and speaker labels, so fitting a budget needs
no tokenizer and costs nothing per question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from memcurve.evals.history import Conversation, History, Message
from memcurve.generators.tokens import estimate_tokens

SPEAKER_LABELS = {"user": "User", "assistant": "Assistant"}
_DIGITS = re.compile(r"\d+")
_LABEL_TOKENS = {speaker: estimate_tokens(f"{label}:") for speaker, label in SPEAKER_LABELS.items()}


@dataclass(frozen=True)
class RenderedContext:
    text: str
    message_ids: tuple[str, ...]  # in prompt order
    tokens: int  # estimate
    conversations: int  # how many conversations appear (wholly or in part)


def conversation_header(conversation: Conversation) -> str:
    return f"[Conversation on {conversation.started_at:%A, %Y-%m-%d %H:%M}]"


def message_line(message: Message) -> str:
    label = SPEAKER_LABELS.get(message.speaker, message.speaker.capitalize())
    return f"{label}: {message.text}"


def header_tokens(header: str) -> int:
    """Tokens of a date header, counting every digit: Gemma and Llama tokenizers split digit runs."""
    return estimate_tokens(header) + sum(len(run) - 1 for run in _DIGITS.findall(header))


def block_tokens(conversation: Conversation, messages: Sequence[Message] | None = None) -> int:
    """Estimated tokens of one rendered conversation block (all its messages unless given)."""
    messages = conversation.messages if messages is None else messages
    header = header_tokens(conversation_header(conversation))
    return header + sum(m.tokens + _LABEL_TOKENS.get(m.speaker, 2) for m in messages)


def render(history: History, message_ids: Iterable[str] | None = None) -> RenderedContext:
    """Render the whole history, or only `message_ids`, grouped by conversation in chronological order.

    The order of `message_ids` does not matter: the prompt always follows the history's own order.
    """
    if message_ids is None:
        selected = [(c, c.messages) for c in history.conversations]
    else:  # only the conversations that hold a wanted message, in history order (cheap for small picks)
        wanted = {mid for mid in message_ids if mid in history.message_index}
        positions = sorted({history.conversation_index[history.message_index[mid].conversation_id] for mid in wanted})
        selected = [(c, [m for m in c.messages if m.message_id in wanted])
                    for c in (history.conversations[p] for p in positions)]
    blocks, ids, tokens, count = [], [], 0, 0
    for conversation, messages in selected:
        lines = [conversation_header(conversation), *(message_line(m) for m in messages)]
        blocks.append("\n".join(lines))
        ids.extend(m.message_id for m in messages)
        tokens += block_tokens(conversation, messages)
        count += 1
    return RenderedContext("\n\n".join(blocks), tuple(ids), tokens, count)


def keep_recent(conversations: Sequence[Conversation], budget: int | None) -> tuple[Sequence[Conversation], int]:
    """The most recent conversations whose rendering fits `budget` tokens, and how many were dropped.

    Keeps a contiguous recent suffix (memory fades from the oldest end); None means no limit.
    """
    if budget is None:
        return conversations, 0
    used, start = 0, len(conversations)
    for i in range(len(conversations) - 1, -1, -1):
        cost = block_tokens(conversations[i])
        if used + cost > budget:
            break
        used += cost
        start = i
    return conversations[start:], start
