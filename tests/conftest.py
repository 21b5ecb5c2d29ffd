import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/support.py

from support import build_tiny_store  # noqa: E402


@pytest.fixture
def tiny_store(tmp_path):
    """A hand-built one-persona benchmark file (see tests/support.py)."""
    return build_tiny_store(tmp_path / "tiny.duckdb")
