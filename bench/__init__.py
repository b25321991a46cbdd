"""Benchmarks and data generators. Run them all with `python -m bench`; results go
into docs/benchmarks.md."""
