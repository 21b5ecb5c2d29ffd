"""memcurve: measure how well chat assistants remember, and where a long context window stops being enough.

This folder (tasks/) is the package root: the Inspect tasks and their registry entry point, the `memcurve`
CLI and the errors every layer raises. memcurve.generators (folder generators/) makes and imports benchmark
data; memcurve.evals (folder evals/) runs them under Inspect and analyses the logs (evals/analysis/).
"""
