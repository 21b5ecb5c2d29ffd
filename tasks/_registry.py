"""Inspect entry point (`[project.entry-points.inspect_ai] memcurve = "memcurve._registry"`).

Inspect imports this module to find memcurve's registered providers and tasks, so that
`inspect eval memcurve/convomem` (and memcurve/longmemeval, memcurve/sort) runs from any directory and
`--model gguf/gemma-3-270m` / `--model memcurve/smoke` resolve. Keep it to imports of decorated objects:
nothing heavy runs here (llama_cpp is imported only when a gguf model is created).
"""

from memcurve.convomem import convomem  # noqa: F401  (memcurve/convomem)
from memcurve.evals.models.provider import gguf  # noqa: F401  (registers --model gguf/...)
from memcurve.evals.models.smoke import memcurve_models  # noqa: F401  (registers --model memcurve/smoke)
from memcurve.judge_audit import judge_audit  # noqa: F401  (memcurve/judge_audit)
from memcurve.longmemeval import longmemeval  # noqa: F401  (memcurve/longmemeval)
from memcurve.sort import sort  # noqa: F401  (memcurve/sort)
