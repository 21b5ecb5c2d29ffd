"""Inspect entry point (`[project.entry-points.inspect_ai] memcurve = "memcurve._registry"`).

Inspect imports this module lazily to find memcurve's registered providers and tasks. Keep it to imports
of decorated objects: nothing heavy runs here (llama_cpp is imported only when a gguf model is created).
"""

from memcurve.evals.models.provider import gguf  # noqa: F401  (registers --model gguf/...)
