"""`coach roleplay …` as interfaces.md §3 describes it (empty KB: claims unchecked, which the CLI says)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.settings import Settings

from .conftest import script

runner = CliRunner()


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("COACH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("COACH_TODAY", "2026-11-23")
    monkeypatch.setenv("COACH_EMBEDDINGS", "hash")
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(settings.data_dir / "no-demo"))  # keep the test from indexing
    return settings


def play(*args: str) -> dict[str, object]:
    res = runner.invoke(app, ["roleplay", "play", *args, "--json"])
    assert res.exit_code == 0, res.output
    out: dict[str, object] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def test_list_json(env: Settings) -> None:
    res = runner.invoke(app, ["roleplay", "list", "--json"])
    assert res.exit_code == 0, res.output
    items = json.loads(res.stdout)
    assert len(items) >= 12
    assert {"id", "title", "scene", "difficulty"} <= set(items[0])
    plain = runner.invoke(app, ["roleplay", "list"])
    assert "logistics_delay_angry" in plain.stdout and "难度" in plain.stdout


def test_play_is_deterministic_under_a_seed_and_reports_each_turn(env: Settings) -> None:
    path = str(script("logistics_delay_angry", "good"))
    a = play("logistics_delay_angry", "--script", path, "--seed", "11")
    b = play("logistics_delay_angry", "--script", path, "--seed", "11")
    assert a["session_id"] != b["session_id"]
    assert a["opening"] == b["opening"]
    turns_a, turns_b = a["turns"], b["turns"]
    assert isinstance(turns_a, list) and isinstance(turns_b, list) and turns_a
    assert [t["customer"] for t in turns_a] == [t["customer"] for t in turns_b]
    first = turns_a[0]
    assert {"trainee", "customer", "mood", "mood_change", "findings", "score"} <= set(first)
    assert a["outcome"] in ("resolved", "escalated", "gave_up", "turn_limit", "abandoned")
    debrief = a["debrief"]
    assert isinstance(debrief, dict) and debrief["principles"] and "comparison" in debrief


def test_play_prints_turns_and_debrief_in_plain_mode(env: Settings) -> None:
    res = runner.invoke(app, ["roleplay", "play", "logistics_delay_angry", "--script",
                              str(script("logistics_delay_angry", "bad")), "--seed", "2"])
    assert res.exit_code == 0, res.output
    assert "第1轮" in res.stdout and "顾客：" in res.stdout and "复盘" in res.stdout and "升级投诉" in res.stdout


def test_resume_export_and_progress(env: Settings, tmp_path: Path) -> None:
    one = tmp_path / "one.txt"
    one.write_text("您好，请问您的身高体重是多少？\n", encoding="utf-8")
    # a script that ends before the customer does leaves an ended ('abandoned') session: resume needs an active one
    from coach.roleplay import service as rp
    from coach.services import Services

    services = Services(env)
    start = rp.start_session(services, "size_hesitation_down", trainee="cli-user", seed="4")
    out = play("size_hesitation_down", "--script", str(one), "--resume", start.session_id)
    assert out["session_id"] == start.session_id and len(out["turns"]) == 1  # type: ignore[arg-type]
    res = runner.invoke(app, ["roleplay", "play", "size_hesitation_down", "--script", str(one), "--resume",
                              start.session_id])
    assert res.exit_code == 2 and "already ended" in res.stderr
    res = runner.invoke(app, ["roleplay", "export", start.session_id, "--format", "csv"])
    assert res.exit_code == 0 and res.stdout.startswith("session_id,scenario_id,turn,role")
    res = runner.invoke(app, ["roleplay", "progress", "cli-user", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert len(data["progress"]["sessions"]) == 1 and data["recommendation"]["scenario_id"]


def test_bad_script_files_get_clear_errors(env: Settings, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# only a comment\n\n", encoding="utf-8")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02")
    for f, msg in ((empty, "no trainee turns"), (binary, "binary"), (tmp_path / "missing.txt", "cannot read")):
        res = runner.invoke(app, ["roleplay", "play", "logistics_delay_angry", "--script", str(f)])
        assert res.exit_code == 2 and msg in res.stderr, res.output
    res = runner.invoke(app, ["roleplay", "play", "no_such", "--script", str(script("logistics_delay_angry", "bad"))])
    assert res.exit_code == 2 and "unknown scenario" in res.stderr
