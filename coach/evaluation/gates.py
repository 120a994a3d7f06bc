"""Gates: a suite's pass/fail rules, and baselines to compare against.

- threshold: `min` / `max` on the metric's point estimate;
- baseline: the metric must not be *significantly* worse than eval/baselines/<suite>.json — below the baseline's
  confidence-interval lower bound (or above its upper bound for lower-is-better metrics such as false-alarm rate).
  A gap inside the baseline's interval is noise on a set of this size, not a regression.

A metric that is not applicable in this run (None, e.g. leak rate in rules mode) passes its gate with a note; so does a
baseline gate with no baseline yet (write one with `coach eval baseline RUN_ID`) and one whose baseline measured
another sample (the dataset was edited, or limit/seed/filters changed: its interval says nothing about this sample).
The note is in every report and in the CLI output, so a stale baseline is visible, not silent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.errors import InputError
from coach.evaluation.suite import Gate
from coach.settings import Settings

EPS = 1e-9


def baseline_path(settings: Settings, suite: str) -> Path:
    return settings.eval_dir / "baselines" / f"{suite}.json"


def load_baseline(settings: Settings, suite: str) -> dict[str, Any] | None:
    path = baseline_path(settings, suite)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"baseline {path} is unreadable: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise InputError(f"baseline {path} has no `metrics` object")
    return data


def write_baseline(settings: Settings, suite: str, run_id: str, report: dict[str, Any]) -> Path:
    """The run's flat metrics with their intervals become the suite's baseline (a reviewed, committed file)."""
    metrics = {name: {"value": m["value"], "ci": m.get("ci")} for name, m in flat_metrics(report["tasks"]).items()}
    data = {"suite": suite, "run_id": run_id, "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "git": report.get("provenance", {}).get("git", {}),
            "samples": {label: t.get("sample") for label, t in report["tasks"].items()}, "metrics": metrics}
    path = baseline_path(settings, suite)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def flat_metrics(tasks: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`label.metric` → {"value", "ci"} over every task of a report (headline and runner figures)."""
    out: dict[str, dict[str, Any]] = {}
    for label, t in tasks.items():
        for name, m in t["metrics"].items():
            out[f"{label}.{name}"] = {"value": m["value"], "ci": m.get("ci")}
        for name in ("errors", "latency_p50_ms", "latency_p95_ms", "cases"):
            if name in t:
                out[f"{label}.{name}"] = {"value": t[name], "ci": None}
    return out


def check_gates(label: str, gates: dict[str, Gate], values: dict[str, float | None],
                lower_is_better: frozenset[str], baseline: dict[str, Any] | None,
                sample: str | None = None) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for metric, gate in gates.items():
        value = values.get(metric)
        lower = metric in lower_is_better or metric in ("errors", "latency_p50_ms", "latency_p95_ms")
        if gate.min is not None:
            results.append(_threshold(metric, "min", gate.min, value, value is None or value >= gate.min - EPS))
        if gate.max is not None:
            results.append(_threshold(metric, "max", gate.max, value, value is None or value <= gate.max + EPS))
        if gate.baseline:
            results.append(_against_baseline(label, metric, value, lower, baseline, sample))
    return results


def _threshold(metric: str, kind: str, bound: float, value: float | None, passed: bool) -> dict[str, Any]:
    return {"metric": metric, "kind": kind, "bound": bound, "value": value, "passed": passed,
            "note": "not applicable in this run" if value is None else ""}


def _against_baseline(label: str, metric: str, value: float | None, lower: bool,
                      baseline: dict[str, Any] | None, sample: str | None) -> dict[str, Any]:
    entry = (baseline or {}).get("metrics", {}).get(f"{label}.{metric}")
    out: dict[str, Any] = {"metric": metric, "kind": "baseline", "bound": None, "value": value, "passed": True}
    if value is None:
        return out | {"note": "not applicable in this run"}
    if not entry or entry.get("value") is None:
        return out | {"note": "no baseline yet (coach eval baseline RUN_ID)"}
    then = (baseline or {}).get("samples", {}).get(label)
    if sample and then and then != sample:
        # another dataset version or another subset: the baseline's interval says nothing about this sample
        return out | {"note": "baseline not comparable: the dataset or the sample changed since it was written; "
                              "review and re-run `coach eval baseline RUN_ID`"}
    ci = entry.get("ci") or [entry["value"], entry["value"]]
    bound = ci[1] if lower else ci[0]
    passed = value <= bound + EPS if lower else value >= bound - EPS
    side = "upper" if lower else "lower"
    return out | {"bound": bound, "passed": passed, "baseline": entry["value"],
                  "note": f"baseline {entry['value']} (CI {side} bound {bound}, run {baseline.get('run_id', '?')})"
                  if baseline else ""}
