"""The eval harness's `roleplay` task: dataset checks with line numbers, and the metrics on real scripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.evaluation.tasks import DatasetProblems, LoadContext, get_task_class
from coach.services import Services
from coach.settings import REPO_ROOT, Settings


def test_registered_and_dataset_problems_are_line_numbered(settings: Settings, tmp_path: Path) -> None:
    task = get_task_class("roleplay")()
    rows = [{"id": "a", "scenario": "logistics_delay_angry", "script": "eval/roleplay/logistics_delay_angry.good.txt",
             "expect": "resolved"},
            {"id": "b", "scenario": "nope", "script": "eval/roleplay/logistics_delay_angry.good.txt",
             "expect": "resolved"},
            {"id": "c", "scenario": "logistics_delay_angry", "script": "eval/roleplay/missing.txt", "expect": "failed"},
            {"id": "d", "scenario": "logistics_delay_angry", "script": "x", "expect": "maybe"}]
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ctx = LoadContext(settings.model_copy(update={"eval_dir": REPO_ROOT / "eval"}))
    with pytest.raises(DatasetProblems) as err:
        task.load(path, ctx)
    text = str(err.value)
    assert "cases.jsonl:2: unknown scenario 'nope'" in text
    assert "cases.jsonl:3: script eval/roleplay/missing.txt not found" in text
    assert "cases.jsonl:4: expect" in text


def test_metrics_on_the_shipped_dataset(rp_services: Services, settings: Settings) -> None:
    task = get_task_class("roleplay")()
    ctx = LoadContext(settings.model_copy(update={"eval_dir": REPO_ROOT / "eval"}))
    items = task.load(REPO_ROOT / "eval" / "roleplay" / "cases.jsonl", ctx)
    assert {i.scenario for i in items} >= {"logistics_delay_angry", "impersonation_scam"}
    subset = [i for i in items if i.scenario in ("logistics_delay_angry", "impersonation_scam") and i.seed == "1"]
    metrics = task.run(subset, rp_services)
    assert metrics["good_resolved_rate"] == 1.0 and metrics["bad_failed_rate"] == 1.0
    assert metrics["mood_separation"] is not None and metrics["mood_separation"] > 30
    # scratch database: the eval's sessions never appear in a trainee's progress
    assert not (settings.data_dir / "roleplay.sqlite3").exists()
