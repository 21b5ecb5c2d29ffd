"""`memcurve plan`: what a run will read, cost and take, and what it can detect, before any model call.

Input is a benchmark file (.duckdb) or a generation config (YAML/JSON, as for `memcurve generate`). For a
config, one persona is generated into a temporary folder (a pilot: every size, the real templates) and
per-persona counts and tokens are scaled to the configured personas, so no number is a guess about what
the generator makes. Prompt tokens per solver come from the store's token estimates (within about 10% of
BPE tokenizers on chat text) plus the fixed prompt parts:

- full_context: the whole history (or the window, when one is given) + the prompt reserve;
- rag and memory:*: k units of the mean unit length (round = a user and an assistant message) + reserve;
  memory systems' own build calls (the `memory` role) are not included;
- oracle: the evidence messages + reserve; no_context: the reserve.

Cost uses the price table (evals.analysis.prices). With prompt caching, the questions asked of one history
share its prefix: the first writes the cache, the others read it (full_context only; Anthropic caches
prefixes of at least ``MIN_CACHEABLE`` tokens). Output is counted at ``max_tokens`` (an upper bound).

Power, for a paired comparison of two solvers at one size (clustered by history) and pooled over sizes
(clustered by persona): the minimum detectable difference at alpha 0.05 and power 0.8, and the personas
needed for a target difference, from the assumed discordance rate and intra-history correlation. With
fewer than FEW_CLUSTERS personas the report uses the worst-case design effect, and so does this plan.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from memcurve.errors import ConfigError
from memcurve.evals.analysis.prices import load_prices, price_for
from memcurve.evals.analysis.stats.intervals import FEW_CLUSTERS
from memcurve.evals.analysis.stats.power import (
    design_effect,
    minimum_detectable_effect_paired,
    questions_needed_paired,
)

MIN_CACHEABLE = 1024
PROMPT_RESERVE = 60  # instructions, question and date around the history (memcurve.evals.solvers.prompt)
RETRIEVING = ("rag",)


@dataclass(frozen=True)
class Throughput:
    """How fast the model works: seconds per call = overhead + prompt/prefill + output/decode."""

    overhead_s: float
    prefill_tps: float
    decode_tps: float
    connections: int

    @staticmethod
    def for_model(model: str) -> "Throughput":
        if model.startswith(("gguf/", "local/")):  # the bundled offline model on 2 CPU cores
            return Throughput(0.2, 400.0, 25.0, 1)
        return Throughput(0.6, 20_000.0, 70.0, 10)  # a hosted API with Inspect's default max_connections


@dataclass
class Pilot:
    """What the planned samples read: one row per (history, question) with its tokens."""

    rows: list[dict]
    message_tokens: float  # mean tokens per message
    evidence_tokens: dict[str, int]
    scale: float  # personas in the plan / personas in the data read
    personas: int
    source: str


def _read_store(db: Path, sizes, categories, histories_per_size, questions_per_history) -> Pilot:
    from memcurve.evals.dataset import load_samples
    from memcurve.generators.store import open_store

    samples = load_samples(db, solvers=("plan",), sizes=sizes, categories=categories,
                           histories_per_size=histories_per_size, questions_per_history=questions_per_history)
    con = open_store(db, read_only=True)
    try:
        mean_tokens = con.execute("SELECT avg(tokens) FROM messages").fetchone()[0] or 0.0
        evidence = dict(con.execute("SELECT e.message_id, m.tokens FROM evidence e JOIN messages m USING (message_id)")
                        .fetchall())
    finally:
        con.close()
    rows = [dict(s.metadata) for s in samples]
    personas = len({r["persona_id"] for r in rows})
    return Pilot(rows, float(mean_tokens), evidence, 1.0, personas, str(db))


def pilot_from_config(path: Path, sizes, categories, histories_per_size, questions_per_history) -> Pilot:
    """Generate one persona of the config (a pilot) and scale its counts to the configured personas."""
    import dataclasses

    from memcurve.generators.config import build_config, load_config_file
    from memcurve.generators.generate import generate

    config = build_config(load_config_file(path))
    pilot = dataclasses.replace(config, personas=1)
    with tempfile.TemporaryDirectory(prefix="memcurve-plan-") as tmp:
        db = Path(tmp) / "pilot.duckdb"
        started = time.monotonic()
        generate(pilot, db, force=True, progress=False)
        data = _read_store(db, sizes, categories, histories_per_size, questions_per_history)
        took = time.monotonic() - started
    data.scale = float(config.personas)
    data.personas = config.personas
    data.source = f"{path} (pilot: 1 of {config.personas} personas generated in {took:.0f} s, counts scaled)"
    return data


def _prompt_tokens(solver: str, row: dict, pilot: Pilot, k: int, unit_messages: int, window: int | None) -> float:
    if solver == "full_context":
        history = row["history_tokens"]
        return min(history, window) + PROMPT_RESERVE if window else history + PROMPT_RESERVE
    if solver.startswith(RETRIEVING) or solver.startswith("memory:"):
        return min(k * unit_messages * pilot.message_tokens, row["history_tokens"]) + PROMPT_RESERVE
    if solver == "oracle":
        return sum(pilot.evidence_tokens.get(m, 0) for m in row.get("evidence_ids", [])) + PROMPT_RESERVE
    if solver == "no_context":
        return PROMPT_RESERVE
    raise ConfigError(f"solvers: unknown solver {solver!r} (full_context, rag, oracle, no_context, memory:NAME)")


def _fmt_usd(value: float | None) -> str:
    return "-" if value is None else f"${value:,.2f}" if value >= 1 else f"${value:.4f}"


def _fmt_time(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def plan(source: Path, *, model: str, solvers: list[str], sizes=None, categories=None, histories_per_size=None,
         questions_per_history=None, k: int = 5, unit: str = "round", window: int | None = None,
         max_tokens: int = 32, epochs: int = 1, prices: str | Path | None = None, target: float = 0.05,
         accuracy: float = 0.7, discordance: float = 0.3, icc: float = 0.1, alpha: float = 0.05,
         power: float = 0.8, throughput: Throughput | None = None) -> str:
    """The plan as printable text (see the module docstring for every estimate it makes)."""
    if not solvers:
        raise ConfigError("solvers: give at least one solver")
    if not 0 < target < 1:
        raise ConfigError(f"target: a difference in (0, 1), got {target}")
    if not 0 < discordance <= 1 or not 0 <= icc < 1:
        raise ConfigError(f"discordance must be in (0, 1] and icc in [0, 1), got {discordance}, {icc}")
    source = Path(source)
    if not source.exists():
        raise ConfigError(f"{source}: no such benchmark or config file")
    args = (sizes, categories, histories_per_size, questions_per_history)
    pilot = _read_store(source, *args) if source.suffix == ".duckdb" else pilot_from_config(source, *args)
    unit_messages = {"message": 1, "round": 2}.get(unit)
    if unit_messages is None:
        raise ConfigError(f"unit: {unit!r} is not planned (message or round)")
    table = load_prices(prices)
    price = price_for(model, table)
    speed = throughput or Throughput.for_model(model)
    by_size: dict[int, list[dict]] = defaultdict(list)
    for row in pilot.rows:
        by_size[row["size"]].append(row)
    sizes_seen = sorted(by_size)
    samples = len(pilot.rows) * pilot.scale * len(solvers) * epochs

    out = [f"memcurve plan for {model} on {pilot.source}", "",
           f"samples: {samples:,.0f} = {len(pilot.rows) * pilot.scale:,.0f} (history, question) pairs x "
           f"{len(solvers)} solver(s) x {epochs} epoch(s); sizes {', '.join(map(str, sizes_seen))}; "
           f"{pilot.personas} personas", "",
           "mean prompt tokens per question (store token estimates):", "",
           "| solver | " + " | ".join(str(s) for s in sizes_seen) + " | total prompt tokens |",
           "| --- | " + " | ".join("---" for _ in sizes_seen) + " | --- |"]
    totals, cached_cost, plain_cost, seconds = {}, {}, {}, 0.0
    for solver in solvers:
        means, total, write, read, fresh = [], 0.0, 0.0, 0.0, 0.0
        for size in sizes_seen:
            rows = by_size[size]
            tokens = [_prompt_tokens(solver, r, pilot, k, unit_messages, window) for r in rows]
            means.append(sum(tokens) / len(tokens))
            total += sum(tokens)
            for hid in {r["history_id"] for r in rows}:
                asked = [t for r, t in zip(rows, tokens) if r["history_id"] == hid]
                shared = asked[0] - PROMPT_RESERVE
                if solver == "full_context" and shared >= MIN_CACHEABLE and len(asked) > 1:
                    write += shared
                    read += shared * (len(asked) - 1)
                    fresh += sum(a - shared for a in asked)
                else:
                    fresh += sum(asked)
            seconds += sum(speed.overhead_s + t / speed.prefill_tps + max_tokens / speed.decode_tps for t in tokens)
        scale = pilot.scale * epochs
        totals[solver] = total * scale
        output = len(pilot.rows) * max_tokens * scale
        if price:
            plain_cost[solver] = price.cost(int(total * scale), int(output))
            cached_cost[solver] = price.cost(int(fresh * scale), int(output), int(read * scale), int(write * scale))
        out.append(f"| {solver} | " + " | ".join(f"{m:,.0f}" for m in means) + f" | {total * scale:,.0f} |")
    out += ["", f"rag/memory: k={k} {unit}s of {unit_messages * pilot.message_tokens:.0f} tokens on average "
                "(memory systems: the answer prompt only, not their own build calls)"
                + (f"; full_context window: {window:,} tokens" if window else "; full_context: no window cut") + ".",
            ""]
    if price:
        out += [f"cost for {model} (prices $/M tokens: input {price.input}, output {price.output}, cache read "
                f"{price.cache_read if price.cache_read is not None else price.input}, cache write "
                f"{price.cache_write if price.cache_write is not None else price.input}; output at max_tokens="
                f"{max_tokens}, an upper bound):", "",
                "| solver | without prompt caching | with prompt caching |", "| --- | --- | --- |"]
        out += [f"| {s} | {_fmt_usd(plain_cost[s])} | {_fmt_usd(cached_cost[s])} |" for s in solvers]
        out += [f"| all | {_fmt_usd(sum(plain_cost.values()))} | {_fmt_usd(sum(cached_cost.values()))} |", "",
                "(caching: the questions of one history share its prefix; first question writes, the rest read; "
                f"prefixes under {MIN_CACHEABLE} tokens are not cached)", ""]
    else:
        out += [f"cost: no price for {model!r} in the price table (pass --prices FILE); prompt tokens above.", ""]
    wall = seconds * pilot.scale * epochs / speed.connections
    out += [f"expected time: {_fmt_time(wall)} (assumes {speed.overhead_s} s per call + prompt at "
            f"{speed.prefill_tps:,.0f} tokens/s + output at {speed.decode_tps:,.0f} tokens/s, "
            f"{speed.connections} call(s) in parallel; override with --prefill-tps/--decode-tps/--connections)", ""]
    out += _power_lines(by_size, pilot, target, accuracy, discordance, icc, alpha, power)
    return "\n".join(out)


def _power_lines(by_size, pilot: Pilot, target, accuracy, discordance, icc, alpha, power) -> list[str]:
    personas = pilot.personas
    per_size = {s: len(rows) * pilot.scale for s, rows in by_size.items()}
    histories = {s: len({r["history_id"] for r in rows}) * pilot.scale for s, rows in by_size.items()}
    ordered = sorted(per_size, key=lambda s: (per_size[s], s))
    typical = ordered[len(ordered) // 2]  # the size with the median number of questions
    n_size, m_size = per_size[typical], per_size[typical] / max(histories[typical], 1.0)
    variance = discordance  # Var(a - b) under no difference = the discordance rate p10 + p01
    few = personas < FEW_CLUSTERS
    worst = " (worst case: fewer than %d personas)" % FEW_CLUSTERS if few else ""
    deff_size = m_size if few else design_effect(m_size, icc)
    total = sum(per_size.values())
    pooled_m = total / personas
    deff_pooled = pooled_m if few else design_effect(pooled_m, icc)
    mde_size = minimum_detectable_effect_paired(max(1, int(n_size)), variance, alpha=alpha, power=power,
                                                design_effect=deff_size)
    mde_pooled = minimum_detectable_effect_paired(max(1, int(total)), variance, alpha=alpha, power=power,
                                                  design_effect=deff_pooled)
    need = questions_needed_paired(target, variance - target**2, alpha=alpha, power=power,
                                   design_effect=design_effect(m_size, icc))
    per_persona = n_size / personas
    personas_needed = max(FEW_CLUSTERS, math.ceil(need / max(per_persona, 1e-9)))
    lines = [f"power (paired comparison of two solvers, alpha {alpha}, power {power}; assumed accuracy {accuracy:.2f}, "
             f"discordance rate {discordance:.2f}, intra-history correlation {icc:.2f}; measure them with a pilot "
             f"run's report):", "",
             f"- questions per size: {min(per_size.values()):,.0f} to {max(per_size.values()):,.0f}; at size "
             f"{typical} (the median): {n_size:,.0f} questions in {histories[typical]:,.0f} histories "
             f"({m_size:.1f} per history), design effect {deff_size:.2f}{worst}: minimum detectable difference "
             f"{mde_size:.3f}",
             f"- pooled over {len(per_size)} sizes: {total:,.0f} questions in {personas} personas, design effect "
             f"{deff_pooled:.2f}{worst}: minimum detectable difference {mde_pooled:.3f} (sizes repeat the same "
             "questions, so pooling adds less than the count suggests)",
             f"- to detect {target:.3f} at size {typical}: {need:,} questions, i.e. {personas_needed:,} personas at "
             f"{per_persona:.1f} questions per persona at that size (at least {FEW_CLUSTERS}, so the report can "
             "estimate the design effect and draw bands)"]
    if accuracy + target > 1:
        lines.append(f"- note: accuracy {accuracy:.2f} + {target:.3f} exceeds 1; use a lower assumed accuracy")
    return lines + [""]
