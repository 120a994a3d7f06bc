"""What an index run did, file by file — the CLI prints it, `kb.stats()` keeps the last one."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FileIssue:
    path: str
    reason: str


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[FileIssue] = field(default_factory=list)
    skipped: list[FileIssue] = field(default_factory=list)  # on purpose: hidden files, READMEs
    warnings: list[FileIssue] = field(default_factory=list)  # indexed, but something in it was left out
    chunks_embedded: int = 0
    chunks_reused: int = 0  # chunks of a changed file whose text did not change: vector kept
    chunks_total: int = 0
    rebuilt: bool = False
    generation: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IndexReport:
        report = cls(**{k: v for k, v in data.items()
                        if k in cls.__dataclass_fields__ and k not in ("failed", "skipped", "warnings")})
        report.failed = [FileIssue(**i) for i in data.get("failed", [])]
        report.skipped = [FileIssue(**i) for i in data.get("skipped", [])]
        report.warnings = [FileIssue(**i) for i in data.get("warnings", [])]
        return report
