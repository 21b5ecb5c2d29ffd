"""Shared scripted run for external memory adapters: a real Inspect eval of the `memory` solver over
memory_support's benchmark, the memory role a scripted mockllm that every adapter reaches only through
the model bridge."""

from __future__ import annotations

from inspect_ai import Task, eval
from inspect_ai.dataset import MemoryDataset
from inspect_ai.model import GenerateConfig, get_model
from memory_support import H4

from memcurve.evals.dataset import load_samples
from memcurve.evals.solvers.memory import memory
from support import mock_output

# what the scripted memory model "extracts" from a conversation that mentions the key
FACTS = {"Gwendolyn": "The user's manager is Gwendolyn", "Oluwaseun": "The user's manager is Oluwaseun",
         "Leeds": "The user lives in Leeds", "spicy": "The user dislikes spicy food"}


def facts_in(text: str) -> list[str]:
    return [fact for key, fact in FACTS.items() if key in text]


def run_adapter(db, system: str, memory_outputs, options: dict, answer: str = "Gwendolyn", histories=(H4,)):
    """One question (the current manager) of each history (default: the 4-conversation one); the EvalLog."""
    samples = [s for s in load_samples(db, solvers=[f"memory:{system}"])
               if s.metadata["history_id"] in histories and s.metadata["question_id"] == "p001-q0000"]
    reader = get_model("mockllm/model", custom_outputs=lambda *a: mock_output(answer, 30, 2))
    memory_model = get_model("mockllm/model", custom_outputs=memory_outputs)
    [log] = eval(Task(dataset=MemoryDataset(samples), solver=memory(system=system, memory_cache="off", options=options),
                      config=GenerateConfig(max_tokens=16)),
                 model=reader, model_roles={"memory": memory_model}, display="none", log_dir=None)
    assert log.status == "success", log.error
    return log


def memory_calls_billed(sample, input_tokens: int, output_tokens: int) -> list:
    """The sample's memory-role model calls, after checking each was billed at the scripted per-call usage
    (role usage, and the adapter's ingest tokens, add up to per-call usage times the calls in the log)."""
    calls = [e for e in sample.events if e.event == "model" and e.role == "memory"]
    usage = sample.role_usage["memory"]
    assert usage.input_tokens == input_tokens * len(calls) and usage.output_tokens == output_tokens * len(calls)
    assert sample.store["ingest_tokens"] == (input_tokens + output_tokens) * len(calls)
    return calls
