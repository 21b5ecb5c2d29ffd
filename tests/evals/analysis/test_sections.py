"""The report's section registry: every section registered once, in order; bad registrations refused."""

import pytest

from memcurve.errors import MemcurveError
from memcurve.evals.analysis.sections import SECTIONS, registered, section


def test_sections_run_in_declared_order():
    names = registered()
    assert names[:3] == ["overview", "accuracy", "curves"]
    assert names.index("paired") < names.index("cost") < names.index("retrieval") < names.index("errors")
    assert len(set(names)) == len(names)
    assert [order for order, _, _ in SECTIONS] == sorted(order for order, _, _ in SECTIONS)


def test_duplicate_or_malformed_section_names_are_refused():
    with pytest.raises(MemcurveError, match="registered twice"):
        section("overview", order=99)(lambda ctx: [])
    with pytest.raises(MemcurveError, match="lower-case"):
        section("Bad Name", order=99)
