"""`make test` as a quality gate: the rules-mode smoke suite (eval/suites/smoke.yaml) through the same runner and
Services code path as `coach eval run smoke`, over the demo shop indexed by the `demo_kb` fixture. It fails when any
gate of the suite fails — a threshold, or a metric significantly below eval/baselines/smoke.json."""

from __future__ import annotations

from typing import Any

from coach.evaluation import run_suite
from coach.evaluation.suite import load_suite
from coach.services import Services
from coach.settings import Settings


def test_smoke_suite_passes_its_gates(settings: Settings, demo_kb: Any) -> None:
    services = Services(settings)
    services.__dict__["kb"] = demo_kb  # the session's indexed demo shop (read-only) instead of an empty data dir
    result = run_suite(services, "smoke")

    failed = [f"{label}.{g['metric']} {g['kind']} {g['bound']}: {g['value']} ({g['note']})"
              for label, t in result.report["tasks"].items() for g in t["gates"] if not g["passed"]]
    assert result.passed, "smoke gates failed: " + "; ".join(failed) + f" — report: {result.paths.get('md')}"

    suite = load_suite(settings, "smoke")
    tasks = result.report["tasks"]
    assert list(tasks) == [t.label for t in suite.tasks] == ["critique", "retrieval", "pii", "injection"]
    assert tasks["critique"]["cases"] == 60 and tasks["retrieval"]["cases"] == 30
    assert all(t["errors"] == 0 for t in tasks.values())
    assert tasks["injection"]["metrics"]["leak_rate"]["value"] is None  # rules mode: no system prompt to leak
    assert result.report["provenance"]["kb"]["chunks"] > 0
