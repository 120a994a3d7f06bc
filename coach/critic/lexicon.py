"""Loads prompts/lexicon.yaml and compiles its cue families into regular expressions.

A key path such as "empathy.acknowledge" names a string or a list of strings; a list is joined into one
alternation. Compiling happens once per Lexicon object (the critic keeps one), so the hot path only matches.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from coach.errors import InputError


class Lexicon:
    def __init__(self, data: dict[str, Any], source: str = "<memory>") -> None:
        self.data = data
        self.source = source
        self._compiled: dict[str, re.Pattern[str]] = {}

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"cannot read lexicon {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise InputError(f"lexicon {path} must be a mapping")
        lex = cls(data, str(path))
        lex.validate()
        return lex

    def get(self, key: str, default: Any = None) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def rx(self, key: str) -> re.Pattern[str]:
        """The compiled pattern at `key` (a list of alternatives becomes one alternation)."""
        pat = self._compiled.get(key)
        if pat is None:
            value = self.get(key)
            if value is None:
                raise KeyError(f"lexicon has no entry {key!r} ({self.source})")
            source = "|".join(f"(?:{v})" for v in value) if isinstance(value, list) else str(value)
            pat = self._compiled[key] = re.compile(source)
        return pat

    def validate(self) -> None:
        """Compile every pattern now so a broken regex fails at load time with its key path."""
        def walk(node: Any, path: str) -> None:
            if isinstance(node, dict):
                for k, v in node.items():
                    walk(v, f"{path}.{k}" if path else str(k))
            elif isinstance(node, str) and path.count(".") >= 1 and not path.endswith((".label", ".version")):
                try:
                    re.compile(node)
                except re.error as exc:
                    raise InputError(f"lexicon {self.source}: bad pattern at {path}: {exc}") from exc
        walk(self.data, "")

    @cached_property
    def scene_rules(self) -> list[tuple[str, list[tuple[int, re.Pattern[str]]]]]:
        rules = []
        for scene, entries in (self.get("scenes") or {}).items():
            rules.append((scene, [(int(w), re.compile(p)) for w, p in entries]))
        return rules
