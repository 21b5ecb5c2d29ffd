"""Keep the offline engine (llama-cpp-python) from killing the process, and say why when it cannot run.

Two failures motivate this module:
- llama.cpp's AMX matrix-multiply path (`ggml_backend_amx_mul_mat` in libggml-cpu) dies with SIGILL (on other
  VMs SIGSEGV) on some AMX machines (seen on Intel Xeon VMs whose CPU lists amx_tile/amx_int8/amx_bf16): a natively built
  llama-cpp-python 0.3.36 compiles that path in, and it is selected through llama.cpp's "extra buffer types"
  when a model is loaded. Loading with `llama_model_params.use_extra_bufts = false` never enters it.
  Extra buffer types also carry the CPU weight repacking that speeds up other CPUs, so they are turned off
  only where the AMX path can be taken (`amx_path_present`), and kept everywhere else (aarch64 included).
- A wheel built for another CPU, or a broken build, dies with a bare signal and no message. So the engine
  is first loaded in a child process (`ensure_engine_runs`), once per installed build and model file; the
  verdict is cached under memcurve's cache root, and a crash becomes one line naming cause and fix.

Override the decision with MEMCURVE_EXTRA_BUFTS=on|off (default auto).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from memcurve.paths import cache_path

EXTRA_BUFTS_ENV = "MEMCURVE_EXTRA_BUFTS"
AMX_CPU_FLAGS = frozenset({"amx_tile", "amx_int8", "amx_bf16"})
X86_64 = frozenset({"x86_64", "amd64", "x64"})
PROBE_PROMPT = "The capital of France is"
PROBE_TIMEOUT_SECONDS = 300
REBUILD_HINT = ('CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" '
                "pip install --force-reinstall --no-cache-dir --no-binary llama-cpp-python llama-cpp-python")


def _error(message: str) -> Exception:
    from memcurve.evals.models.llama_backend import OfflineModelError

    return OfflineModelError(message)


# -- what the machine and the build offer -----------------------------------------------------------------


@dataclass(frozen=True)
class Platform:
    """The facts the extra-buffer-type decision depends on (a value, so tests can force either answer)."""

    machine: str
    cpu_flags: frozenset[str]
    engine_features: Mapping[str, str]
    """llama.cpp's own system info, parsed: {"AMX_INT8": "1", "REPACK": "1", ...}; empty if unknown."""


def read_cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU feature flags Linux reports (x86 "flags", arm "Features"); empty where unreadable."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def parse_system_info(text: str) -> dict[str, str]:
    """'CPU : SSE3 = 1 | AVX = 1 | AMX_INT8 = 1 | ' -> {'SSE3': '1', 'AVX': '1', 'AMX_INT8': '1'}."""
    features: dict[str, str] = {}
    for part in text.replace("\n", "|").split("|"):
        name, sep, value = part.rpartition("=")
        if sep:
            features[name.split(":")[-1].strip()] = value.strip()
    return {k: v for k, v in features.items() if k}


def engine_system_info(llama_cpp: Any) -> str:
    try:
        return llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")
    except Exception:  # an older binding without it: the decision falls back to the CPU flags
        return ""


def current_platform(llama_cpp: Any) -> Platform:
    return Platform(platform.machine(), read_cpu_flags(), parse_system_info(engine_system_info(llama_cpp)))


def amx_path_present(p: Platform) -> bool:
    """True where llama.cpp could route a matrix multiply through its AMX kernels.

    Only x86-64 has AMX. If the engine reports how it was built, that decides: AMX kernels exist only in a
    build compiled with them (llama.cpp's system info says AMX_INT8 = 1). If it does not report, a CPU that
    lists AMX flags counts as present, to be safe.
    """
    if p.machine.lower() not in X86_64:
        return False
    if p.engine_features:
        return any(name.startswith("AMX") and value == "1" for name, value in p.engine_features.items())
    return bool(p.cpu_flags & AMX_CPU_FLAGS)


def use_extra_bufts(p: Platform, env: Mapping[str, str] = os.environ) -> tuple[bool, str]:
    """(use llama.cpp's extra buffer types?, why) — off only where the AMX path is present, unless overridden."""
    choice = env.get(EXTRA_BUFTS_ENV, "auto").strip().lower() or "auto"
    if choice in ("on", "true", "1"):
        return True, f"{EXTRA_BUFTS_ENV}={choice}"
    if choice in ("off", "false", "0"):
        return False, f"{EXTRA_BUFTS_ENV}={choice}"
    if choice != "auto":
        raise _error(f"invalid {EXTRA_BUFTS_ENV}={choice!r}: expected auto, on or off")
    if amx_path_present(p):
        return False, "off: llama.cpp's AMX path is present on this x86-64 machine (it can crash with SIGILL or SIGSEGV)"
    return True, f"on: no AMX path on this {p.machine} machine (keeps llama.cpp's CPU weight repacking)"


# -- loading a model with the decision applied ------------------------------------------------------------

_params_lock = threading.Lock()


@contextlib.contextmanager
def _model_params(llama_cpp: Any, extra_bufts: bool) -> Iterator[None]:
    """`llama_cpp.Llama` takes no use_extra_bufts argument; it fills its model params from
    `llama_model_default_params()`, so that function is wrapped for the duration of one load."""
    module = llama_cpp.llama_cpp
    with _params_lock:
        original = module.llama_model_default_params

        def defaults() -> Any:
            params = original()
            params.use_extra_bufts = extra_bufts
            return params

        module.llama_model_default_params = defaults
        try:
            yield
        finally:
            module.llama_model_default_params = original


def load_llama(llama_cpp: Any, path: str, extra_bufts: bool, **kwargs: Any) -> Any:
    """A `llama_cpp.Llama` for `path`, with extra buffer types on or off."""
    with _model_params(llama_cpp, extra_bufts):
        return llama_cpp.Llama(model_path=path, verbose=False, **kwargs)


# -- the child-process probe ------------------------------------------------------------------------------


def engine_build(llama_cpp: Any) -> dict[str, Any]:
    """What identifies an installed engine build: version and its shared libraries (path, size, mtime)."""
    lib_dir = Path(llama_cpp.__file__).resolve().parent / "lib"
    libraries = []
    for lib in sorted(lib_dir.glob("*")) if lib_dir.is_dir() else []:
        if lib.is_file() and not lib.is_symlink():
            stat = lib.stat()
            libraries.append([str(lib), stat.st_size, stat.st_mtime_ns])
    return {"llama_cpp": getattr(llama_cpp, "__version__", "unknown"), "libraries": libraries}


def cpu_library(build: Mapping[str, Any]) -> str:
    """The library a CPU fault would be in (libggml-cpu), else any library of the build, else ''."""
    names = [lib[0] for lib in build.get("libraries", [])]
    cpu = [n for n in names if "ggml-cpu" in Path(n).name]
    return (cpu or names or [""])[0]


@dataclass
class Verdict:
    """The outcome of loading the model in a child process."""

    ok: bool
    extra_bufts: bool
    detail: str
    """ok: the probe's answer and speed; not ok: the one-line error for the user."""
    prompt_tokens_per_second: float | None = None
    generation_tokens_per_second: float | None = None


def _cache_file(key: str) -> Path:
    return cache_path("engine", f"verdict-{key}.json")


def _probe_key(build: Mapping[str, Any], model_path: str, extra_bufts: bool) -> str:
    model = Path(model_path)
    stat = model.stat() if model.is_file() else None
    identity = {"build": build, "model": [str(model), stat.st_size if stat else None],
                "extra_bufts": extra_bufts, "python": sys.executable}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:24]


def _read_cached(key: str) -> Verdict | None:
    try:
        return Verdict(**json.loads(_cache_file(key).read_text()))
    except (OSError, ValueError, TypeError):
        return None  # absent or corrupt: probe again


def _write_cached(key: str, verdict: Verdict) -> None:
    target = _cache_file(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(asdict(verdict)))
        os.replace(partial, target)
    except OSError:
        pass  # an unwritable cache only costs a probe next time


def probe_command(model_path: str, extra_bufts: bool) -> list[str]:
    return [sys.executable, "-m", "memcurve.evals.models.engine_guard", model_path, "1" if extra_bufts else "0"]


def crash_cause(signal_name: str, extra_bufts: bool, amx_path: bool) -> tuple[str, str]:
    """(cause, fix) of a load that died with this signal. With extra buffer types on where the AMX path exists,
    that path is the cause whatever the signal: the same build dies with SIGILL on one AMX machine and SIGSEGV
    on another."""
    rebuild = f"rebuild it for this CPU: {REBUILD_HINT}"
    if extra_bufts and amx_path:
        return ("llama.cpp's AMX path, entered because extra buffer types are on",
                f"unset {EXTRA_BUFTS_ENV} or set it to off, or {rebuild}")
    if signal_name == "SIGILL":
        return ("it executes CPU instructions this machine cannot run (built for another CPU, or its AMX path)",
                rebuild)
    return "the build is broken", rebuild


def run_probe(command: list[str], build: Mapping[str, Any], extra_bufts: bool,
              timeout: float = PROBE_TIMEOUT_SECONDS, amx_path: bool = False) -> Verdict | None:
    """Run the probe command; a Verdict, or None if it timed out (a busy machine, not a broken build)."""
    env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None
    where = f"llama-cpp-python {build.get('llama_cpp', '?')} ({cpu_library(build) or 'library unknown'})"
    if done.returncode < 0:
        name = _signal_name(-done.returncode)
        cause, fix = crash_cause(name, extra_bufts, amx_path)
        return Verdict(False, extra_bufts,
                       f"the offline engine {where} crashed with {name} while loading the model: {cause}; fix: {fix}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1][:300]
        return Verdict(False, extra_bufts,
                       f"the offline engine {where} cannot load the model ({last}); "
                       f"fix: reinstall it: pip install --force-reinstall --no-cache-dir llama-cpp-python")
    result = json.loads(lines[-1])
    return Verdict(True, extra_bufts, f"answered {result['text']!r}",
                   result.get("prompt_tokens_per_second"), result.get("generation_tokens_per_second"))


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


_checked: dict[str, Verdict] = {}
_checked_lock = threading.Lock()


def ensure_engine_runs(llama_cpp: Any, model_path: str, *, refresh: bool = False) -> Verdict:
    """The verdict for this build and model (probing once if unknown); raises the one-line error if it crashed.

    Returns the verdict whose `extra_bufts` the caller must load with.
    """
    machine = current_platform(llama_cpp)
    extra_bufts, _ = use_extra_bufts(machine)
    build = engine_build(llama_cpp)
    key = _probe_key(build, model_path, extra_bufts)
    with _checked_lock:
        verdict = None if refresh else (_checked.get(key) or _read_cached(key))
        if verdict is None:
            verdict = run_probe(probe_command(model_path, extra_bufts), build, extra_bufts,
                                amx_path=amx_path_present(machine))
            if verdict is None:  # timed out: do not block the run, do not remember
                return Verdict(True, extra_bufts, f"probe timed out after {PROBE_TIMEOUT_SECONDS} s")
            _write_cached(key, verdict)
        _checked[key] = verdict
    if not verdict.ok:
        raise _error(verdict.detail)
    return verdict


def _probe_main(model_path: str, extra_bufts: bool) -> None:
    """Child process: load the model, answer a short prompt, print one JSON line with the speed."""
    import time

    from memcurve.evals.models.llama_backend import require_llama_cpp

    llama_cpp = require_llama_cpp()
    llm = load_llama(llama_cpp, model_path, extra_bufts, n_ctx=256, n_batch=64, n_ubatch=64)
    tokens = llm.tokenize(PROBE_PROMPT.encode(), add_bos=True)
    started = prompt_done = time.perf_counter()
    out: list[int] = []
    for token in llm.generate(tokens, temp=0.0):
        if not out and prompt_done == started:
            prompt_done = time.perf_counter()  # the first token is sampled right after the prompt is read
        if llama_cpp.llama_vocab_is_eog(llm._model.vocab, token) or len(out) >= 8:
            break
        out.append(token)
    finished = time.perf_counter()
    print(json.dumps({
        "text": llm.detokenize(out).decode("utf-8", errors="replace").strip(),
        "prompt_tokens_per_second": round(len(tokens) / max(prompt_done - started, 1e-9), 1),
        "generation_tokens_per_second": round(max(len(out) - 1, 0) / max(finished - prompt_done, 1e-9), 1),
    }), flush=True)


if __name__ == "__main__":
    _probe_main(sys.argv[1], sys.argv[2] == "1")
