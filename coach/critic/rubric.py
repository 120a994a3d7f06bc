"""The principle rubric (prompts/rubric.yaml): one file read by the critic, roleplay scorer, drafting verifier,
LLM prompts and eval. Scoring follows its `scoring` block."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from coach.errors import InputError

CANONICAL = ("empathy", "positive_framing", "no_blame_shifting", "policy_accuracy", "anchoring", "reciprocity",
             "clarifying_question", "solution_timeline", "greeting_closing", "privacy", "honest_urgency", "clarity")


@dataclass
class Rubric:
    principles: dict[str, dict[str, Any]]
    scoring: dict[str, Any]
    version: str

    @classmethod
    def load(cls, path: Path) -> Rubric:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"cannot read rubric {path}: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("principles"), list):
            raise InputError(f"rubric {path} needs a `principles:` list")
        principles: dict[str, dict[str, Any]] = {}
        for n, p in enumerate(data["principles"], 1):
            if not isinstance(p, dict) or not p.get("id"):
                raise InputError(f"rubric {path}: principle #{n} has no id")
            sev = p.get("severity", 2)
            if sev not in (1, 2, 3):
                raise InputError(f"rubric {path}: principle {p['id']} severity must be 1, 2 or 3")
            principles[str(p["id"])] = p
        missing = [c for c in CANONICAL if c not in principles]
        if missing:
            raise InputError(f"rubric {path} lacks the canonical principles: {', '.join(missing)}")
        return cls(principles, data.get("scoring") or {}, str(data.get("version", "")))

    def name(self, pid: str) -> str:
        return str(self.principles.get(pid, {}).get("name_zh", pid))

    def score(self, violated: list[tuple[str, int]]) -> int:
        """100 minus the severity weight of each violated principle (once per principle); any critical (severity 3)
        violation caps the score at `critical_cap`; never below `floor`."""
        weights = {int(k): float(v) for k, v in (self.scoring.get("severity_weights") or {1: 5, 2: 12, 3: 25}).items()}
        seen: dict[str, int] = dict(violated)
        total = 100.0 - sum(weights.get(sev, 10.0) for sev in seen.values())
        if any(sev >= 3 for sev in seen.values()):
            total = min(total, float(self.scoring.get("critical_cap", 59)))
        return int(max(float(self.scoring.get("floor", 0)), round(total)))
