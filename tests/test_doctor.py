"""`memcurve doctor`: every section present; a model that cannot run is one line and exit 1."""

from __future__ import annotations

import pytest

from memcurve import doctor
from memcurve.evals.models import engine_guard


def test_doctor_says_why_the_model_cannot_run(monkeypatch, capsys, tmp_path):
    pytest.importorskip("llama_cpp")
    monkeypatch.setenv("MEMCURVE_CACHE_DIR", str(tmp_path))

    def crashed(*args, **kwargs):
        raise engine_guard._error("the offline engine crashed with SIGILL while loading the model; fix: rebuild")

    monkeypatch.setattr(engine_guard, "ensure_engine_runs", crashed)
    assert doctor.main() == 1
    out = capsys.readouterr().out.splitlines()
    names = [line.split("  ")[0] for line in out]
    for section in ("python", "memcurve", "inspect-ai", "duckdb", "llama-cpp-python", "cpu", "cpu flags",
                    "engine build", "extra buffer types", "offline model", "logs", "cache"):
        assert section in names, section
    [line] = [line for line in out if line.startswith("offline model")]
    assert "CANNOT RUN" in line and "SIGILL" in line
    assert str(tmp_path) in next(line for line in out if line.startswith("cache"))
