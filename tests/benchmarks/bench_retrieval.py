"""Dense and hybrid retrieval: embedding throughput, and recall of BM25 vs dense vs hybrid on a benchmark.

Throughput: MiniLM load time, then units encoded per second and per-query latency on one history
(a 300-conversation history by default), with BM25's index build in the same run as the baseline.
Recall: every non-abstention question of every history, each retriever ranking all units of the
history, scored against the question's evidence with evals.scorers.retrieval (no model call).

    memcurve generate --out /tmp/d.duckdb --personas 2 --sizes 30,100 --quiet
    memcurve generate --out /tmp/d300.duckdb --personas 1 --sizes 300 --quiet
    python tests/benchmarks/bench_retrieval.py --recall-db /tmp/d.duckdb --throughput-db /tmp/d300.duckdb
Needs the dense extra.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import duckdb
import numpy as np

from memcurve.evals.dataset import load_samples
from memcurve.evals.history import load_history
from memcurve.evals.retrieval import BM25Index, split_units
from memcurve.evals.retrieval import dense as dense_module
from memcurve.evals.retrieval.dense import DenseIndex, chunk_text, load_encoder
from memcurve.evals.retrieval.hybrid import HybridIndex
from memcurve.evals.scorers.retrieval import retrieval_scores

RETRIEVERS = ("bm25", "dense", "hybrid")


def throughput(db: str, unit: str, queries: list[str]) -> None:
    [history_id] = duckdb.connect(db, read_only=True).execute(
        "SELECT history_id FROM histories ORDER BY size DESC, history_id LIMIT 1").fetchone()
    history = load_history(db, history_id)
    units = split_units(history, unit)
    windows = sum(len(chunk_text(u.text)) for u in units)
    start = time.perf_counter()
    bm25 = BM25Index(units)
    bm25_s = time.perf_counter() - start
    dense_module._memo.clear()  # time real encoding, not the process-wide text memo
    start, cpu = time.perf_counter(), time.process_time()
    dense = DenseIndex(units)
    dense_s, dense_cpu = time.perf_counter() - start, time.process_time() - cpu
    dense_module._memo.clear()
    start = time.perf_counter()
    for q in queries:
        dense.search(q, 5)
    query_ms = (time.perf_counter() - start) / len(queries) * 1000
    hybrid = HybridIndex(bm25, dense)
    dense_module._memo.clear()  # the queries were just encoded: encode them again
    start = time.perf_counter()
    for q in queries:
        hybrid.search(q, 5)
    hybrid_ms = (time.perf_counter() - start) / len(queries) * 1000
    print(f"{history_id} ({len(history.conversations)} conversations, {history.tokens} tokens) unit={unit}: "
          f"{len(units)} units ({windows} windows); dense build {dense_s:.2f}s = {len(units) / dense_s:.0f} units/s "
          f"({len(units) / dense_cpu:.0f} units per CPU-second); "
          f"BM25 build {bm25_s * 1000:.0f} ms (dense/BM25 = {dense_s / bm25_s:.0f}x); "
          f"query: dense {query_ms:.1f} ms, hybrid {hybrid_ms:.1f} ms")


def recall(db: str, unit: str, ks: tuple[int, ...]) -> None:
    samples = [s for s in load_samples(db, solvers=["rag"]) if not s.metadata["is_abstention"]
               and s.metadata["evidence_ids"]]
    sums: dict[tuple[str, str, int], list[float]] = defaultdict(list)
    indexes: dict[str, dict[str, object]] = {}
    start = time.perf_counter()
    for sample in samples:
        meta = sample.metadata
        if meta["history_id"] not in indexes:
            units = split_units(load_history(db, meta["history_id"]), unit)
            bm25, dense = BM25Index(units), DenseIndex(units)
            indexes = {meta["history_id"]: {"bm25": bm25, "dense": dense, "hybrid": HybridIndex(bm25, dense)}}
        for name, index in indexes[meta["history_id"]].items():
            ranking = [list(h.unit.message_ids) for h in index.search(sample.input, len(index.units))]
            scores = retrieval_scores(ranking, meta["evidence_ids"], ks=ks, unit=unit)
            for k in ks:
                for size in (meta["size"], "all"):
                    sums[(name, str(size), k)].append(scores[f"recall_all@{k}"])
                    sums[(f"{name}:any", str(size), k)].append(scores[f"recall_any@{k}"])
    elapsed = time.perf_counter() - start
    sizes = sorted({str(s.metadata["size"]) for s in samples}, key=int) + ["all"]
    print(f"\nrecall on {db} unit={unit}: {len(samples)} (history, question) pairs, abstention excluded "
          f"({elapsed:.0f}s)")
    for kind, label in (("", "recall_all"), (":any", "recall_any")):
        for k in ks:
            header = "  ".join(f"size={s:>4}" for s in sizes)
            print(f"{label}@{k:<2} {header}")
            for name in RETRIEVERS:
                row = "  ".join(f"{np.mean(sums[(name + kind, s, k)]):9.3f}" for s in sizes)
                print(f"  {name:<8} {row}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recall-db", help="a generated benchmark for recall (e.g. --sizes 30,100)")
    parser.add_argument("--throughput-db", help="a benchmark whose largest history is timed (e.g. --sizes 300)")
    parser.add_argument("--units", default="round", help="comma-separated: message,round,conversation")
    parser.add_argument("--ks", default="5,10")
    args = parser.parse_args()
    start = time.perf_counter()
    load_encoder()
    print(f"MiniLM load: {time.perf_counter() - start:.1f}s")
    ks = tuple(int(k) for k in args.ks.split(","))
    queries = ["What's my pup called again?", "Which city did I move to last spring?", "What do I do for work?",
               "When did I start the pottery class?", "What food do I avoid?"]
    for unit in args.units.split(","):
        if args.throughput_db:
            throughput(args.throughput_db, unit, queries)
        if args.recall_db:
            recall(args.recall_db, unit, ks)


if __name__ == "__main__":
    main()
