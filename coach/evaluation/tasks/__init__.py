"""The task registry: a suite's `task:` name → the class that runs it.

Entries are import paths, imported on first use, so a task's module (and its heavy imports) loads only when a suite
uses it, and an owner adds a task by adding one line here (or calling `register_task` from their own module).
`drafting` and `roleplay` are reserved for their owners: until their modules exist, naming them in a suite is a
clear error instead of a crash.
"""

from __future__ import annotations

import importlib

from coach.errors import InputError
from coach.evaluation.tasks.base import DatasetProblems, LoadContext, Outcome, Task

TASKS: dict[str, str] = {
    "critique": "coach.evaluation.tasks.critique:CritiqueTask",
    "retrieval": "coach.evaluation.tasks.retrieval:RetrievalTask",
    "pii": "coach.evaluation.tasks.pii:PiiTask",
    "injection": "coach.evaluation.tasks.injection:InjectionTask",
    "drafting": "coach.evaluation.tasks.drafting:DraftingTask",
    "roleplay": "coach.evaluation.tasks.roleplay:RoleplayTask",
    "judge": "coach.evaluation.tasks.judge:JudgeTask",
}
_LOADED: dict[str, type[Task]] = {}  # type: ignore[type-arg]


def register_task(cls: type[Task]) -> type[Task]:  # type: ignore[type-arg]
    """Class decorator for tasks defined outside this package."""
    _LOADED[cls.name] = cls
    TASKS.setdefault(cls.name, f"{cls.__module__}:{cls.__qualname__}")
    return cls


def get_task_class(name: str) -> type[Task]:  # type: ignore[type-arg]
    if name in _LOADED:
        return _LOADED[name]
    target = TASKS.get(name)
    if target is None:
        raise InputError(f"unknown task {name!r} (known: {', '.join(sorted(TASKS))})")
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise InputError(f"task {name!r} is registered but not implemented yet ({module_name} does not exist)"
                             ) from None
        raise
    cls: type[Task] = getattr(module, attr)  # type: ignore[type-arg]
    _LOADED[name] = cls
    return cls


def task_names() -> list[str]:
    return list(TASKS)


__all__ = [
    "TASKS",
    "DatasetProblems",
    "LoadContext",
    "Outcome",
    "Task",
    "get_task_class",
    "register_task",
    "task_names",
]
