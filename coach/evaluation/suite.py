"""Suites: what to run, as YAML in eval/suites/ (format in coach/evaluation/README.md).

A suite is one or more task blocks — task, dataset(s), filters, limit, seed, repeat, concurrency, options, metrics,
gates — plus suite-wide defaults. Loading validates everything a run would trip over later (unknown keys, tasks,
metrics, gate bounds) and reports each problem with its line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from coach.errors import InputError
from coach.evaluation.yamlfile import Lines, YamlProblems, line_of, load_yaml
from coach.settings import Settings

FilterValue = str | int | float | bool


class Gate(BaseModel):
    """`min`/`max`: the metric's point estimate must be ≥ min / ≤ max. `baseline: true`: it must not be
    significantly worse than eval/baselines/<suite>.json (outside the baseline's confidence interval)."""

    model_config = ConfigDict(extra="forbid")
    min: float | None = None
    max: float | None = None
    baseline: bool = False

    @model_validator(mode="after")
    def _something(self) -> Gate:
        if self.min is None and self.max is None and not self.baseline:
            raise ValueError("a gate needs min, max or baseline: true")
        return self


class TaskSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task: str
    label: str = ""
    dataset: list[str] = Field(default_factory=list)
    filters: dict[str, list[FilterValue]] = Field(default_factory=dict)
    limit: int | None = Field(default=None, ge=1)
    seed: int | None = None
    repeat: int | None = Field(default=None, ge=1, le=100)
    concurrency: int | None = Field(default=None, ge=1, le=64)
    options: dict[str, Any] = Field(default_factory=dict)
    metrics: list[str] | None = None
    gates: dict[str, Gate] = Field(default_factory=dict)

    @field_validator("dataset", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("filters", mode="before")
    @classmethod
    def _scalar_filter(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: x if isinstance(x, list) else [x] for k, x in v.items()}
        return v

    @model_validator(mode="after")
    def _label(self) -> TaskSpec:
        self.label = self.label or self.task
        return self


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = ""
    description: str = ""
    seed: int = 0
    limit: int | None = Field(default=None, ge=1)
    repeat: int = Field(default=1, ge=1, le=100)
    concurrency: int = Field(default=1, ge=1, le=64)
    bootstrap: int = Field(default=1000, ge=100, le=100_000)
    # "demo": index the bundled demo shop when COACH_DATA_DIR has no knowledge yet; "existing": use what is indexed
    kb: Literal["existing", "demo"] = "existing"
    as_of: date | None = None  # pins "today" for promotion validity (the golden set is written against a date)
    # LLM mode: price per million tokens, for cost per case in the report (currency of your contract)
    llm_prices: dict[Literal["input_per_mtok", "output_per_mtok"], float] | None = None
    tasks: list[TaskSpec] = Field(min_length=1)
    source: str = ""  # the file it came from (set by the loader)

    @model_validator(mode="before")
    @classmethod
    def _single_task_shorthand(cls, data: Any) -> Any:
        # `task: critique` at the top level is a one-task suite: its task keys move into `tasks: [...]`
        if isinstance(data, dict) and "task" in data and "tasks" not in data:
            task_keys = set(TaskSpec.model_fields) - {"seed", "limit", "repeat", "concurrency"}
            data = dict(data)
            data["tasks"] = [{k: data.pop(k) for k in list(data) if k in task_keys}]
        return data

    @model_validator(mode="after")
    def _unique_labels(self) -> Suite:
        labels = [t.label for t in self.tasks]
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        if dupes:
            raise ValueError(f"task labels must be unique (give `label:`): {', '.join(dupes)}")
        return self

    def task_setting(self, spec: TaskSpec, key: str) -> Any:
        """A task's own value, else the suite's default."""
        own = getattr(spec, key)
        return own if own is not None else getattr(self, key)


def suites_dir(settings: Settings) -> Path:
    return settings.eval_dir / "suites"


def project_root(settings: Settings) -> Path:
    """Relative dataset paths in a suite are relative to the directory holding eval/ (the repository)."""
    return settings.eval_dir.parent


def resolve_suite_path(settings: Settings, name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return p
    candidate = suites_dir(settings) / f"{name_or_path}.yaml"
    if candidate.exists():
        return candidate
    known = ", ".join(s.stem for s in sorted(suites_dir(settings).glob("*.yaml"))) or "none"
    raise InputError(f"no suite {str(name_or_path)!r}: give a name in {suites_dir(settings)} ({known}) or a .yaml path")


def load_suite(settings: Settings, name_or_path: str | Path) -> Suite:
    path = resolve_suite_path(settings, name_or_path)
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise YamlProblems([f"{path.name}:1: a suite is a mapping (name, tasks, …), not {type(data).__name__}"])
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        raise YamlProblems([_problem(path, lines, data, e) for e in exc.errors()]) from None
    suite.name = suite.name or path.stem
    suite.source = str(path)
    problems = check_references(settings, suite, path, lines, "tasks" in data)
    if problems:
        raise YamlProblems(problems)
    return suite


def _problem(path: Path, lines: Lines, data: dict[str, Any], err: Any) -> str:
    loc = list(err["loc"])
    if loc and loc[0] == "tasks" and "tasks" not in data:  # shorthand suite: task keys are at the top level
        loc = loc[2:]
    where = ".".join(str(x) for x in loc) or "suite"
    return f"{path.name}:{line_of(lines, loc)}: {where}: {err['msg']}"


def check_references(settings: Settings, suite: Suite, path: Path, lines: Lines, listed: bool) -> list[str]:
    """Tasks that exist, metrics and gates the task reports, option keys it knows, datasets that exist."""
    from coach.evaluation.tasks import get_task_class

    problems: list[str] = []

    def at(i: int, *key: Any) -> str:
        loc = ("tasks", i, *key) if listed else key
        return f"{path.name}:{line_of(lines, loc)}"

    for i, spec in enumerate(suite.tasks):
        try:
            cls = get_task_class(spec.task)
        except InputError as exc:
            problems.append(f"{at(i, 'task')}: {exc}")
            continue
        try:
            task = cls(spec.options)
        except InputError as exc:
            problems.append(f"{at(i, 'options')}: {exc}")
            continue
        known = set(task.metric_names()) | set(RUNNER_METRICS)
        for m in spec.metrics or []:
            if m not in known:
                problems.append(f"{at(i, 'metrics')}: unknown metric {m!r} for task {spec.task} "
                                f"(known: {', '.join(sorted(known))})")
        for m in spec.gates:
            if m not in known:
                problems.append(f"{at(i, 'gates', m)}: gate on unknown metric {m!r} for task {spec.task} "
                                f"(known: {', '.join(sorted(known))})")
        if not spec.dataset and not cls.default_dataset:
            problems.append(f"{at(i)}: task {spec.task} needs a dataset")
        for j, ds in enumerate(spec.dataset):
            if not resolve_dataset(settings, ds).exists():
                problems.append(f"{at(i, 'dataset', j) if len(spec.dataset) > 1 else at(i, 'dataset')}: "
                                f"dataset {ds} not found")
    return problems


# figures every task gets from the runner itself (not bootstrapped)
RUNNER_METRICS = ("errors", "latency_p50_ms", "latency_p95_ms", "cases")


def resolve_dataset(settings: Settings, ref: str | Path) -> Path:
    p = Path(ref)
    return p if p.is_absolute() else project_root(settings) / p


def list_suite_files(settings: Settings) -> list[Path]:
    return sorted(suites_dir(settings).glob("*.yaml"))
