"""Evaluation: metrics, runner, reports (datasets and suites live in eval/)."""
