"""Benchmarks against the lab; `python -m bench.run` runs them all and writes docs/benchmarks.md."""
