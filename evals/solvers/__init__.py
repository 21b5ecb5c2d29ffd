"""Solvers that decide what the model sees: the whole history, retrieved pieces, the evidence, or nothing.

SOLVERS (evals.solvers.registry) lists them by name; `compare` runs several in one task.
"""

from __future__ import annotations

from memcurve.evals.solvers.compare import compare
from memcurve.evals.solvers.full_context import full_context
from memcurve.evals.solvers.no_context import no_context
from memcurve.evals.solvers.options import SolverOptions, solver_options
from memcurve.evals.solvers.oracle import oracle
from memcurve.evals.solvers.rag import rag
from memcurve.evals.solvers.registry import SOLVERS, build_solver, build_solvers, uses_memory

__all__ = ["SOLVERS", "SolverOptions", "build_solver", "build_solvers", "compare", "full_context",
           "no_context", "oracle", "rag", "solver_options", "uses_memory"]
