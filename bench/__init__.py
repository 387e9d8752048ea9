"""Benchmarks for atomtrig; see bench/README.md."""
