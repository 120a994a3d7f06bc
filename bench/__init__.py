"""Benchmarks behind `make bench`: each module defines `run(ctx) -> list[Result]`; see bench/__main__.py."""
