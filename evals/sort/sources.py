"""Texts to draw SORT questions from: any plain-text file, or conversation histories from a memcurve store.

A source is a named list of words (the text split on whitespace, as Book-SORT counts everything in words).
A history becomes text by listing its messages in time order as "User: ..." / "Assistant: ..." lines, so
"which came first" asks about the order of things said across the conversations of the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from memcurve.errors import ConfigError, InputFormatError, StoreError
from memcurve.evals.sort.gutenberg import strip_gutenberg
from memcurve.generators.store import open_store

SPEAKER_LABELS = {"user": "User:", "assistant": "Assistant:"}


@dataclass(frozen=True)
class SortText:
    """One text to ask SORT questions about: a file or a rendered history."""

    source: str             # file name or history id; goes into every sample's metadata
    words: tuple[str, ...]
    description: str = "the text"  # how the prompt names it: 'the text "book.txt"', 'a conversation history'

    @property
    def text(self) -> str:
        return " ".join(self.words)


def text_source(path: str | Path, *, gutenberg: bool = True) -> SortText:
    """Read a UTF-8 plain-text file; its whitespace-separated words are the units.

    gutenberg: drop a Project Gutenberg header and licence (evals.sort.gutenberg); False keeps the file as is.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFormatError(f"text: {p}: no such file")
    try:
        content = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputFormatError(f"text: {p}: not UTF-8 text (byte {exc.start})") from None
    if gutenberg:
        content = strip_gutenberg(content).text
    words = tuple(content.split())
    if not words:
        raise InputFormatError(f"text: {p}: the file has no words" + (" between its Project Gutenberg START and "
                                                                      "END markers" if gutenberg else ""))
    return SortText(source=p.name, words=words, description=f'the text "{p.name}"')


def render_history(con, history_id: str) -> str:
    """A history as chronological "User: ..." / "Assistant: ..." lines (one line per message)."""
    rows = con.execute(
        """
        SELECT m.speaker, m.text
        FROM history_conversations hc
        JOIN messages m ON m.conversation_id = hc.conversation_id
        WHERE hc.history_id = ?
        ORDER BY hc.position, m.position
        """,
        [history_id],
    ).fetchall()
    return "\n".join(f"{SPEAKER_LABELS.get(speaker, speaker.title() + ':')} {text}" for speaker, text in rows)


def store_sources(
    path: str | Path,
    *,
    history_sizes: Sequence[int] | None = None,
    history_limit: int | None = None,
) -> list[SortText]:
    """The histories of a store, as texts, ordered by size then id.

    history_sizes keeps only histories with that many conversations; history_limit keeps the first n.
    """
    con = open_store(path)
    try:
        sql = "SELECT history_id, size FROM histories"
        params: list = []
        if history_sizes:
            sql += f" WHERE size IN ({', '.join('?' for _ in history_sizes)})"
            params = [int(s) for s in history_sizes]
        sql += " ORDER BY size, history_id"
        ids = [row[0] for row in con.execute(sql, params).fetchall()]
        if not ids:
            available = sorted({r[0] for r in con.execute("SELECT DISTINCT size FROM histories").fetchall()})
            raise ConfigError(f"history_sizes: no history of size {list(history_sizes or [])} in {path}; "
                              f"sizes present: {available}")
        if history_limit is not None:
            if history_limit < 1:
                raise ConfigError(f"history_limit: must be at least 1, got {history_limit}")
            ids = ids[:history_limit]
        texts = [SortText(source=hid, words=tuple(render_history(con, hid).split()),
                          description="a conversation history between a user and an assistant")
                 for hid in ids]
    finally:
        con.close()
    empty = [t.source for t in texts if not t.words]
    if empty:
        raise StoreError(f"{path}: history {empty[0]} has no messages")
    return texts
