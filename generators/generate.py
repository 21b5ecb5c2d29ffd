"""`memcurve generate`: personas -> planted questions -> history chains -> one DuckDB benchmark file.

Orchestration only: personas are independent (generators.build makes one, start to finish), so worker
processes build them in parallel while this process bulk-inserts each persona's Arrow tables in persona
order. Everything is checked before the output file is touched (generators.pack_check): the config, and
every template of the pack by a dry render.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from memcurve.errors import StoreError, TemplateError
from memcurve.generators.build import build_persona
from memcurve.generators.config import GenerationConfig
from memcurve.generators.fillers import FillerMaker
from memcurve.generators.pack_check import check_feasible, validate_pack
from memcurve.generators.emit import clear_caches
from memcurve.generators.rows import ROW_TABLES, RowBuffer, write_arrow
from memcurve.generators.store import atomic_store, created_at, write_meta
from memcurve.generators.text_sources import apply_text_sources
from memcurve.generators.templating import Pack, load_pack
from memcurve.generators.tokens import TOKENIZER

__all__ = ["generate", "validate_pack", "check_feasible"]
FLUSH_MESSAGES = 200_000  # write buffered rows to DuckDB once this many messages are pending


def generate(config: GenerationConfig, out: Path, *, force: bool, progress: bool, workers: int | None = None) -> str:
    """Write the benchmark described by `config` to `out` atomically; return a one-line summary.

    Personas are independent, so `workers` processes build them in parallel (default: one per core, up to
    four, when there are enough personas to pay for it) while this process writes; the bytes do not depend
    on the number of workers.
    """
    started = time.perf_counter()
    check_feasible(config)
    pack = load_pack(config.templates)
    validate_pack(pack)
    maker = FillerMaker(pack, config.length)
    if not maker.plain:
        raise TemplateError("templates/fillers: the pack has no filler conversations")
    out = Path(out)
    try:
        counts = _write(config, out, pack, maker, force=force, progress=progress, workers=workers)
    except duckdb.IOException as exc:  # e.g. a folder that passes the access check but refuses the file
        raise StoreError(f"{out}: cannot write ({str(exc).strip().splitlines()[0]})") from None
    finally:
        clear_caches()
    elapsed = time.perf_counter() - started
    return (f"wrote {out}: {config.personas} personas, {counts['questions']} questions, "
            f"{counts['conversations']} conversations, {counts['messages']} messages, "
            f"{counts['histories']} histories in {elapsed:.1f}s")


def _write(config: GenerationConfig, out: Path, pack: Pack, maker: FillerMaker, *, force: bool, progress: bool,
           workers: int | None) -> dict[str, int]:
    global _STATE
    _STATE = (config, pack, maker)  # read by _persona_tables in this process; workers load their own
    pool = _pool(config, workers)
    try:
        personas = pool.imap(_persona_tables, range(config.personas)) if pool else map(
            _persona_tables, range(config.personas))
        counts = {t: 0 for t in ROW_TABLES}
        with atomic_store(out, force=force, keys_later=True) as con:
            write_meta(con, {"seed": config.seed, "config": dataclasses.asdict(config),
                             "source": "memcurve.generate", "tokenizer": TOKENIZER,
                             "created_at": created_at()})
            pending: dict[str, list[pa.Table]] = {t: [] for t in ROW_TABLES}
            pending_messages = 0
            bar = _progress(config.personas, progress)
            try:
                for tables in personas:
                    for table, arrow in tables.items():
                        pending[table].append(arrow)
                    pending_messages += tables["messages"].num_rows
                    if pending_messages >= FLUSH_MESSAGES:
                        _flush(con, pending, counts)
                        pending_messages = 0
                    bar.update(1)
                _flush(con, pending, counts)
            finally:
                bar.close()
            if config.fillers_from or config.writer:
                apply_text_sources(con, seed=config.seed, fillers_from=config.fillers_from, writer=config.writer,
                                   writer_options={"attempts": config.writer_attempts}, progress=progress)
        return counts
    finally:
        _STATE = None
        if pool:
            pool.terminate()
            pool.join()


_STATE: tuple | None = None


def _persona_tables(index: int) -> dict[str, pa.Table]:
    """Build one persona and return its rows as Arrow tables (cheap to send between processes)."""
    config, pack, maker = _STATE
    rows = RowBuffer()
    with _gc_paused():
        build_persona(index, config, pack, maker, rows)
    return rows.arrow_tables()


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while a persona is built: the build allocates millions of
    container objects (turns, rows) that live until it ends, so the collector's full passes over them free
    next to nothing and cost ~8% of the build's CPU; the few cycles left are collected once it resumes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _pool(config: GenerationConfig, workers: int | None):
    """A pool of fresh ("spawn") worker processes, or None to build personas in this process.

    Spawned rather than forked: generate() may run inside a process with other threads (an Inspect eval,
    DuckDB, Arrow), and only a fresh interpreter is safe from their locks.
    """
    if workers is None:
        workers = min(4, os.cpu_count() or 1) if config.personas >= 8 else 1
    workers = min(workers, config.personas)
    if workers <= 1:
        return None
    context = multiprocessing.get_context("spawn")
    if threading.current_thread() is not threading.main_thread():
        return context.Pool(workers, initializer=_start_worker, initargs=(config,))
    # workers are born ignoring SIGINT (inherited), so a Ctrl-C during their start-up prints nothing
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return context.Pool(workers, initializer=_start_worker, initargs=(config,))
    finally:
        signal.signal(signal.SIGINT, previous)


def _start_worker(config: GenerationConfig) -> None:
    """Load the (already validated) pack once per worker; Ctrl-C is left to the parent, which ends the pool."""
    global _STATE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pack = load_pack(config.templates)
    _STATE = (config, pack, FillerMaker(pack, config.length))


def _flush(con, pending: dict[str, list[pa.Table]], counts: dict) -> None:
    for table, tables in pending.items():
        if not tables:
            continue
        arrow = pa.concat_tables(tables)
        tables.clear()
        counts[table] += write_arrow(con, table, arrow)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="generating", unit="persona", file=sys.stderr)
