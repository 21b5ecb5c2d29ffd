"""Analysis: Inspect logs -> one tidy table -> statistics -> figures and the markdown report."""
