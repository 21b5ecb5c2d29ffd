"""The notebooks run headless (nbclient) on the logs of a real small eval run, so they never rot."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.parametrize("name", ["transition_curves.ipynb", "cost_accuracy.ipynb"])
def test_notebook_runs_on_real_logs(name, small_eval_logs, monkeypatch):
    monkeypatch.setenv("MEMCURVE_LOGS", str(small_eval_logs))
    monkeypatch.setenv("MEMCURVE_RESAMPLES", "200")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "samples" in text and "scored" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, "the notebook draws at least one figure"
    if name == "transition_curves.ipynb":
        assert ("curves cross at" in text) or ("No accuracy crossover" in text)
