"""The run history: one SQLite database under COACH_DATA_DIR (WAL, so the web app can read while a run writes).

A row per run: suite, status (running → done | interrupted), git commit, settings summary, prompt versions, the
metrics JSON and whether its gates passed. Rows are never rewritten once a run is done.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.settings import Settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id      TEXT PRIMARY KEY,
    suite       TEXT NOT NULL,
    source      TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL,
    git_commit  TEXT,
    settings    TEXT NOT NULL DEFAULT '{}',
    prompts     TEXT NOT NULL DEFAULT '{}',
    metrics     TEXT NOT NULL DEFAULT '{}',
    passed      INTEGER,
    cases       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_by_suite ON runs (suite, started_at);
"""


@dataclass
class RunRow:
    run_id: str
    suite: str
    source: str
    started_at: str
    finished_at: str | None
    status: str
    git_commit: str | None
    settings: dict[str, Any]
    prompts: dict[str, Any]
    metrics: dict[str, Any]
    passed: bool | None
    cases: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def db_path(settings: Settings) -> Path:
    return settings.data_dir / "eval.sqlite"


@contextmanager
def connect(settings: Settings) -> Iterator[sqlite3.Connection]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(db_path(settings)), timeout=30)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(SCHEMA)
        with con:
            yield con
    finally:
        con.close()


def insert_run(settings: Settings, run_id: str, suite: str, source: str, started_at: str) -> None:
    with connect(settings) as con:
        con.execute("INSERT INTO runs (run_id, suite, source, started_at, status) VALUES (?, ?, ?, ?, 'running')",
                    (run_id, suite, source, started_at))


def set_status(settings: Settings, run_id: str, status: str) -> None:
    with connect(settings) as con:
        con.execute("UPDATE runs SET status = ? WHERE run_id = ? AND status != 'done'", (status, run_id))


def finish_run(settings: Settings, run_id: str, *, finished_at: str, git_commit: str | None,
               settings_summary: dict[str, Any], prompts: dict[str, Any], metrics: dict[str, Any], passed: bool,
               cases: int) -> None:
    with connect(settings) as con:
        con.execute("UPDATE runs SET finished_at = ?, status = 'done', git_commit = ?, settings = ?, prompts = ?, "
                    "metrics = ?, passed = ?, cases = ? WHERE run_id = ?",
                    (finished_at, git_commit, json.dumps(settings_summary, ensure_ascii=False),
                     json.dumps(prompts, ensure_ascii=False), json.dumps(metrics, ensure_ascii=False), int(passed),
                     cases, run_id))


def _row(r: sqlite3.Row) -> RunRow:
    return RunRow(run_id=r["run_id"], suite=r["suite"], source=r["source"], started_at=r["started_at"],
                  finished_at=r["finished_at"], status=r["status"], git_commit=r["git_commit"],
                  settings=json.loads(r["settings"]), prompts=json.loads(r["prompts"]),
                  metrics=json.loads(r["metrics"]), passed=None if r["passed"] is None else bool(r["passed"]),
                  cases=r["cases"])


def get_run(settings: Settings, run_id: str) -> RunRow | None:
    if not db_path(settings).exists():
        return None
    with connect(settings) as con:
        con.row_factory = sqlite3.Row
        r = con.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    return _row(r) if r else None


def list_runs(settings: Settings, suite: str | None = None, limit: int = 50, done_only: bool = False) -> list[RunRow]:
    """Newest first."""
    if not db_path(settings).exists():
        return []
    where, args = [], []
    if suite:
        where.append("suite = ?")
        args.append(suite)
    if done_only:
        where.append("status = 'done'")
    sql = "SELECT * FROM runs" + (f" WHERE {' AND '.join(where)}" if where else "") + \
        " ORDER BY rowid DESC LIMIT ?"  # insertion order: two runs can start within one second
    with connect(settings) as con:
        con.row_factory = sqlite3.Row
        rows = con.execute(sql, (*args, limit)).fetchall()
    return [_row(r) for r in rows]
