"""The task interface: what a suite's `task:` names. One small class per task (critique, retrieval, pii, injection;
drafting and roleplay are added by their owners).

A task turns one dataset item into *additive counts* (hits, true positives, clean drafts …) plus details for the
report; its headline metrics are a function of counts summed over items. That split lets the runner resume per item,
run items concurrently, and bootstrap confidence intervals by resampling items — with the task's own function.

    class MyTask(Task[MyItem]):
        name = "mine"
        default_dataset = "eval/mine/cases.jsonl"
        def load(self, path, ctx): ...                 # validate; raise DatasetProblems with file:line messages
        def metric_names(self): return ["accuracy"]
        def run_case(self, item, services): return Outcome({"n": 1, "correct": ...}, {"detail": ...})
        def headline(self, counts): return {"accuracy": ratio(counts["correct"], counts["n"])}

`run(items, services)` (the plain, runner-free form) comes for free.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from coach.errors import InputError
from coach.evaluation.stats import total
from coach.settings import Settings

if TYPE_CHECKING:
    from coach.services import Services

ItemT = TypeVar("ItemT", bound=BaseModel)


class DatasetProblems(InputError):
    """Every bad line of a dataset, each `file:line: message` (a dataset must be clean before a run starts)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = self.problems[:20]
        more = f"\n… and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__("\n".join(shown) + more)


class LoadContext:
    """What a dataset check may need besides the file. `principles` (the rubric's ids) is read on first use: parsing
    the rubric costs more than loading most datasets."""

    def __init__(self, settings: Settings, principles: list[str] | None = None) -> None:
        self.settings = settings
        self._principles = principles

    @property
    def principles(self) -> list[str]:
        if self._principles is None:
            from coach.critic.rubric import Rubric

            self._principles = list(Rubric.load(self.settings.prompts_dir / "rubric.yaml").principles)
        return self._principles


@dataclass
class Outcome:
    counts: dict[str, float]
    detail: dict[str, Any] = field(default_factory=dict)


class Task(ABC, Generic[ItemT]):
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    default_dataset: ClassVar[str | None] = None
    needs_kb: ClassVar[bool] = False
    needs_llm: ClassVar[bool] = False  # refused in rules mode before the run starts
    lower_is_better: ClassVar[frozenset[str]] = frozenset()
    option_keys: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options = dict(options or {})
        unknown = set(self.options) - self.option_keys
        if unknown:
            known = ", ".join(sorted(self.option_keys)) or "none"
            raise InputError(f"unknown option(s) for task {self.name}: {', '.join(sorted(unknown))} (known: {known})")

    @abstractmethod
    def load(self, path: Path, ctx: LoadContext) -> list[ItemT]:
        """Read and validate a dataset; raise DatasetProblems listing every bad line."""

    @abstractmethod
    def metric_names(self) -> list[str]:
        """The headline metrics (gateable, with confidence intervals), in display order."""

    def prepare(self, services: Services) -> None:  # an optional hook: empty by default
        """Warm up in the main thread before workers start (load models, build caches)."""

    @abstractmethod
    def run_case(self, item: ItemT, services: Services) -> Outcome:
        """Run one item through the same Services code path the app uses. Raise CoachError for a failed item."""

    @abstractmethod
    def headline(self, counts: Mapping[str, float]) -> dict[str, float | None]:
        """Metrics from counts summed over items (None = undefined, e.g. no clean drafts in the sample)."""

    def details(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Tables and chart data for the reports (per-principle scores, misses …), from the per-item records.
        Any customer text in it must already be masked."""
        return {}

    def review_gates(self, gates: list[dict[str, Any]], values: Mapping[str, float | None]) -> list[dict[str, Any]]:
        """The gate results as checked, for a task to qualify (the judge task sets aside gates on an untrusted
        judge's verdicts, with a note). Default: unchanged."""
        return gates

    def run(self, items: Sequence[ItemT], services: Services) -> dict[str, float | None]:
        """The plain form: every item in order, then the headline metrics (no resume, no intervals)."""
        self.prepare(services)
        return self.headline(total([self.run_case(item, services).counts for item in items]))
