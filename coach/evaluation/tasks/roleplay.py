"""The roleplay task: each scenario played with its good and its bad trainee script (scripted customer, rules-mode
critic — the app's code path); the simulator must tell them apart.

Dataset: eval/roleplay/cases.jsonl — {"id", "scenario", "script" (path from the project root), "expect": "resolved" |
"failed", "seed"}. Headline metrics: the share of good scripts that end resolved, the share of bad scripts that end
escalated or gave up, both together (`separation_accuracy`), the mean end-mood gap between good and bad scripts,
and the mean mood gain of good scripts. Sessions are stored in a scratch database, never in the trainees' one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from coach.evaluation.stats import ratio
from coach.evaluation.tasks.base import LoadContext, Outcome, Task
from coach.evaluation.tasks.jsonl import load_items
from coach.roleplay.evaluate import FAILED, play_script
from coach.roleplay.library import ScenarioLibrary
from coach.roleplay.service import RoleplayService, read_script

if TYPE_CHECKING:
    from coach.services import Services


class ScriptCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    scenario: str = Field(min_length=1)
    script: str = Field(min_length=1)
    expect: Literal["resolved", "failed"]
    seed: str = "1"


class RoleplayTask(Task[ScriptCase]):
    name = "roleplay"
    description = "scenario outcomes and mood separation of good vs bad trainee scripts"
    default_dataset = "eval/roleplay/cases.jsonl"
    needs_kb = True

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self._root = Path(".")
        self._rp: RoleplayService | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    def load(self, path: Path, ctx: LoadContext) -> list[ScriptCase]:
        self._root = ctx.settings.eval_dir.parent
        s = ctx.settings
        known = ScenarioLibrary.load([s.prompts_dir / "scenarios", s.data_dir / "scenarios"]).scenarios

        def check(case: ScriptCase) -> list[str]:
            problems = [] if case.scenario in known else [f"unknown scenario {case.scenario!r}"]
            if not self._script_path(case).is_file():
                problems.append(f"script {case.script} not found")
            return problems

        return load_items(path, ScriptCase, check)

    def _script_path(self, case: ScriptCase) -> Path:
        p = Path(case.script)
        return p if p.is_absolute() else self._root / p

    def metric_names(self) -> list[str]:
        return ["good_resolved_rate", "bad_failed_rate", "separation_accuracy", "mood_separation", "good_mood_gain"]

    def prepare(self, services: Services) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="coach-eval-roleplay-")
        self._rp = RoleplayService(services, store_path=Path(self._scratch.name) / "roleplay.sqlite3")
        self._rp.library()
        services.critic.facts()

    def run_case(self, item: ScriptCase, services: Services) -> Outcome:
        if self._rp is None:
            self.prepare(services)
        assert self._rp is not None
        played = play_script(self._rp, item.scenario, read_script(self._script_path(item)), item.seed)
        good = item.expect == "resolved"
        ok = played.status == "resolved" if good else played.status in FAILED
        counts = {"n": 1.0, "good": float(good), "bad": float(not good), "correct": float(ok),
                  "good_resolved": float(good and ok), "bad_failed": float(not good and ok),
                  "good_mood_end": float(played.mood_end if good else 0), "bad_mood_end": float(
                      0 if good else played.mood_end),
                  "good_mood_gain": float(played.mood_end - played.mood_start if good else 0),
                  "turns": float(played.turns)}
        detail = {"scenario": item.scenario, "expect": item.expect, "status": played.status, "turns": played.turns,
                  "mood": [played.mood_start, played.mood_end], "scores": played.scores}
        return Outcome(counts, detail)

    def headline(self, counts: Mapping[str, float]) -> dict[str, float | None]:
        good, bad = counts.get("good", 0), counts.get("bad", 0)
        good_mood, bad_mood = ratio(counts.get("good_mood_end", 0), good), ratio(counts.get("bad_mood_end", 0), bad)
        return {
            "good_resolved_rate": ratio(counts.get("good_resolved", 0), good),
            "bad_failed_rate": ratio(counts.get("bad_failed", 0), bad),
            "separation_accuracy": ratio(counts.get("correct", 0), counts.get("n", 0)),
            "mood_separation": None if good_mood is None or bad_mood is None else round(good_mood - bad_mood, 2),
            "good_mood_gain": ratio(counts.get("good_mood_gain", 0), good),
        }

    def details(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        per: dict[str, dict[str, list[str]]] = {}
        for r in records:
            if r.get("error"):
                continue
            d = r["detail"]
            per.setdefault(d["scenario"], {}).setdefault(d["expect"], []).append(d["status"])
        wrong = [{"id": r["id"], **r["detail"]} for r in records
                 if not r.get("error") and not r["counts"].get("correct")]
        return {"outcomes_by_scenario": per, "wrong": wrong[:60]}
