"""On-disk state of one index generation, next to (not inside) Chroma.

    <index_dir>/CURRENT            name of the live generation, swapped with os.replace (atomic)
    <index_dir>/<gen>/manifest.json  file → content hash, chunk ids; model id; the shop's jieba words
    <index_dir>/<gen>/chunks.json    chunk id → clean text, metadata, BM25 tokens (what search returns)
    <index_dir>/<gen>/chroma/        the embedded Chroma store (embedded mode only)
    <index_dir>/last_run.json        the report of the last `kb index` run (errors included)

Every file is written to a temporary name and renamed into place, so a reader sees the old or the new version,
never half of one. The manifest is written last: it is the commit point of an index run.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Bump when loaders/chunking/tokenisation change what a file produces: every file is then re-processed.
PIPELINE_VERSION = "6"


@dataclass
class FileEntry:
    hash: str
    size: int
    chunk_ids: list[str]
    words: list[str] = field(default_factory=list)  # jieba user words this file contributes (SKUs, names)
    doc_ids: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    model_id: str
    dim: int
    pipeline: str = PIPELINE_VERSION
    version: int = 0
    roots: list[str] = field(default_factory=list)
    files: dict[str, FileEntry] = field(default_factory=dict)

    def user_words(self) -> list[str]:
        return sorted({w for e in self.files.values() for w in e.words})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        files = {p: FileEntry(**e) for p, e in data.get("files", {}).items()}
        return cls(model_id=data["model_id"], dim=int(data["dim"]), pipeline=str(data.get("pipeline", "")),
                   version=int(data.get("version", 0)), roots=list(data.get("roots", [])), files=files)


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Layout:
    """Paths and the CURRENT pointer of one data dir's index."""

    def __init__(self, index_dir: Path) -> None:
        self.root = index_dir
        self.current_file = index_dir / "CURRENT"
        self.last_run_file = index_dir / "last_run.json"

    def current(self) -> str | None:
        try:
            name = self.current_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name if name and (self.root / name).is_dir() else None

    def gen_dir(self, name: str) -> Path:
        return self.root / name

    def new_generation(self) -> Path:
        name = f"g{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
        path = self.root / name
        path.mkdir(parents=True)
        return path

    def point_to(self, name: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".CURRENT.{secrets.token_hex(4)}.tmp"
        tmp.write_text(name + "\n", encoding="utf-8")
        os.replace(tmp, self.current_file)

    def generations(self) -> list[str]:
        return sorted(p.name for p in self.root.glob("g*") if p.is_dir()) if self.root.is_dir() else []

    def signature(self, gen: str | None) -> tuple[int, ...]:
        """Cheap change detector for readers: CURRENT's and the manifest's inode and mtime."""
        out: list[int] = []
        paths = [self.current_file] + ([self.gen_dir(gen) / "manifest.json"] if gen else [])
        for p in paths:
            try:
                st = p.stat()
                out += [st.st_ino, st.st_mtime_ns, st.st_size]
            except FileNotFoundError:
                out += [0, 0, 0]
        return tuple(out)
