"""Memory-system costs that do not need a real model: query-time latency and cache reuse.

    python tests/benchmarks/bench_memory.py [--memories 10,100,1000] [--conversations 60]

Prints, measured in this run:
- fact_store query latency (BM25 over N live memories, first query builds the index, later ones reuse it);
- hybrid context latency per question over a generated history (recent window + BM25 over older rounds);
- cache: building a fact_store memory with a scripted mockllm vs loading it back from disk (ratio), and
  the on-disk size per conversation checkpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from inspect_ai.model import get_model

from memcurve.evals.history import Conversation, History, Message
from memcurve.evals.memory import make_system
from memcurve.evals.memory.cache import MemoryCache, clear_memory_cache
from memcurve.evals.memory.llm import MemoryLLM

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests/support.py, after evals is imported
from support import mock_output  # noqa: E402

WORDS = ("coffee manager sister garden running museum pasta laptop concert cousin doctor phone beagle city "
         "train recipe holiday budget guitar novel").split()


def synthetic_history(n: int) -> History:
    start = datetime(2024, 1, 1)
    conversations = []
    for i in range(n):
        cid = f"p000-c{i:04d}"
        w = [WORDS[(i * 7 + j) % len(WORDS)] for j in range(6)]
        texts = [f"My {w[0]} and my {w[1]} are on my mind, also the {w[2]} number {i}.",
                 f"Here is some advice about the {w[3]} and the {w[4]}.",
                 f"Thanks, the {w[5]} matters too."]
        messages = tuple(Message(f"{cid}-m{p:02d}", cid, p, "user" if p % 2 == 0 else "assistant", t,
                                 start + timedelta(days=i, minutes=p), len(t.split())) for p, t in enumerate(texts))
        conversations.append(Conversation(cid, start + timedelta(days=i), messages))
    return History(db="synthetic", history_id="p000-h00-synthetic", conversations=tuple(conversations))


def timed(fn, repeat: int = 20) -> tuple[float, float]:
    first = time.perf_counter(); fn(); first = time.perf_counter() - first
    rest = []
    for _ in range(repeat):
        t = time.perf_counter(); fn(); rest.append(time.perf_counter() - t)
    return first * 1000, statistics.median(rest) * 1000


def bench_fact_store_query(sizes: list[int], history: History) -> None:
    print("fact_store query (BM25 over live memories)")
    for n in sizes:
        store = make_system("fact_store")
        for i in range(n):
            store._add(f"User mentioned {WORDS[i % len(WORDS)]} item {i} with {WORDS[(i * 3) % len(WORDS)]}",
                       "2024-01-01T00:00", "c")
        first, later = timed(lambda: store.context("What did I say about my sister's garden?", history, None))
        print(f"  {n:5d} memories: first query {first:7.2f} ms (index build), later {later:6.2f} ms")


def bench_hybrid(history: History) -> None:
    hybrid = make_system("hybrid")
    hybrid.load_state({"conversations": [c.conversation_id for c in history.conversations], "ops": {}})
    first, later = timed(lambda: hybrid.context("Where does my cousin keep the guitar?", history, None))
    print(f"hybrid context over {len(history.conversations)} conversations: first {first:.2f} ms (index), "
          f"later {later:.2f} ms per question")


def scripted(input, tools, tool_choice, config):
    prompt = input[-1].text
    if prompt.endswith('{"facts": ['):
        number = prompt.rsplit("number ", 1)[-1].split(".", 1)[0]
        return mock_output(f'"Mentioned item {number}", "Likes coffee"]}}', 300, 20)
    new_fact = prompt.rsplit("New facts:\n- ", 1)[-1].split("\n", 1)[0]
    return mock_output(f'{{"id": "0", "event": "NONE"}}, {{"id": "9", "text": "{new_fact}", "event": "ADD"}}]}}', 300, 40)


def bench_cache(history: History) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clear_memory_cache()
        llm = MemoryLLM(get_model("mockllm/model", custom_outputs=scripted))
        t = time.perf_counter()
        built = asyncio.run(MemoryCache(tmp).get(history, lambda: make_system("fact_store"), llm, "mockllm/model"))
        build = time.perf_counter() - t
        clear_memory_cache()
        t = time.perf_counter()
        loaded = asyncio.run(MemoryCache(tmp).get(history, lambda: make_system("fact_store"), llm, "mockllm/model"))
        load = time.perf_counter() - t
        files = list(Path(tmp).rglob("*.json"))
        size = sum(f.stat().st_size for f in files)
        print(f"cache over {len(history.conversations)} conversations ({built.usage.calls} mock calls, "
              f"{len(built.system.items())} memories): build {build * 1000:.0f} ms, disk load {load * 1000:.0f} ms "
              f"({loaded.source}), ratio {build / load:.1f}x; {len(files)} checkpoints, "
              f"{size / len(files) / 1024:.1f} KiB each on average")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--memories", default="10,100,1000")
    parser.add_argument("--conversations", type=int, default=60)
    args = parser.parse_args()
    history = synthetic_history(args.conversations)
    bench_fact_store_query([int(x) for x in args.memories.split(",")], history)
    bench_hybrid(history)
    bench_cache(history)


if __name__ == "__main__":
    main()
