"""Sequence-order recall (SORT, Book-SORT style): which of two segments of a text came first?

construction: excerpts, distance bins, balanced A/B; sources: plain text or store histories as text;
dataset: Inspect Samples; solvers: in-context / no-context / rag prompts; scorer: A/B answers and metrics.
"""
