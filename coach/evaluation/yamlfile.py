"""YAML with line numbers: suites are hand-written, so every error names the line it is about.

`load_yaml(path)` returns the data and a map from a key path (("tasks", 0, "gates")) to its 1-based line;
`line_of(lines, loc)` finds the line of the deepest known prefix of a pydantic error location.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from coach.errors import InputError

Lines = dict[tuple[Any, ...], int]
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_YAML_BYTES = 1_000_000


class YamlProblems(InputError):
    """One or more problems in one file, each `file:line: message`."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def load_yaml(path: Path) -> tuple[Any, Lines]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_YAML_BYTES:
        raise YamlProblems([f"{path.name}:1: file larger than {MAX_YAML_BYTES} bytes"])
    if b"\x00" in raw:
        raise YamlProblems([f"{path.name}:1: binary file, not YAML"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlProblems([f"{path.name}:1: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)  # a SafeLoader (libyaml when available)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlProblems([f"{path.name}:{line}: malformed YAML: {problem}"]) from None
    lines: Lines = {}
    problems: list[str] = []
    if node is not None:
        _walk(node, (), lines, problems, path.name)
    if problems:
        raise YamlProblems(problems)
    return data, lines


def _walk(node: yaml.Node, at: tuple[Any, ...], lines: Lines, problems: list[str], name: str) -> None:
    lines.setdefault(at, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:  # PyYAML keeps the last one silently; a duplicated gate would hide the first
                problems.append(f"{name}:{key_node.start_mark.line + 1}: duplicate key {key!r}")
            seen.add(key)
            lines[(*at, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*at, key), lines, problems, name)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*at, i)] = item.start_mark.line + 1
            _walk(item, (*at, i), lines, problems, name)


def line_of(lines: Lines, loc: Sequence[Any]) -> int:
    """The line of the deepest prefix of `loc` that the file has (a missing key reports its parent's line)."""
    path = tuple(loc)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get((), 1)
