"""Load an eval dataset (JSON Lines) into pydantic items, collecting every problem as `file:line: message`.

Parsing is coach.datasets.read_jsonl (binary, encoding, over-long and malformed lines); this adds the model check,
task-specific checks and duplicate ids — an eval over a half-valid file would report numbers about a different set.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from coach.datasets import DatasetError, read_jsonl
from coach.evaluation.tasks.base import DatasetProblems

M = TypeVar("M", bound=BaseModel)
MAX_ITEMS = 200_000


def load_items(path: Path, model: type[M], check: Callable[[M], list[str]] | None = None) -> list[M]:
    items: list[M] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for n, obj in read_jsonl(path):
        if isinstance(obj, DatasetError):
            problems.append(str(obj))
            continue
        if len(items) >= MAX_ITEMS:
            problems.append(f"{path.name}:{n}: more than {MAX_ITEMS} items; split the dataset")
            break
        obj.setdefault("id", f"line{n}")
        obj["id"] = str(obj["id"])
        try:
            item = model.model_validate(obj)
        except ValidationError as exc:
            for err in exc.errors()[:3]:
                where = ".".join(str(x) for x in err["loc"]) or "line"
                problems.append(f"{path.name}:{n}: {where}: {err['msg']}")
            continue
        item_id = str(getattr(item, "id", ""))
        if item_id in seen:
            problems.append(f"{path.name}:{n}: duplicate id {item_id!r} (first on line {seen[item_id]})")
            continue
        seen[item_id] = n
        problems += [f"{path.name}:{n}: {msg}" for msg in (check(item) if check else [])]
        items.append(item)
    if not items and not problems:
        problems.append(f"{path.name}:1: the dataset is empty")
    if problems:
        raise DatasetProblems(problems)
    return items
