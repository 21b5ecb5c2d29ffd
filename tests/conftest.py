import os
import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).parent))  # tests/support.py; appended so tests/evals never shadows evals

from support import build_tiny_store, evidence_reader, mock_output  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny_store(tmp_path):
    """A hand-built one-persona benchmark file (see tests/support.py)."""
    return build_tiny_store(tmp_path / "tiny.duckdb")


@pytest.fixture(scope="session")
def small_eval_logs(tmp_path_factory):
    """Logs of a real `inspect eval tasks/convomem.py` run on a small generated benchmark (mockllm reader).

    Full context sees a window of 4,000 tokens (one or two real-length conversations), so it loses evidence as
    histories grow while RAG keeps finding it: the curves fall and cross, as in a real run. Shared by report
    and notebook tests.
    """
    from inspect_ai import eval
    from inspect_ai.model import get_model

    from memcurve.generators.config import build_config
    from memcurve.generators.generate import generate

    tmp = tmp_path_factory.mktemp("small_eval")
    db = tmp / "bench.duckdb"
    generate(build_config({"seed": 3, "personas": 3, "sizes": "1,4,16", "questions_per_category": 2,
                           "categories": "user_facts,changing_facts,abstention,temporal"}),
             db, force=False, progress=False)
    model = get_model("mockllm/model", custom_outputs=evidence_reader(db))
    grader = get_model("mockllm/model", custom_outputs=lambda *a: mock_output("RIGHT"))
    logs = tmp / "logs"
    cwd = os.getcwd()
    os.chdir(ROOT)  # Inspect resolves task files relative to the working directory
    try:
        [log] = eval("tasks/convomem.py", model=model, model_roles={"grader": grader}, display="none",
                     log_dir=str(logs),
                     task_args={"data": str(db), "solvers": "full_context,rag", "max_context_tokens": 4000})
    finally:
        os.chdir(cwd)
    assert log.status == "success", log.error
    return logs
