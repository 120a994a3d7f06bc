"""Evaluation: suites (eval/suites/*.yaml) run through the app's Services, metrics with bootstrap intervals, gates,
run history and reports. See README.md in this folder for the suite format and the task interface.

The plain functions below are what the CLI (`coach eval …`) and the web app's QA tab use:

    list_suites(settings)                       -> [{"name", "path", "description", "tasks", "error"}]
    run_suite(services, "smoke", progress=cb)   -> RunResult(run_id, passed, report, paths)
    list_runs(settings, suite=None)             -> [RunRow] newest first
    report_paths(settings, run_id)              -> {"json": Path, "md": Path, "html": Path}
    compare_runs(settings, run_a, run_b)        -> {"a", "b", "rows": [{metric, a, b, delta, significant, worse}]}
    write_baseline_for(settings, run_id)        -> Path of eval/baselines/<suite>.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coach.errors import CoachError, InputError
from coach.evaluation.compare import compare_runs
from coach.evaluation.gates import write_baseline
from coach.evaluation.history import RunRow
from coach.evaluation.history import list_runs as _list_runs
from coach.evaluation.runner import Overrides, RunInterrupted, RunResult, report_paths, run_dir, run_suite
from coach.evaluation.suite import list_suite_files, load_suite
from coach.settings import Settings


def list_suites(settings: Settings) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in list_suite_files(settings):
        try:
            suite = load_suite(settings, path)
        except CoachError as exc:
            out.append({"name": path.stem, "path": str(path), "description": "", "tasks": [], "error": str(exc)})
            continue
        out.append({"name": suite.name, "path": str(path), "description": suite.description,
                    "tasks": [t.label for t in suite.tasks], "error": None})
    return out


def list_runs(settings: Settings, suite: str | None = None, limit: int = 50) -> list[RunRow]:
    return _list_runs(settings, suite=suite, limit=limit)


def write_baseline_for(settings: Settings, run_id: str) -> Path:
    paths = report_paths(settings, run_id)
    if "json" not in paths:
        raise InputError(f"run {run_id} has no report (unfinished or unknown): see `coach eval list`")
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    return write_baseline(settings, report["suite"], run_id, report)


__all__ = ["Overrides", "RunInterrupted", "RunResult", "RunRow", "compare_runs", "list_runs", "list_suites",
           "report_paths", "run_dir", "run_suite", "write_baseline_for"]
