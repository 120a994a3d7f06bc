"""Validate every suite and every dataset file: each problem as `file:line: message`.

Datasets are checked by the task that reads them: those a suite names, and every JSONL in the dataset folders below
(a held-out set nobody has run yet is still checked).
"""

from __future__ import annotations

from pathlib import Path

from coach.errors import InputError
from coach.evaluation.suite import list_suite_files, load_suite, resolve_dataset
from coach.evaluation.tasks import DatasetProblems, LoadContext, get_task_class
from coach.evaluation.yamlfile import YamlProblems
from coach.settings import Settings

DATASET_FOLDERS = {"golden": "critique", "retrieval": "retrieval", "privacy": "pii", "injection": "injection"}


def validate(settings: Settings, suite_paths: list[Path] | None = None) -> tuple[list[str], list[str]]:
    ctx = LoadContext(settings)
    problems: list[str] = []
    datasets: dict[Path, str] = {}
    suites = suite_paths or list_suite_files(settings)
    for path in suites:
        try:
            suite = load_suite(settings, path)
        except YamlProblems as exc:
            problems += exc.problems
            continue
        except InputError as exc:
            problems.append(f"{Path(path).name}: {exc}")
            continue
        for spec in suite.tasks:
            default = get_task_class(spec.task).default_dataset
            for ref in spec.dataset or ([default] if default else []):
                datasets.setdefault(resolve_dataset(settings, ref), spec.task)
    if not suite_paths:
        for folder, task in DATASET_FOLDERS.items():
            for f in sorted((settings.eval_dir / folder).glob("*.jsonl")):
                datasets.setdefault(f, task)
    for path, task_name in datasets.items():
        try:
            get_task_class(task_name)().load(path, ctx)
        except DatasetProblems as exc:
            problems += exc.problems
        except InputError as exc:
            problems.append(f"{path.name}: {exc}")
    return problems, [str(p) for p in suites] + [str(p) for p in datasets]
