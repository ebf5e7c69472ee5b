"""Proof under pressure: the fault matrix and the benchmark (``python -m bench.faults``,
``python -m bench.perf``), run from the repository root. Not part of the installed package."""
