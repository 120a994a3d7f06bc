"""Run the critic over a case set and score it: the same `Services.critique` path the app and CLI use."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coach.errors import CoachError
from coach.evaluation.critique_metrics import CritiqueScores, score_critiques
from coach.models import Case, Critique


@dataclass
class CritiqueRun:
    scores: CritiqueScores
    latencies_ms: list[float]
    results: list[tuple[Case, Critique]]
    errors: list[tuple[str, str]]


def run_critique_eval(cases: Sequence[Case], critique: Callable[[Case], Critique], principles: Sequence[str],
                      citation_exists: Callable[[str], bool] | None = None) -> CritiqueRun:
    results: list[tuple[Case, Critique]] = []
    latencies: list[float] = []
    errors: list[tuple[str, str]] = []
    for case in cases:
        t0 = time.perf_counter()
        try:
            crit = critique(case)
        except CoachError as exc:
            errors.append((case.id, str(exc)))
            continue
        latencies.append((time.perf_counter() - t0) * 1000)
        results.append((case, crit))
    return CritiqueRun(score_critiques(results, principles, citation_exists), latencies, results, errors)


def confusion_report(run: CritiqueRun) -> str:
    """A plain-text table: per-principle P/R/F1 and counts, then the headline figures."""
    lines = [f"{'principle':22} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}"]
    for p, c in run.scores.per_principle.items():
        lines.append(f"{p:22} {c.precision:6.2f} {c.recall:6.2f} {c.f1:6.2f} {c.tp:4d} {c.fp:4d} {c.fn:4d}")
    s = run.scores
    lines.append(f"macro-F1 {s.macro_f1:.3f} · clean false alarms {s.clean_false_alarms}/{s.clean_cases}"
                 f" ({s.clean_false_alarm_rate:.1%}) · errors {len(run.errors)}")
    return "\n".join(lines)
