"""Read a YAML data file and validate it with pydantic, reporting every problem as `file:line: field: message`.

Trainers write scenario files by hand; an error that names the line and the field is the difference between a
two-minute fix and giving up. PyYAML's node tree keeps each value's position, so a pydantic error location
(`("lines", "end", "resolved", 2)`) is walked down the tree to the line it came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from coach.errors import InputError

MAX_FILE_BYTES = 256 * 1024
# libyaml when present (10× faster); one pass yields both the node tree (line numbers) and the data.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
M = TypeVar("M", bound=BaseModel)


class DataFileError(InputError):
    """A data file that cannot be used; `problems` holds one `file:line: message` string per problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("; ".join(problems))


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(path, [f"{path.name}: cannot read ({exc.strerror or exc})"]) from exc
    if len(raw) > max_bytes:
        raise DataFileError(path, [f"{path.name}: file is {len(raw)} bytes, more than the {max_bytes} allowed"])
    if b"\x00" in raw[:8192]:
        raise DataFileError(path, [f"{path.name}: binary file, not text"])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(path, [f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc


def parse(path: Path, text: str) -> tuple[Any, yaml.Node | None]:
    """The plain data and the node tree (for line numbers) of one YAML document."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path.name}:{mark.line + 1}" if mark is not None else path.name
        problem = getattr(exc, "problem", None) or str(exc)
        raise DataFileError(path, [f"{where}: YAML syntax error: {problem}"]) from exc
    finally:
        loader.dispose()
    return data, node


def line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """1-based line of the field at `loc` (the line of its key), or of the deepest ancestor that exists — so a
    missing key is reported at the key of the mapping that lacks it."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)),
                        None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def explain(path: Path, exc: ValidationError, node: yaml.Node | None) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if isinstance(p, (int, str)))
        field = ".".join(str(p) for p in loc) or "(file)"
        line = line_of(node, loc)
        where = f"{path.name}:{line}" if line else path.name
        msg = err["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {field}: {msg}")
    return problems


def load_model(path: Path, model: type[M], context: dict[str, Any] | None = None) -> M:
    """Read, parse and validate one file; raises DataFileError listing every problem with its line."""
    data, node = parse(path, read_text(path))
    if not isinstance(data, dict):
        raise DataFileError(path, [f"{path.name}:1: the file must be a YAML mapping (key: value), "
                                   f"not {type(data).__name__}"])
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise DataFileError(path, explain(path, exc, node)) from None
