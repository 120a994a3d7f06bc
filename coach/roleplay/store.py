"""Roleplay persistence: trainees, sessions, turns and per-principle scores in SQLite under COACH_DATA_DIR.

WAL journal, one short connection per operation (safe across threads and processes), and each trainee turn is
committed in ONE transaction together with the session's new state — so a process killed at any moment leaves the
session at its last committed turn (only the turn in flight is lost) and it can be resumed from there.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.errors import CoachError, InputError

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS trainees (
    id TEXT PRIMARY KEY, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, trainee_id TEXT NOT NULL REFERENCES trainees(id),
    scenario_id TEXT NOT NULL, scenario_title TEXT NOT NULL, difficulty INTEGER NOT NULL,
    scenario_json TEXT NOT NULL,             -- the scenario as it was at start: resuming never sees an edited file
    seed TEXT NOT NULL, customer_mode TEXT NOT NULL, status TEXT NOT NULL, opening TEXT NOT NULL,
    state_json TEXT NOT NULL, started_at REAL NOT NULL, updated_at REAL NOT NULL, ended_at REAL, score REAL);
CREATE INDEX IF NOT EXISTS sessions_by_trainee ON sessions(trainee_id, started_at);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id), idx INTEGER NOT NULL,
    trainee TEXT NOT NULL, customer TEXT NOT NULL, critique_json TEXT NOT NULL, effects_json TEXT NOT NULL,
    score INTEGER NOT NULL, mood_before INTEGER NOT NULL, mood_after INTEGER NOT NULL,
    trust_before INTEGER NOT NULL, trust_after INTEGER NOT NULL,
    think_ms REAL NOT NULL, process_ms REAL NOT NULL, created_at REAL NOT NULL,
    PRIMARY KEY (session_id, idx));
CREATE TABLE IF NOT EXISTS scores (
    session_id TEXT NOT NULL REFERENCES sessions(id), principle TEXT NOT NULL,
    applied INTEGER NOT NULL, violated INTEGER NOT NULL, score REAL NOT NULL,
    PRIMARY KEY (session_id, principle));
"""


class SessionNotFoundError(InputError):
    """No session with that id in this data dir."""


class TurnConflictError(CoachError):
    """Another request already took this turn (a double submit): reload the session."""


@dataclass
class SessionRow:
    id: str
    trainee_id: str
    scenario_id: str
    scenario_title: str
    difficulty: int
    scenario_json: str
    seed: str
    customer_mode: str
    status: str
    opening: str
    state_json: str
    started_at: float
    updated_at: float
    ended_at: float | None = None
    score: float | None = None


@dataclass
class TurnRow:
    session_id: str
    idx: int
    trainee: str
    customer: str
    critique_json: str
    effects_json: str
    score: int
    mood_before: int
    mood_after: int
    trust_before: int
    trust_after: int
    think_ms: float
    process_ms: float
    created_at: float

    def critique(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.critique_json)
        return data

    def effects(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.effects_json)
        return data


class Store:
    """One connection per thread, kept open: closing the last connection of a WAL database checkpoints and removes
    the WAL file, which costs more than the turn itself when done after every operation."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(str(self.path), timeout=15, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=FULL")  # a committed turn survives even a power cut, not just a kill
            self._local.db = db
        yield db

    def close(self) -> None:
        """Close this thread's connection (other threads' connections close when their thread ends)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # ------------------------------------------------------------------ writes

    def create_session(self, row: SessionRow) -> None:
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO trainees(id, created_at) VALUES (?, ?)", (row.trainee_id, row.started_at))
            cols = list(row.__dataclass_fields__)
            db.execute(f"INSERT INTO sessions({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                       [getattr(row, c) for c in cols])

    def commit_turn(self, turn: TurnRow, state_json: str, status: str,
                    scores: dict[str, tuple[int, int, float]] | None = None, score: float | None = None) -> None:
        """Append a turn and the session's new state atomically; refuses a turn that is not the next one."""
        now = time.time()
        with self._write() as db:
            cur = db.execute("SELECT status, (SELECT COUNT(*) FROM turns WHERE session_id = ?) AS n "
                             "FROM sessions WHERE id = ?", (turn.session_id, turn.session_id)).fetchone()
            if cur is None:
                raise SessionNotFoundError(f"没有这个会话 / unknown session {turn.session_id!r}")
            if cur["status"] != "active":
                raise InputError(f"这个会话已经结束（{cur['status']}）/ the session has ended")
            if cur["n"] != turn.idx - 1:
                raise TurnConflictError(f"turn {turn.idx} was already taken in session {turn.session_id}; reload it")
            cols = list(turn.__dataclass_fields__)
            db.execute(f"INSERT INTO turns({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                       [getattr(turn, c) for c in cols])
            self._update(db, turn.session_id, state_json, status, now, scores, score)

    def finish(self, session_id: str, state_json: str, status: str,
               scores: dict[str, tuple[int, int, float]], score: float | None) -> None:
        with self._write() as db:
            self._update(db, session_id, state_json, status, time.time(), scores, score)

    def _update(self, db: sqlite3.Connection, session_id: str, state_json: str, status: str, now: float,
                scores: dict[str, tuple[int, int, float]] | None, score: float | None) -> None:
        ended = now if status != "active" else None
        db.execute("UPDATE sessions SET state_json = ?, status = ?, updated_at = ?, ended_at = ?, score = ? "
                   "WHERE id = ?", (state_json, status, now, ended, score, session_id))
        if scores is not None:
            db.execute("DELETE FROM scores WHERE session_id = ?", (session_id,))
            db.executemany("INSERT INTO scores(session_id, principle, applied, violated, score) VALUES (?,?,?,?,?)",
                           [(session_id, p, a, v, s) for p, (a, v, s) in scores.items()])

    # ------------------------------------------------------------------ reads

    def session(self, session_id: str) -> SessionRow:
        with self._connect() as db:
            row = db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise SessionNotFoundError(f"没有这个会话 / unknown session {session_id!r}")
        return SessionRow(**dict(row))

    def turns(self, session_id: str) -> list[TurnRow]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM turns WHERE session_id = ? ORDER BY idx", (session_id,)).fetchall()
        return [TurnRow(**dict(r)) for r in rows]

    def sessions(self, trainee_id: str | None = None, status: str | None = None, limit: int = 200) -> list[SessionRow]:
        sql, args = "SELECT * FROM sessions WHERE 1=1", list[object]()
        if trainee_id is not None:
            sql, args = sql + " AND trainee_id = ?", [*args, trainee_id]
        if status is not None:
            sql, args = sql + " AND status = ?", [*args, status]
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY started_at, id LIMIT ?", [*args, limit]).fetchall()
        return [SessionRow(**dict(r)) for r in rows]

    def scores(self, session_ids: list[str]) -> dict[str, dict[str, tuple[int, int, float]]]:
        if not session_ids:
            return {}
        out: dict[str, dict[str, tuple[int, int, float]]] = {s: {} for s in session_ids}
        with self._connect() as db:
            marks = ",".join("?" * len(session_ids))
            for r in db.execute(f"SELECT * FROM scores WHERE session_id IN ({marks})", session_ids):
                out[r["session_id"]][r["principle"]] = (r["applied"], r["violated"], r["score"])
        return out

    def trainees(self) -> list[str]:
        with self._connect() as db:
            return [r["id"] for r in db.execute("SELECT id FROM trainees ORDER BY id")]
