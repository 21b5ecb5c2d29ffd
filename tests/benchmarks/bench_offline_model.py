"""Offline model benchmark: full-context questions over one history, with and without prefix KV reuse.

    python tests/benchmarks/bench_offline_model.py [--history-tokens 3500] [--questions 5] [--n-threads N]
                                                   [--flash-attn] [--skip-accuracy]
    MEMCURVE_EXTRA_BUFTS=off python tests/benchmarks/bench_offline_model.py --skip-accuracy   # buffer types forced off
    python tests/benchmarks/bench_offline_model.py --order-cost [--order-solvers full_context] [--order-model M]

Prints, for 5 questions that share one ~3.5K-token chat history (prompts built like memcurve's
full_context solver: history first, question last, ending with "Answer:"):
  - total time WITHOUT prefix reuse (-M prefix_cache=false: every prompt evaluated from scratch) and WITH it
    (the history is evaluated once, each later question only evaluates its own suffix), and the speed-up;
  - prompt-evaluation and generation throughput in tokens/s (from the run without reuse);
  - accuracy at two history lengths: a planted fact in a ~200-token history, and the same fact buried at the
    start of ~9K tokens of filler.
The machine is shared, so the load average is printed next to the figures. The model is warmed up first
so load time is not counted. The first line says whether llama.cpp's extra buffer types (CPU weight
repacking; the AMX path where built) are on, and why (memcurve.evals.models.engine_guard;
MEMCURVE_EXTRA_BUFTS=on|off forces them).

--order-cost: what the `--limit`-friendly sample order costs the offline model. The default task's samples
(generated default benchmark, the solvers given) run through inspect_ai.eval() twice, each in a fresh child
process (a fresh engine and KV cache): in the task's order (lead samples first, evals.dataset) and in the
order before it (every history's questions back to back, evals.dataset.sample_blocks). Prints, per order,
prompt tokens evaluated and reused, wall and CPU seconds, and the difference.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from inspect_ai.model import GenerateConfig, get_model

MODEL = "gguf/gemma-3-270m"

FACTS = [  # (planted user line, question, expected answer)
    ("By the way, my dog is called Biscuit and he is a beagle.", "What is my dog called?", "Biscuit"),
    ("My sister Ana just moved to York for her new job.", "Which city did my sister move to?", "York"),
    ("I work as a nurse at the children's hospital.", "What is my job?", "nurse"),
    ("I drive an old green Volvo that I bought in 2015.", "What colour is my car?", "green"),
    ("I'm allergic to peanuts, so please keep that in mind.", "What am I allergic to?", "peanuts"),
]

TOPICS = [
    ("a weeknight dinner", "Could you suggest a quick dinner with {a} and {b}?",
     "Try a one-pan dish: brown the {a}, add the {b} with garlic and a splash of stock, and simmer for ten minutes."),
    ("a trip", "I'm planning a weekend in {c}. What should I not miss?",
     "In {c}, start with the old town on foot, book a museum for the rainy hours and leave an evening for the food market."),
    ("running", "My knees ache after running {n} km. Any advice?",
     "Shorten your stride, build up by about ten percent a week and add two short strength sessions for your hips."),
    ("a book", "Can you recommend a novel like the one about {a} I finished last week?",
     "If you liked that one, try a slow-burning mystery with an unreliable narrator; it keeps the same quiet tension."),
    ("budgeting", "How do I save {n} hundred pounds by summer?",
     "Split it into weekly targets, move the money on payday and cut one recurring subscription you rarely use."),
    ("gardening", "My {a} plants keep wilting on the balcony. Why?",
     "Balcony pots dry out fast in the wind; water deeply in the morning and add mulch so the soil stays cool."),
    ("work email", "Help me write a polite email asking my manager about {b}.",
     "Keep it short: thank them, state the request about {b} in one sentence, propose a time and offer alternatives."),
]
WORDS = ["tomatoes", "chickpeas", "spinach", "mushrooms", "salmon", "lentils", "peppers", "tofu", "basil", "leeks"]
CITIES = ["Lisbon", "Porto", "Bruges", "Krakow", "Vienna", "Seville", "Edinburgh", "Bologna"]


def build_history(target_tokens: int, facts: list[str], seed: int = 7) -> str:
    """A dated multi-conversation chat history of roughly `target_tokens` Gemma tokens (~3.1 chars each).

    The facts are planted in the first conversations, so the longest histories bury them furthest back.
    """
    rng = random.Random(seed)
    when = datetime(2024, 1, 8, 9, 0)
    lines: list[str] = []
    conversation = 0
    while sum(len(line) for line in lines) < target_tokens * 3.1:
        topic, user, reply = rng.choice(TOPICS)
        fill = {"a": rng.choice(WORDS), "b": rng.choice(WORDS), "c": rng.choice(CITIES), "n": rng.randint(3, 21)}
        lines.append(f"## Conversation {conversation + 1}: {topic} ({when:%Y-%m-%d})")
        user_text = user.format(**fill)
        if conversation < len(facts):
            user_text = f"{facts[conversation]} {user_text}"
        lines.append(f"[{when:%H:%M}] User: {user_text}")
        lines.append(f"[{(when + timedelta(minutes=1)):%H:%M}] Assistant: {reply.format(**fill)}")
        lines.append("")
        conversation += 1
        when += timedelta(days=rng.randint(1, 3), minutes=rng.randint(0, 600))
    return "\n".join(lines)


def prompt_for(history: str, question: str) -> str:
    return f"Here is my chat history with an assistant.\n\n{history}\n\nQuestion: {question}\nAnswer:"


async def ask_all(model, history: str, questions: list[tuple[str, str]]) -> tuple[float, float, list]:
    """Ask the questions one after another; returns (wall seconds, process CPU seconds, outputs)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    outputs = [await model.generate(prompt_for(history, q), config=GenerateConfig(max_tokens=16)) for q, _ in questions]
    return time.perf_counter() - started, time.process_time() - cpu_started, outputs


def correct(output, expected: str) -> bool:
    return expected.lower() in output.completion.lower()


async def main(args: argparse.Namespace) -> None:
    load_options = {"n_threads": args.n_threads, "flash_attn": args.flash_attn}
    with_reuse = get_model(MODEL, **load_options)
    without_reuse = get_model(MODEL, prefix_cache=False, **load_options)
    await with_reuse.generate("Warm-up: the quick brown fox", config=GenerateConfig(max_tokens=2))
    await without_reuse.generate("Another warm-up for the second slot", config=GenerateConfig(max_tokens=2))

    facts = FACTS[: args.questions]
    history = build_history(args.history_tokens, [f for f, _, _ in facts])
    questions = [(q, a) for _, q, a in facts]
    history_tokens = await with_reuse.count_tokens(history)
    n_ctx = with_reuse.api.n_ctx
    print(f"model {MODEL}  n_ctx {n_ctx}  threads {args.n_threads}  flash_attn {args.flash_attn}  "
          f"cpus {os.cpu_count()}  load avg {os.getloadavg()[0]:.1f}")
    print(f"extra buffer types: {extra_bufts_line(with_reuse.api.engine)}")
    print(f"history: {history_tokens} tokens, {len(questions)} questions sharing it")

    # WITH first: its first question must read the history from scratch (no other run has cached it yet).
    t_with, cpu_with, out_with = await ask_all(with_reuse, history, questions)
    t_without, cpu_without, out_without = await ask_all(without_reuse, history, questions)

    evaluated_without = sum(o.metadata["prompt_tokens_evaluated"] for o in out_without)
    evaluated_with = sum(o.metadata["prompt_tokens_evaluated"] for o in out_with)
    prompt_seconds = sum(o.metadata["prompt_eval_seconds"] for o in out_without)
    gen_tokens = sum(o.usage.output_tokens for o in out_without + out_with)
    gen_seconds = sum(o.metadata["generation_seconds"] for o in out_without + out_with)
    print(f"WITHOUT prefix reuse: {t_without:7.1f} s wall, {cpu_without:6.1f} s CPU, "
          f"prompt tokens evaluated {evaluated_without}")
    print(f"WITH prefix reuse:    {t_with:7.1f} s wall, {cpu_with:6.1f} s CPU, prompt tokens evaluated {evaluated_with} "
          f"(questions 2..{len(questions)}: {[o.metadata['prompt_tokens_evaluated'] for o in out_with[1:]]})")
    print(f"speed-up: {t_without / t_with:.1f}x wall, {cpu_without / cpu_with:.1f}x CPU (target >= 3x)")
    print(f"prompt eval: {evaluated_without / prompt_seconds:.0f} tokens/s wall; "
          f"{evaluated_without / cpu_without:.0f} tokens per CPU-second "
          f"(x{os.cpu_count()} cores ~ {evaluated_without / cpu_without * (os.cpu_count() or 1):.0f} tokens/s on an idle machine) "
          f"at ~{history_tokens} tokens of context")
    print(f"generation:  {gen_tokens / gen_seconds:.1f} tokens/s wall")
    same = sum(a.completion == b.completion for a, b in zip(out_without, out_with))
    print(f"identical answers with/without reuse: {same}/{len(questions)}; "
          f"correct: {sum(correct(o, a) for o, (_, a) in zip(out_with, questions))}/{len(questions)}")
    for output, (question, answer) in zip(out_with, questions):
        print(f"  {question:38s} expected {answer!r:10s} got {output.completion[:60]!r}")

    if args.skip_accuracy:
        return
    print("accuracy vs history length (planted fact in the first conversation):")
    for target in (200, 9000):
        hist = build_history(target, [f for f, _, _ in facts], seed=11)
        tokens = await with_reuse.count_tokens(hist)
        started = time.perf_counter()
        outs = [await with_reuse.generate(prompt_for(hist, q), config=GenerateConfig(max_tokens=16)) for q, _ in questions]
        right = sum(correct(o, a) for o, (_, a) in zip(outs, questions))
        stop = {o.stop_reason for o in outs}
        print(f"  ~{tokens:5d} tokens: {right}/{len(questions)} correct  ({time.perf_counter() - started:.1f} s, stop {stop})  "
              f"e.g. {questions[0][0]!r} -> {outs[0].completion[:40]!r}")


def extra_bufts_line(engine) -> str:
    """Whether the loaded engine uses llama.cpp's extra buffer types, the guard's reason, and the CPU's AMX flags."""
    import llama_cpp

    from memcurve.evals.models import engine_guard as guard

    platform = guard.current_platform(llama_cpp)
    _, why = guard.use_extra_bufts(platform)
    amx = sorted(platform.cpu_flags & guard.AMX_CPU_FLAGS) or "none"
    avx512 = "avx512f" in platform.cpu_flags
    return f"{'on' if engine.extra_bufts else 'off'} ({why}); CPU AMX flags {amx}, AVX-512 {avx512}"


# -- --order-cost: the --limit-friendly sample order against the order before it -------------------------

ORDER_CHILD = """
import json, os, resource, sys, time
import inspect_ai
from inspect_ai.dataset import MemoryDataset
from memcurve.convomem import convomem
from memcurve.evals.dataset import sample_blocks

order, solvers, model = sys.argv[1], sys.argv[2], sys.argv[3]
os.environ["INSPECT_EVAL_MODEL"] = model  # the task takes the offline model only when none is named
task = convomem(solvers=solvers)
samples = list(task.dataset)
if order == "blocks":
    db = samples[0].metadata["db"]
    samples = [s for _, _, block in sample_blocks(db, solvers=solvers.split(",")) for s in block]
task.dataset = MemoryDataset(samples, name=task.dataset.name)
started = time.perf_counter()
[log] = inspect_ai.eval(task, model=model, display="none", log_dir="logs")
wall = time.perf_counter() - started
assert log.status == "success", log.error
meta = [s.output.metadata or {} for s in log.samples if s.output]
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"order": order, "samples": len(log.samples), "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "prompt": sum(m.get("prompt_tokens", 0) for m in meta),
                  "evaluated": sum(m.get("prompt_tokens_evaluated", 0) for m in meta),
                  "reused": sum(m.get("prompt_tokens_reused", 0) for m in meta),
                  "eval_seconds": sum(m.get("prompt_eval_seconds", 0.0) for m in meta)}))
"""


def order_cost(solvers: str, model: str = MODEL) -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "MEMCURVE_CACHE_DIR": str(Path(folder) / "cache"), "MEMCURVE_SUMMARY": "off"}
        results = {}
        for order in ("task", "blocks"):
            load = os.getloadavg()[0]
            run = subprocess.run([sys.executable, "-c", ORDER_CHILD, order, solvers, model], cwd=folder, env=env,
                                 capture_output=True, text=True)
            if run.returncode != 0:
                raise SystemExit(f"order {order}: child failed\n{run.stderr[-3000:]}")
            results[order] = json.loads(run.stdout.strip().splitlines()[-1])
            results[order]["load"] = load
    print(f"default benchmark, solvers {solvers}, {model}, one child process per order")
    for order, label in (("task", "task order (leads first)"), ("blocks", "order before (blocks)")):
        r = results[order]
        print(f"{label:26s} {r['samples']} samples: prompt tokens {r['prompt']}, evaluated {r['evaluated']}, "
              f"reused {r['reused']}; prompt eval {r['eval_seconds']:.1f} s; {r['wall']:.1f} s wall, "
              f"{r['cpu']:.1f} s CPU (load at start {r['load']:.1f})")
    new, old = results["task"], results["blocks"]
    change = {key: f"{(new[key] / old[key] - 1) * 100:+.1f}%" if old[key] else "n/a"
              for key in ("evaluated", "eval_seconds", "wall", "cpu")}
    print(f"the task order costs {new['evaluated'] - old['evaluated']:+d} evaluated prompt tokens "
          f"({change['evaluated']}), prompt eval {change['eval_seconds']}, wall {change['wall']}, CPU {change['cpu']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history-tokens", type=int, default=3500)
    parser.add_argument("--questions", type=int, default=5, choices=range(1, len(FACTS) + 1))
    parser.add_argument("--n-threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--flash-attn", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--order-cost", action="store_true", help="the --limit-friendly order vs the order before")
    parser.add_argument("--order-solvers", default="full_context")
    parser.add_argument("--order-model", default=MODEL, help="--order-cost: the model (memcurve/smoke checks the script)")
    parsed = parser.parse_args()
    if parsed.order_cost:
        order_cost(parsed.order_solvers, parsed.order_model)
    else:
        asyncio.run(main(parsed))
    sys.exit(0)
