"""Compare two recorded runs metric by metric: value, interval, delta, and whether the change is significant
(B's value outside A's 95 % interval) and in which direction (worse respects lower-is-better metrics)."""

from __future__ import annotations

from typing import Any

from coach.errors import InputError
from coach.evaluation import history
from coach.evaluation.gates import EPS, flat_metrics
from coach.settings import Settings


def compare_runs(settings: Settings, run_a: str, run_b: str) -> dict[str, Any]:
    a, b = (history.get_run(settings, r) for r in (run_a, run_b))
    for rid, row in ((run_a, a), (run_b, b)):
        if row is None:
            raise InputError(f"no run {rid} (see `coach eval list`)")
        if row.status != "done":
            raise InputError(f"run {rid} is {row.status}, not finished: nothing to compare")
    assert a is not None and b is not None
    fa, fb = flat_metrics(a.metrics), flat_metrics(b.metrics)
    lower = {f"{label}.{m}" for label, t in {**a.metrics, **b.metrics}.items() for m in t.get("lower_is_better", [])}
    lower |= {k for k in {*fa, *fb} if k.endswith(("errors", "latency_p50_ms", "latency_p95_ms"))}
    rows = []
    for name in list(dict.fromkeys([*fa, *fb])):
        if name.endswith(".cases"):
            continue
        va, vb = fa.get(name, {}).get("value"), fb.get(name, {}).get("value")
        ci = fa.get(name, {}).get("ci")
        delta = round(vb - va, 4) if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None
        significant = bool(ci and vb is not None and (vb < ci[0] - EPS or vb > ci[1] + EPS))
        worse = delta is not None and ((delta > EPS) if name in lower else (delta < -EPS))
        rows.append({"metric": name, "a": va, "a_ci": ci, "b": vb, "b_ci": fb.get(name, {}).get("ci"),
                     "delta": delta, "significant": significant, "worse": worse and significant})
    return {"a": _info(a), "b": _info(b), "rows": rows,
            "notes": _notes(a, b)}


def _info(row: history.RunRow) -> dict[str, Any]:
    return {"run_id": row.run_id, "suite": row.suite, "started_at": row.started_at, "git_commit": row.git_commit,
            "passed": row.passed, "mode": row.settings.get("mode"), "cases": row.cases}


def _notes(a: history.RunRow, b: history.RunRow) -> list[str]:
    """What differs besides the code: a delta means little when the settings or prompts changed too."""
    notes = []
    if a.suite != b.suite:
        notes.append(f"different suites: {a.suite} vs {b.suite}")
    for key in sorted(set(a.settings) | set(b.settings)):
        if a.settings.get(key) != b.settings.get(key):
            notes.append(f"setting {key}: {a.settings.get(key)} → {b.settings.get(key)}")
    for label in sorted(set(a.metrics) & set(b.metrics)):
        sa, sb = a.metrics[label].get("sample"), b.metrics[label].get("sample")
        if sa and sb and sa != sb:
            notes.append(f"{label}: the runs measured different samples (dataset edited, or limit/seed/filters)")
    for key in sorted(set(a.prompts) | set(b.prompts)):
        if a.prompts.get(key) != b.prompts.get(key):
            notes.append(f"prompt {key}: {a.prompts.get(key)} → {b.prompts.get(key)}")
    return notes
