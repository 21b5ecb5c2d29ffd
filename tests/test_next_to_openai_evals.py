"""Where OpenAI's `evals` distribution is installed (PyPI `evals`), it and memcurve import side by side.

Skipped where it is not installed; the simulated foreign `evals` package of test_packaging.py runs always.
"""

import importlib.metadata
import os
import subprocess
import sys

import pytest

CHECK = """
import evals, evals.api                 # OpenAI's package (its registry builds an OpenAI client at import)
import memcurve, memcurve.convomem, memcurve.evals.scorers
assert "site-packages" in evals.__file__ and hasattr(evals.api, "CompletionFn"), evals.__file__
assert memcurve.evals.__name__ == "memcurve.evals" and memcurve.evals.__file__ != evals.__file__
print(evals.__file__, memcurve.evals.__file__)
"""


def test_openai_evals_and_memcurve_import_together(tmp_path):
    try:
        importlib.metadata.distribution("evals")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("OpenAI's evals distribution is not installed here")
    # a neutral working directory: from the repository root, Python's cwd-first sys.path would find the
    # folder evals/ (memcurve.evals' source) before any installed `evals`
    env = {**os.environ, "OPENAI_API_KEY": os.environ.get("OPENAI_API_KEY", "placeholder-no-network-at-import")}
    run = subprocess.run([sys.executable, "-c", CHECK], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
