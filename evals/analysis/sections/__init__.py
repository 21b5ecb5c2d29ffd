"""Report sections: one small module per section, registered with an explicit order.

A section is a function ``(ctx: Context) -> list[str]`` returning markdown lines (an empty list when it
does not apply to this group of logs). ``build_report`` runs every registered section, in ``order``, once
per group (task x dataset x model x headline scorer). To add one, write a module here with

    from memcurve.evals.analysis.sections.base import Context, section

    @section("judge_audit", order=75)
    def judge_audit(ctx: Context) -> list[str]: ...

and import it below (orders leave gaps of 10 so sections can slot in between).
"""

from memcurve.evals.analysis.sections.base import SECTIONS, Context, registered, section

# Import order does not matter: sections run sorted by their `order`.
from memcurve.evals.analysis.sections import (  # noqa: F401,E402  (registration side effects)
    accuracy,
    agreement,
    budget,
    cost,
    curves,
    errors,
    overlap,
    overview,
    paired,
    retrieval,
    sort_summary,
    stages,
)

__all__ = ["SECTIONS", "Context", "registered", "section"]
