"""Fixtures for the evaluation tests: an isolated project (its own eval/ with suites, datasets and baselines, so no
test writes into the repository's eval/), and a tiny `toy` task whose metrics are easy to compute by hand."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from coach.errors import InputError
from coach.evaluation.stats import ratio
from coach.evaluation.tasks import LoadContext, Outcome, Task, register_task
from coach.evaluation.tasks.jsonl import load_items
from coach.services import Services
from coach.settings import Settings


class ToyItem(BaseModel):
    id: str
    value: float
    label: str = ""


@register_task
class ToyTask(Task[ToyItem]):
    """mean = average value; positive_rate = share of values > 0.5. An item labelled "boom" fails with an input
    error whose message carries a phone number (it must reach the reports masked)."""

    name = "toy"
    calls: ClassVar[list[str]] = []
    offset: ClassVar[float] = 0.0  # subtracted from every value: a regression of the "system" on the same data
    _lock = threading.Lock()

    def load(self, path: Path, ctx: LoadContext) -> list[ToyItem]:
        return load_items(path, ToyItem)

    def metric_names(self) -> list[str]:
        return ["mean", "positive_rate"]

    def run_case(self, item: ToyItem, services: Services) -> Outcome:
        with self._lock:
            ToyTask.calls.append(item.id)
        if item.label == "boom":
            raise InputError("cannot score item, call 13812345678")
        value = item.value - ToyTask.offset
        return Outcome({"n": 1, "sum": value, "pos": float(value > 0.5)}, {"value": value})

    def headline(self, counts: Mapping[str, float]) -> dict[str, float | None]:
        return {"mean": ratio(counts.get("sum", 0), counts.get("n", 0)),
                "positive_rate": ratio(counts.get("pos", 0), counts.get("n", 0))}


@pytest.fixture
def project(settings: Settings, tmp_path: Path) -> Settings:
    """Settings whose eval/ is a fresh folder (suites/, baselines/); datasets are written by the tests."""
    eval_dir = tmp_path / "proj" / "eval"
    (eval_dir / "suites").mkdir(parents=True)
    (eval_dir / "baselines").mkdir()
    ToyTask.calls.clear()
    ToyTask.offset = 0.0
    return settings.model_copy(update={"eval_dir": eval_dir})


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def toy_suite(project: Settings, values: list[float], *, name: str = "toy", gates: str = "", extra: str = "",
              labels: dict[int, str] | None = None) -> Path:
    rows = [{"id": f"T{i:02d}", "value": v, "label": (labels or {}).get(i, "")} for i, v in enumerate(values)]
    write_jsonl(project.eval_dir / "toy.jsonl", rows)
    suite = project.eval_dir / "suites" / f"{name}.yaml"
    suite.write_text(f"name: {name}\ntask: toy\ndataset: eval/toy.jsonl\nbootstrap: 200\n{extra}"
                     + (f"gates:\n{gates}" if gates else ""), encoding="utf-8")
    return suite


@pytest.fixture
def services(project: Settings) -> Services:
    return Services(project)
