"""The benchmark suite behind ``relief bench``: formulations x backends x sizes."""

from solver.bench.run import COLUMNS, run_suite

__all__ = ["COLUMNS", "run_suite"]
