"""Where a benchmark's conversation text comes from: templates, real chats (`fillers_from`), a writer model.

Applied to a freshly generated store before it is moved into place, so a failure leaves nothing behind and
`validate` checks the result like any other benchmark. meta records the text source (`text_source`), the
screening counts and provenance summary of real fillers (`fillers_from`) and the writer's counts and tokens
(`writer`); `conversation_sources` holds each real filler's source file, sha256 and record id.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from memcurve.generators.chat_sources import read_chats
from memcurve.generators.filler_screen import ScreenLimits, ScreenReport, screen_chats
from memcurve.generators.filler_swap import swap_fillers
from memcurve.generators.personas import ASSISTANT_SLOTS, CHANGING_SLOTS, NEGATIVE_SLOTS, USER_SLOTS, pool
from memcurve.generators.rows import RowBuffer
from memcurve.generators.store import write_meta


def slot_values(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every named value a question could be about: all slot pools and the store's facts, bare numbers aside."""
    pools = {p for slots in (USER_SLOTS, ASSISTANT_SLOTS, CHANGING_SLOTS, NEGATIVE_SLOTS) for p in slots.values()}
    values = {v for p in sorted(pools) for v in pool(p)}
    values.update(v for (v,) in con.execute("SELECT DISTINCT value FROM facts").fetchall())
    return {v for v in values if not _is_number(v)}  # counts and sums are not names: "4" can't compete alone


def _is_number(value: str) -> bool:
    return value.replace(",", "").replace(".", "", 1).strip().isdigit()


def text_source(fillers_from: Sequence[str], writer: str | None) -> str:
    parts = ["templates"] if not fillers_from else ["templates (evidence)", "real chats (fillers)"]
    if writer:
        parts.append(f"rewritten by {writer}")
    return " + ".join(parts)


def apply_text_sources(con: duckdb.DuckDBPyConnection, *, seed: int, fillers_from: Sequence[str] = (),
                       writer=None, writer_options: dict | None = None, limits: ScreenLimits = ScreenLimits(),
                       progress: bool = False) -> dict:
    """Swap in real fillers, then rewrite with the writer model; returns (and writes) the meta entries."""
    meta: dict = {"text_source": text_source(fillers_from, _writer_name(writer))}
    if fillers_from:
        forbidden = slot_values(con)
        report = ScreenReport()
        chats = list(screen_chats((c for path in fillers_from for c in read_chats(Path(path))), forbidden, limits,
                                  report))
        provenance, swapped = swap_fillers(con, chats, seed)
        rows = RowBuffer()
        for p in provenance:
            rows.add("conversation_sources", p.conversation_id, p.source, p.sha256, p.record_id)
        rows.flush(con)
        meta["fillers_from"] = {"sources": [Path(p).name for p in fillers_from], "screening": report.as_meta(),
                                **swapped}
    if writer is not None:
        from memcurve.generators.writer import WriterSettings, rewrite_store

        settings = WriterSettings(model=writer, seed=seed, **(writer_options or {}))
        meta["writer"] = rewrite_store(con, settings, slot_values(con), progress=progress)
    write_meta(con, meta)
    return meta


def _writer_name(writer) -> str | None:
    return writer if isinstance(writer, str) or writer is None else str(writer)
