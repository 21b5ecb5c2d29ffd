"""Evaluation-core performance: BM25 index build and query latency on a 300-conversation history, history
load time, and the harness overhead per sample with mockllm (our dataset + solvers + scorers against a
bare Inspect generate() on the same samples, measured in the same run).

    python tests/benchmarks/bench_harness.py [--samples 60] [--synthetic]

Uses H1's generator (generators.generate) for a 1-persona benchmark with a 300-conversation history when
it is installed, else synthesises one from the vocab pools (--synthetic forces that). Targets: index
build < 1 s, query < 5 ms, harness overhead < 10 ms per sample beyond the model.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import memcurve.evals  # noqa: E402,F401  (the real package first: with tests/ on sys.path, tests/evals would shadow it)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from support import mock_output  # noqa: E402

from memcurve.generators.overlap import question_overlap  # noqa: E402

from memcurve.evals.dataset import load_samples  # noqa: E402
from memcurve.evals.history import clear_cache, load_history  # noqa: E402
from memcurve.evals.retrieval import BM25Index, split_units  # noqa: E402
from memcurve.generators.store import atomic_store, insert_rows, write_meta  # noqa: E402
from memcurve.generators.tokens import estimate_tokens  # noqa: E402

SIZES = (10, 100, 300)


def generated_store(folder: Path) -> Path | None:
    if importlib.util.find_spec("generators.generate") is None:
        return None
    from memcurve.generators.config import build_config
    from memcurve.generators.generate import generate

    path = folder / "bench.duckdb"
    config = build_config({"seed": 11, "personas": 1, "sizes": ",".join(map(str, SIZES)),
                           "categories": "user_facts,assistant_facts,temporal,abstention",
                           "questions_per_category": 3, "questions_per_history": 12})
    generate(config, path, force=True, progress=False)
    return path


def _pool(name: str) -> list[str]:
    return [w.strip() for w in (ROOT / "generators" / "vocab" / f"{name}.txt").read_text().splitlines() if w.strip()]


_USER = [
    "Can you help me plan a trip to {dest} next {month}?", "I'm cooking {dish} tonight, any tips for the sauce?",
    "My friend {name} recommended learning {lang}, where should I start?",
    "What's a good way to budget for groceries when prices keep going up?",
    "Could you draft a short email to my landlord about the broken heater?",
    "I keep waking up at 4am, is there anything simple I can try before bed?",
    "How long should I rest between sets if I'm training for strength?",
]
_ASSISTANT = [
    "Sure. For {dest} in {month}, book the train early and keep one day free for the weather.",
    "For {dish}, brown the aromatics slowly and season at the end; taste as you go.",
    "Start {lang} with ten minutes a day of listening, then add a few phrases you will actually use.",
    "Track spending for two weeks first, then set a weekly limit and plan meals around what is on sale.",
    "Here is a polite draft: Dear landlord, the heater has stopped working since Monday; could you arrange a repair?",
    "Keep the room cool and dark, avoid screens for an hour before bed, and get up at the same time daily.",
    "Two to three minutes between heavy sets works well; shorter rests suit lighter accessory work.",
]


def synthetic_store(folder: Path) -> Path:
    """One persona, 300 conversations of 10 messages, nested histories of 10/100/300 with 12 questions."""
    rng = random.Random(11)
    pools = {"dest": _pool("filler_destinations"), "dish": _pool("filler_dishes"),
             "name": _pool("filler_names"), "lang": _pool("filler_languages"), "month": _pool("filler_months")}
    pets = _pool("dog_names")
    conv = {k: [] for k in ("conversation_id", "persona_id", "started_at", "topic", "kind")}
    msg = {k: [] for k in ("message_id", "conversation_id", "position", "speaker", "text", "sent_at", "tokens")}
    start = datetime(2024, 1, 8, 9, 0)
    facts = {}  # conversation index -> (message id, pet name)
    for c in range(SIZES[-1]):
        cid = f"p000-c{c:04d}"
        when = start + timedelta(days=c, hours=rng.randint(0, 10))
        for col, val in zip(conv, (cid, "p000", when, "chat", "filler")):
            conv[col].append(val)
        for pos in range(10):
            speaker = "user" if pos % 2 == 0 else "assistant"
            lines = _USER if speaker == "user" else _ASSISTANT
            text = " ".join(rng.choice(lines).format(**{k: rng.choice(v) for k, v in pools.items()})
                            for _ in range(rng.randint(1, 3)))
            if c % 25 == 7 and pos == 0:
                pet = rng.choice(pets)
                text = f"By the way, my new puppy is called {pet} and she chews everything. " + text
                facts[c] = (f"{cid}-m{pos:02d}", pet)
            row = (f"{cid}-m{pos:02d}", cid, pos, speaker, text, when + timedelta(minutes=pos), estimate_tokens(text))
            for col, val in zip(msg, row):
                msg[col].append(val)
    tokens = dict(zip(msg["message_id"], msg["tokens"]))
    qcols = {k: [] for k in ("question_id", "persona_id", "category", "question_type", "text", "answer", "aliases",
                             "rubric", "answer_kind", "slot", "asked_at", "is_abstention", "evidence_count",
                             "word_overlap", "conversation_overlap", "overlap_level")}
    ev = {"question_id": [], "message_id": [], "ordinal": []}
    text_of = dict(zip(msg["message_id"], msg["text"]))
    conversation_texts: dict[str, list[str]] = {}
    for mid, cid in zip(msg["message_id"], msg["conversation_id"]):
        conversation_texts.setdefault(cid, []).append(text_of[mid])
    for q, (c, (mid, pet)) in enumerate(sorted(facts.items())):
        qid = f"p000-q{q:04d}"
        text = f"What did I name the puppy I mentioned around day {c}?"
        row = (qid, "p000", "user_facts", "user_facts/pet_name", text, pet, [], None, "text", "pet_name",
               start + timedelta(days=SIZES[-1] + 1), False, 1,
               *question_overlap(text, [text_of[mid]], conversation_texts[mid.rsplit("-m", 1)[0]]))
        for col, val in zip(qcols, row):
            qcols[col].append(val)
        ev["question_id"].append(qid); ev["message_id"].append(mid); ev["ordinal"].append(0)
    path = folder / "bench.duckdb"
    with atomic_store(path, force=True) as con:
        write_meta(con, {"seed": 11, "source": "bench_harness synthetic", "config": {"synthetic": True}})
        insert_rows(con, "personas", {"persona_id": ["p000"], "name": ["Bench"], "attributes": ["{}"]})
        insert_rows(con, "conversations", conv)
        insert_rows(con, "messages", msg)
        insert_rows(con, "questions", qcols)
        insert_rows(con, "evidence", ev)
        hist = {"history_id": [], "persona_id": [], "chain_id": [], "size": [], "tokens": []}
        hc = {"history_id": [], "position": [], "conversation_id": []}
        hq = {"history_id": [], "question_id": []}
        for size in SIZES:
            hid = f"p000-h00-n{size:04d}"
            cids = conv["conversation_id"][-size:]  # nested: the most recent `size` conversations
            hist["history_id"].append(hid); hist["persona_id"].append("p000"); hist["chain_id"].append("p000-h00")
            hist["size"].append(size)
            hist["tokens"].append(sum(t for m, t in tokens.items() if m[:10] in set(cids)))
            for pos, cid in enumerate(cids):
                hc["history_id"].append(hid); hc["position"].append(pos); hc["conversation_id"].append(cid)
            for qid in qcols["question_id"]:
                hq["history_id"].append(hid); hq["question_id"].append(qid)
        insert_rows(con, "histories", hist)
        insert_rows(con, "history_conversations", hc)
        insert_rows(con, "history_questions", hq)
    return path


def bench_bm25(db: Path) -> None:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    hid, size, tokens = con.execute("SELECT history_id, size, tokens FROM histories ORDER BY size DESC LIMIT 1").fetchone()
    questions = [r[0] for r in con.execute("SELECT text FROM questions ORDER BY question_id").fetchall()]
    con.close()
    clear_cache()
    t0 = time.perf_counter()
    history = load_history(db, hid)
    load_ms = (time.perf_counter() - t0) * 1000
    print(f"history {hid}: {size} conversations, {len(history.messages)} messages, ~{tokens} tokens; "
          f"load (one DuckDB query, cold) {load_ms:.1f} ms")
    queries = (questions * 50)[:200]
    for unit in ("message", "round", "conversation"):
        units = split_units(history, unit)
        builds = []
        for _ in range(3):
            t0 = time.perf_counter()
            index = BM25Index(units)
            builds.append(time.perf_counter() - t0)
        index.search(queries[0], 5)  # warm
        lat = []
        for q in queries:
            t0 = time.perf_counter()
            index.search(q, 5)
            lat.append((time.perf_counter() - t0) * 1000)
        lat.sort()
        print(f"  bm25 unit={unit:<12} {len(units):>5} units  build median {statistics.median(builds) * 1000:7.1f} ms"
              f"  (target < 1000)   query top-5 mean {statistics.mean(lat):.2f} ms, p95 {lat[int(0.95 * len(lat))]:.2f} ms"
              f"  (target < 5)")


def _eval_seconds(make_task, samples: int, reps: int = 2) -> float:
    """Best of `reps` wall-clock eval() runs (fresh history cache each time, so loads are counted)."""
    from inspect_ai import eval
    from inspect_ai.model import get_model

    best = float("inf")
    for _ in range(reps):
        clear_cache()
        model = get_model("mockllm/model", custom_outputs=lambda *a: mock_output("I don't know.", 100, 5))
        with tempfile.TemporaryDirectory() as logs:
            t0 = time.perf_counter()
            [log] = eval(make_task(), model=model, display="none", log_dir=logs, max_samples=1)
            best = min(best, time.perf_counter() - t0)
            assert log.status == "success" and len(log.samples) == samples, log.error
    return best


SOLVER_MS: list[float] = []


def timed(inner):
    """Wrap a solver to record its own time per sample, excluding the model call (generate)."""
    from inspect_ai.solver import solver

    @solver(name="timed")
    def _timed():
        async def solve(state, generate):
            in_model = 0.0

            async def timed_generate(state, *args, **kwargs):
                nonlocal in_model
                t = time.perf_counter()
                out = await generate(state, *args, **kwargs)
                in_model += time.perf_counter() - t
                return out

            t0 = time.perf_counter()
            state = await inner(state, timed_generate)
            SOLVER_MS.append((time.perf_counter() - t0 - in_model) * 1000)
            return state

        return solve

    return _timed()


def bench_overhead(db: Path, n: int) -> None:
    from inspect_ai import Task
    from inspect_ai.dataset import Sample
    from inspect_ai.scorer import includes
    from inspect_ai.solver import generate

    from memcurve.evals.scorers import default_scorers
    from memcurve.evals.solvers import compare

    all_samples = load_samples(db, solvers=["full_context", "rag"])
    per_solver = {s: [x for x in all_samples if x.metadata["solver"] == s] for s in ("full_context", "rag")}
    rows = []
    _eval_seconds(lambda: Task(dataset=all_samples[:4], solver=generate(), scorer=includes()), 4, reps=1)  # warm-up
    for solver, samples in per_solver.items():
        samples = samples[:n]
        bare = [Sample(id=s.id, input=s.input, target=s.target, metadata=s.metadata) for s in samples]
        sizes = sorted({s.metadata["size"] for s in samples})
        base = _eval_seconds(lambda: Task(dataset=bare, solver=generate(), scorer=includes()), len(samples))
        ours_solver = _eval_seconds(lambda: Task(dataset=samples, solver=compare([solver]), scorer=includes()),
                                    len(samples))
        ours_full = _eval_seconds(lambda: Task(dataset=samples, solver=compare([solver]),
                                               scorer=default_scorers(judge_mode="off")), len(samples))
        SOLVER_MS.clear()
        _eval_seconds(lambda: Task(dataset=samples, solver=timed(compare([solver])), scorer=includes()),
                      len(samples), reps=1)
        own = sorted(SOLVER_MS)
        print(f"  {solver:<12} solver's own time per sample (history load, index, render; model excluded): "
              f"median {statistics.median(own):.2f} ms, mean {statistics.mean(own):.2f} ms, max {own[-1]:.1f} ms "
              f"(first question of each history pays the load/index/render)")
        rows.append((solver, len(samples), sizes, base, ours_solver, ours_full))
    print("harness overhead with mockllm (max_samples=1, best of 2 evals, same samples; bare = question only):")
    for solver, count, sizes, base, ours_solver, ours_full in rows:
        per = lambda t: t / count * 1000  # noqa: E731
        print(f"  {solver:<12} {count} samples, sizes {sizes}: bare generate() {per(base):6.1f} ms/sample; "
              f"our solver {per(ours_solver):6.1f} ms (+{per(ours_solver) - per(base):5.1f}); "
              f"solver + memcurve scorers {per(ours_full):6.1f} ms (+{per(ours_full) - per(base):5.1f})  (target +10)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=60, help="samples per solver for the overhead run")
    parser.add_argument("--synthetic", action="store_true", help="do not use the generator")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        db = None if args.synthetic else generated_store(Path(tmp))
        source = "generated (generators.generate)" if db else "synthetic (vocab pools)"
        db = db or synthetic_store(Path(tmp))
        print(f"benchmark: {source}, built in {time.perf_counter() - t0:.1f} s")
        bench_bm25(db)
        bench_overhead(db, args.samples)


if __name__ == "__main__":
    main()
