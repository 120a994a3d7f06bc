"""The scenario library: every prompts/scenarios/*.yaml (and the data dir's own scenarios/), validated.

A broken file never takes the library down: it is left out and its problems (with line numbers) are listed in
`errors`, so `coach roleplay list` and the web tab can show them to the trainer who wrote it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coach.errors import InputError
from coach.roleplay.scenario import Scenario
from coach.roleplay.yamlfile import DataFileError, load_model

MAX_SCENARIOS = 500
_CACHE: dict[tuple[Any, ...], ScenarioLibrary] = {}
_CACHE_LOCK = threading.Lock()


def load_scenario(path: Path, principles: set[str] | None = None) -> Scenario:
    """One scenario file; raises DataFileError naming each problem's line and field."""
    scenario = load_model(path, Scenario, {"principles": principles} if principles else None)
    if scenario.id != path.stem:
        raise DataFileError(path, [f"{path.name}:1: id: {scenario.id!r} must match the file name ({path.stem!r})"])
    return scenario


@dataclass
class ScenarioLibrary:
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # file path -> problems
    sources: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def load(cls, dirs: Iterable[Path], principles: set[str] | None = None) -> ScenarioLibrary:
        lib = cls()
        for d in dirs:
            if not d.is_dir():
                continue
            for path in sorted(d.glob("*.yaml"))[:MAX_SCENARIOS]:
                if path.name.startswith(("_", ".")):
                    continue
                try:
                    sc = load_scenario(path, principles)
                except DataFileError as exc:
                    lib.errors[str(path)] = exc.problems
                    continue
                if sc.id in lib.scenarios:
                    lib.errors[str(path)] = [f"{path.name}:1: id: {sc.id!r} is already defined in "
                                             f"{lib.sources[sc.id]}"]
                    continue
                lib.scenarios[sc.id] = sc
                lib.sources[sc.id] = path
        return lib

    def get(self, scenario_id: str) -> Scenario:
        sc = self.scenarios.get(scenario_id)
        if sc is None:
            known = ", ".join(sorted(self.scenarios)) or "(none)"
            raise InputError(f"没有这个场景 / unknown scenario {scenario_id!r}; known: {known}")
        return sc

    def ordered(self) -> list[Scenario]:
        return sorted(self.scenarios.values(), key=lambda s: (s.difficulty, s.id))


def signature(dirs: Sequence[Path]) -> tuple[Any, ...]:
    """Changes when a scenario file is added, edited or removed."""
    out: list[tuple[str, int, int]] = []
    for d in dirs:
        if d.is_dir():
            for p in sorted(d.glob("*.yaml")):
                try:
                    st = p.stat()
                except OSError:
                    continue
                out.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(out)


def load_library(dirs: Sequence[Path], principles: set[str] | None = None) -> ScenarioLibrary:
    """The library of `dirs`, parsed once per version of the files (shared by every Services in the process):
    trainers add or edit scenarios without a restart, and nobody re-parses unchanged files."""
    key = (tuple(str(d) for d in dirs), frozenset(principles or ()), signature(dirs))
    with _CACHE_LOCK:
        lib = _CACHE.get(key)
        if lib is None:
            lib = ScenarioLibrary.load(dirs, principles)
            if len(_CACHE) > 16:
                _CACHE.clear()
            _CACHE[key] = lib
        return lib
