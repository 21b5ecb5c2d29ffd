"""Real dialogue as filler text: chats read from corpora the user has downloaded, in their common shapes.

LongMemEval fills its haystacks with real user-assistant sessions (ShareGPT, UltraChat); memcurve can do the
same around its planted evidence and keep its guarantees, because every chat is screened before use.

Shapes read (a JSON array of records, or JSON Lines with one record a line):
- OpenAI messages: a list of `{role, content}`, or an object with `messages: [...]` (fine-tuning files);
- ShareGPT: `{id, conversations: [{from: human|gpt|system, value}]}`;
- UltraChat: `{id, data: [user, assistant, user, ...]}` or a bare list of strings, alternating from the user;
- LongMemEval files: records with `haystack_sessions` (lists of `{role, content, has_answer}`); sessions that
  hold an answer (`has_answer` on any turn, or listed in `answer_session_ids`) are never taken;
- a memcurve store (`.duckdb`, generated or imported): its conversations that hold no question's evidence.

Each chat keeps its provenance: the source file, the file's sha256 and the record id (the record's own
`id`/`question_id` where it has one, else its position), plus the session index inside a record.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memcurve.errors import InputFormatError

SPEAKER_NAMES = {
    "user": "user", "human": "user", "prompter": "user",
    "assistant": "assistant", "gpt": "assistant", "bot": "assistant", "chatgpt": "assistant", "model": "assistant",
    "bard": "assistant", "claude": "assistant",
}
SKIPPED_ROLES = {"system", "tool", "function", "developer"}
MAX_RECORDS = 5_000_000  # a runaway source ends with an error, never an unbounded read
MAX_TEXT_CHARS = 200_000  # one message longer than this is not dialogue (a pasted file); the chat is skipped


@dataclass(frozen=True)
class SourceChat:
    """One chat from a corpus: alternating (speaker, text) turns and where it came from."""

    source: str  # file name as given
    sha256: str  # of the whole source file
    record_id: str  # e.g. "sharegpt_abc123" or "17" or "17/session 3"
    turns: tuple[tuple[str, str], ...]

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.turns)


def read_chats(path: Path) -> Iterator[SourceChat]:
    """Every chat of a source file, in file order (no screening: see screen.py's `screen_chats`)."""
    path = Path(path)
    if not path.is_file():
        raise InputFormatError(f"{path}: no such file")
    digest = _sha256(path)
    if path.suffix == ".duckdb":
        yield from _store_chats(path, digest)
        return
    for record_id, record in _records(path):
        yield from _record_chats(path, digest, record_id, record)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _records(path: Path) -> Iterator[tuple[str, Any]]:
    """(position, record) of a JSON array or of JSON Lines, streamed."""
    with path.open("rb") as f:
        head = f.read(4096).lstrip()
    if not head:
        raise InputFormatError(f"{path}: empty file")
    if head[:1] == b"[":
        yield from _array_records(path)
    elif head[:1] == b"{":
        yield from _jsonl_records(path)
    else:
        raise InputFormatError(f"{path}: expected a JSON array or JSON Lines of chats, found {head[:20]!r}")


def _array_records(path: Path) -> Iterator[tuple[str, Any]]:
    import ijson

    with path.open("rb") as f:
        try:
            for position, record in enumerate(ijson.items(f, "item", use_float=True)):
                if position >= MAX_RECORDS:
                    raise InputFormatError(f"{path}: more than {MAX_RECORDS:,} records")
                yield str(position), record
        except ijson.JSONError as exc:
            raise InputFormatError(f"{path}: not valid JSON ({str(exc).splitlines()[0]})") from None


def _jsonl_records(path: Path) -> Iterator[tuple[str, Any]]:
    with path.open(encoding="utf-8", errors="strict") as f:
        try:
            for position, line in enumerate(f):
                if position >= MAX_RECORDS:
                    raise InputFormatError(f"{path}: more than {MAX_RECORDS:,} records")
                if line.strip():
                    try:
                        yield str(position), json.loads(line)
                    except (json.JSONDecodeError, RecursionError) as exc:
                        raise InputFormatError(f"{path}: line {position + 1}: not valid JSON ({exc})") from None
        except UnicodeDecodeError as exc:
            raise InputFormatError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _record_chats(path: Path, digest: str, position: str, record: Any) -> Iterator[SourceChat]:
    where = f"{path}: record {position}"
    if isinstance(record, dict) and "haystack_sessions" in record:
        yield from _longmemeval_sessions(path, digest, position, record, where)
        return
    record_id = _record_id(record, position)
    turns = _turns(record, where)
    if turns:
        yield SourceChat(str(path), digest, record_id, turns)


def _record_id(record: Any, position: str) -> str:
    if isinstance(record, dict):
        for key in ("id", "question_id", "conversation_id", "chat_id"):
            if isinstance(record.get(key), (str, int)) and not isinstance(record.get(key), bool):
                return str(record[key])
    return position


def _turns(record: Any, where: str) -> tuple[tuple[str, str], ...]:
    """The (speaker, text) turns of one chat record in any of the shapes above."""
    if isinstance(record, dict):
        for key in ("messages", "conversations", "conversation", "data", "dialog", "turns"):
            if key in record:
                return _turns(record[key], f"{where}: field {key!r}")
        raise InputFormatError(f"{where}: no chat found (expected 'messages', 'conversations' or 'data')")
    if not isinstance(record, list):
        raise InputFormatError(f"{where}: has type {type(record).__name__}, expected a chat (list or object)")
    if all(isinstance(item, str) for item in record):  # UltraChat: alternating, the user first
        return tuple(("user" if i % 2 == 0 else "assistant", text) for i, text in enumerate(record))
    turns = []
    for i, item in enumerate(record):
        if not isinstance(item, dict):
            raise InputFormatError(f"{where}[{i}]: has type {type(item).__name__}, expected a message object")
        role = item.get("role", item.get("from", item.get("speaker")))
        text = item.get("content", item.get("value", item.get("text")))
        if not isinstance(role, str) or role.lower() in SKIPPED_ROLES:
            if isinstance(role, str):
                continue
            raise InputFormatError(f"{where}[{i}]: field 'role' (or 'from') missing")
        if role.lower() not in SPEAKER_NAMES:
            raise InputFormatError(f"{where}[{i}]: role {role!r} is neither a user nor an assistant "
                                   f"(known: {', '.join(sorted(SPEAKER_NAMES))})")
        turns.append((SPEAKER_NAMES[role.lower()], _content_text(text, f"{where}[{i}]")))
    return tuple(turns)


def _content_text(content: Any, where: str) -> str:
    """A message's text: a string, or OpenAI's list of content parts (text parts joined)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str))
    raise InputFormatError(f"{where}: field 'content' has type {type(content).__name__}, expected text")


def _longmemeval_sessions(path: Path, digest: str, position: str, record: dict, where: str) -> Iterator[SourceChat]:
    sessions = record["haystack_sessions"]
    if not isinstance(sessions, list):
        raise InputFormatError(f"{where}: field 'haystack_sessions' has type {type(sessions).__name__}, expected list")
    ids = record.get("haystack_session_ids") or [None] * len(sessions)
    answer_ids = set(record.get("answer_session_ids") or ())
    record_id = _record_id(record, position)
    for index, (session, session_id) in enumerate(zip(sessions, ids)):
        if session_id in answer_ids or any(isinstance(t, dict) and t.get("has_answer") for t in session or ()):
            continue  # an answer session: evidence of the source benchmark, never filler
        turns = _turns(session, f"{where}: haystack_sessions[{index}]")
        if turns:
            yield SourceChat(str(path), digest, f"{record_id}/{session_id or f'session {index}'}", turns)


def _store_chats(path: Path, digest: str) -> Iterator[SourceChat]:
    """Conversations of a memcurve store that hold no question's evidence, in id order."""
    from memcurve.generators.store import open_store

    con = open_store(path)
    try:
        rows = con.execute("""
            SELECT m.conversation_id, list(m.speaker ORDER BY m.position), list(m.text ORDER BY m.position)
            FROM messages m
            WHERE m.conversation_id NOT IN (
                SELECT DISTINCT mm.conversation_id FROM evidence e JOIN messages mm USING (message_id))
            GROUP BY m.conversation_id ORDER BY m.conversation_id""").fetchall()
    finally:
        con.close()
    for conversation_id, speakers, texts in rows:
        yield SourceChat(str(path), digest, conversation_id, tuple(zip(speakers, texts)))


WORD = re.compile(r"[a-z0-9']+")


def words_of(text: str) -> list[str]:
    return WORD.findall(text.lower())


def iter_ngrams(tokens: list[str], longest: int) -> Iterable[tuple[str, ...]]:
    for n in range(1, longest + 1):
        for i in range(len(tokens) - n + 1):
            yield tuple(tokens[i:i + n])
