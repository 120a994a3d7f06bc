"""Reading JSONL datasets (cases, retrieval questions, drafting cases …) with line-numbered errors.

A malformed line never stops the file: it is yielded as a `DatasetError` carrying its line number, so batch
commands can report it in place and go on (nothing else in the batch is lost)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from coach.errors import InputError
from coach.models import Case

MAX_LINE_CHARS = 1_000_000


class DatasetError(InputError):
    def __init__(self, path: Path, line: int, message: str, case_id: str = "") -> None:
        super().__init__(f"{path.name}:{line}: {message}")
        self.line = line
        self.case_id = case_id


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | DatasetError]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if b"\x00" in raw[:8192]:
        raise InputError(f"{path} is binary, not JSON Lines")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            yield n, DatasetError(path, n, f"line longer than {MAX_LINE_CHARS} characters")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, DatasetError(path, n, f"not valid JSON ({exc.msg}, column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            yield n, DatasetError(path, n, "each line must be a JSON object")
            continue
        yield n, obj


def read_cases(path: Path) -> Iterator[Case | DatasetError]:
    for n, obj in read_jsonl(path):
        if isinstance(obj, DatasetError):
            yield obj
            continue
        cid = str(obj.get("id", "")) or f"line{n}"
        try:
            case = Case.model_validate({**obj, "id": cid})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            yield DatasetError(path, n, f"{where}: {first['msg']}", cid)
            continue
        yield case


def load_cases(path: Path) -> list[Case]:
    """All cases of a file, or an InputError listing every bad line (for eval: a dataset must be clean)."""
    cases: list[Case] = []
    errors: list[DatasetError] = []
    for item in read_cases(path):
        if isinstance(item, DatasetError):
            errors.append(item)
        else:
            cases.append(item)
    if errors:
        raise InputError(f"{len(errors)} bad line(s) in {path}: " + "; ".join(str(e) for e in errors[:5]))
    return cases
