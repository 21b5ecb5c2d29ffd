"""Read-only SQL over an imported benchmark, shared by the importer tests."""

from __future__ import annotations

from pathlib import Path

from memcurve.generators.store import open_store

TABLES = ("personas", "conversations", "messages", "questions", "evidence", "histories",
          "history_conversations", "history_questions")


def query(db: Path, sql: str, *params) -> list[tuple]:
    con = open_store(db)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def row_counts(db: Path, tables: tuple[str, ...] = TABLES) -> dict[str, int]:
    """Rows per table, in one connection."""
    con = open_store(db)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        con.close()
