"""Sessions in SQLite: resume after a restart, a real SIGKILL mid-session, double submits, bad input, export."""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from coach.errors import InputError
from coach.models import Case, Critique
from coach.roleplay import service as rp
from coach.roleplay.store import TurnConflictError
from coach.services import Services
from coach.settings import REPO_ROOT, Settings

from .conftest import SCENARIO_DIR, script

HERE = Path(__file__).resolve().parent


def fresh(settings: Settings, like: Services) -> Services:
    """A new Services on the same data dir: what an app restart looks like."""
    services = Services(settings)
    services.__dict__["kb"] = like.kb
    services.__dict__["critic"] = like.critic
    return services


def test_session_survives_a_restart_and_resumes_identically(rp_services: Services, settings: Settings) -> None:
    good = rp.read_script(script("wrong_item_hoodie", "good"))
    whole = rp.start_session(rp_services, "wrong_item_hoodie", trainee="a", seed="9")
    uninterrupted = [rp.take_turn(rp_services, whole.session_id, t).customer for t in good]

    start = rp.start_session(rp_services, "wrong_item_hoodie", trainee="b", seed="9")
    first = rp.take_turn(rp_services, start.session_id, good[0])
    after = fresh(settings, rp_services)
    view = rp.get_session(after, start.session_id)
    assert view.status == "active" and view.meter.mood == first.mood_after
    assert [t.role for t in view.transcript] == ["customer", "agent", "customer"]
    assert view.last_customer == first.customer
    second = rp.take_turn(after, start.session_id, good[1])
    assert [first.customer, second.customer] == uninterrupted
    assert second.status == "resolved"


def test_the_database_is_sqlite_in_wal_mode_under_the_data_dir(rp_services: Services, settings: Settings) -> None:
    rp.warm_up(rp_services)  # what the app calls at start so the first turn is not the slow one
    rp.start_session(rp_services, "size_hesitation_down", trainee="w")
    db = settings.data_dir / rp.DB_NAME
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_real_kill_mid_session_loses_at_most_the_turn_in_flight(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "scenarios").mkdir(parents=True)
    sc = yaml.safe_load((SCENARIO_DIR / "logistics_delay_angry.yaml").read_text(encoding="utf-8"))
    sc["id"] = "kill_test"
    sc["persona"]["patience"] = 5
    sc["end"].update(max_turns=30, escalate_mood=0)
    (data / "scenarios" / "kill_test.yaml").write_text(yaml.safe_dump(sc, allow_unicode=True), encoding="utf-8")
    lines = [f"非常抱歉让您久等了，我正在为您查询第{i}条物流记录，请您放心。" for i in range(1, 13)]
    turns_file = tmp_path / "turns.txt"
    turns_file.write_text("\n".join(lines), encoding="utf-8")

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen([sys.executable, str(HERE / "kill_driver.py"), str(data), str(turns_file)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=REPO_ROOT)
    assert child.stdout is not None
    session_id, seen = None, 0
    deadline = time.monotonic() + 120
    while seen < 3 and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        if line.startswith("session "):
            session_id = line.split()[1]
        elif line.startswith("committed "):
            seen = int(line.split()[1])
    os.kill(child.pid, signal.SIGKILL)  # turn 4 is in flight (inside the slowed critic)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert session_id and seen == 3, "the child never got to turn 3"

    settings = Settings(data_dir=data, embeddings="hash", knowledge_dir=data / "no-kb", today=date(2026, 11, 23),
                        _env_file=None)  # type: ignore[call-arg]
    services = Services(settings)
    with sqlite3.connect(data / rp.DB_NAME) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    view = rp.get_session(services, session_id)
    stored = (len(view.transcript) - 1) // 2
    assert stored in (3, 4)  # 3 committed before the kill; 4 only if the kill landed after its commit
    assert view.status == "active" and view.transcript[-1].role == "customer"
    assert [t.text for t in view.transcript if t.role == "agent"] == lines[:stored]
    resumed = rp.take_turn(services, session_id, lines[stored])
    assert resumed.turn == stored + 1 and resumed.mood_before == view.meter.mood


def test_a_double_submit_takes_the_turn_once(rp_services: Services, settings: Settings) -> None:
    start = rp.start_session(rp_services, "logistics_delay_angry", trainee="d", seed="1")
    real = rp_services.critique
    gate = threading.Barrier(2)

    def slow(case: Case) -> Critique:
        gate.wait(timeout=10)  # both requests have read the same state before either commits
        return real(case)

    results: list[Any] = []

    def submit(services: Services) -> None:
        services.critique = slow  # type: ignore[method-assign]
        try:
            results.append(rp.take_turn(services, start.session_id, "非常抱歉让您久等了，我马上为您补发"))
        except TurnConflictError as exc:
            results.append(exc)

    threads = [threading.Thread(target=submit, args=(fresh(settings, rp_services),)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(type(r).__name__ for r in results) == ["TurnConflictError", "TurnResult"]
    assert len(rp.get_session(rp_services, start.session_id).transcript) == 3


@pytest.mark.parametrize(("text", "expected"), [
    ("", "回复为空"), ("   \n ", "回复为空"), ("a\x00b", "NUL"), ("长" * 2001, "超过 2000 字"),
])
def test_bad_turn_input_is_refused_and_loses_nothing(rp_services: Services, text: str, expected: str) -> None:
    start = rp.start_session(rp_services, "bargaining_jacket", trainee="e", seed="1")
    rp.take_turn(rp_services, start.session_id, "您好，这款原价899元，现在到手价599元。请问您是会员吗？")
    before = rp.get_session(rp_services, start.session_id)
    with pytest.raises(InputError, match=expected):
        rp.take_turn(rp_services, start.session_id, text)
    assert rp.get_session(rp_services, start.session_id) == before


def test_ended_unknown_and_active_sessions_are_handled(rp_services: Services) -> None:
    start = rp.start_session(rp_services, "logistics_delay_angry", trainee="f", seed="1")
    with pytest.raises(InputError, match="end the session first"):
        rp.debrief(rp_services, start.session_id)  # the debrief reveals hidden facts: not while playing
    rp.take_turn(rp_services, start.session_id, "这是快递的问题，您自己找快递。")
    with pytest.raises(InputError, match="已经结束"):
        rp.take_turn(rp_services, start.session_id, "再说一句")
    with pytest.raises(InputError, match="unknown session"):
        rp.take_turn(rp_services, "nope", "你好")
    with pytest.raises(InputError, match="unknown scenario"):
        rp.start_session(rp_services, "no_such_scenario")
    with pytest.raises(InputError, match="学员名"):
        rp.start_session(rp_services, "logistics_delay_angry", trainee=" ")


def test_stopping_early_records_an_abandoned_session(rp_services: Services) -> None:
    start = rp.start_session(rp_services, "size_hesitation_down", trainee="g", seed="1")
    rp.take_turn(rp_services, start.session_id, "您好，请问您的身高体重是多少？")
    d = rp.end_session(rp_services, start.session_id)
    assert d.status == "abandoned" and d.turns == 1 and not d.passed
    assert rp.end_session(rp_services, start.session_id).status == "abandoned"  # idempotent


def test_export_masks_personal_data_and_neutralises_formulas(rp_services: Services) -> None:
    start = rp.start_session(rp_services, "logistics_delay_angry", trainee="h", seed="1")
    pii = "张伟您好，我们会致电13812345678，补发到北京市朝阳区建国路88号院3号楼，身份证110101199003074514不用提供。"
    rp.take_turn(rp_services, start.session_id, "非常抱歉让您久等了，" + pii)
    view = rp.get_session(rp_services, start.session_id)
    if view.status == "active":
        rp.take_turn(rp_services, start.session_id, "=HYPERLINK(\"http://x\")非常抱歉，我马上为您补发")
    md = rp.export_session(rp_services, start.session_id, "md")
    table = rp.export_session(rp_services, start.session_id, "csv")
    for out in (md, table):
        for raw in ("13812345678", "建国路88号", "110101199003074514"):
            assert raw not in out
        assert "⟦手机号⟧" in out and "非常抱歉让您久等了" in out
    rows = list(csv.DictReader(io.StringIO(table)))
    assert rows[0]["role"] == "customer" and rows[1]["role"] == "trainee"
    assert all(not r["text"].startswith(("=", "+", "-", "@")) for r in rows)
    with pytest.raises(InputError, match="md or csv"):
        rp.export_session(rp_services, start.session_id, "xlsx")
