"""`coach critique` in both forms of interfaces.md, on an empty KB (claims unchecked, said so)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.settings import Settings

runner = CliRunner()


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("COACH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("COACH_TODAY", "2026-11-23")
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(settings.data_dir / "no-demo"))  # keep the test from indexing
    return settings


def test_batch_keeps_order_and_reports_bad_lines_in_place(env: Settings, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": "A", "customer": "太贵了", "draft": "不能便宜。"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "C", "customer": "在吗", "draft": ""}, ensure_ascii=False),
        json.dumps({"id": "D", "customer": "快递三天没动", "draft": "这是快递的问题，您自己问快递。"}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["critique", "--jsonl", str(src), "--output", str(out)])
    assert res.exit_code == 1, res.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x.get("id") for x in lines] == ["A", "", "C", "D"]
    assert "anchoring" in lines[0]["violations"]
    assert "line 2" in lines[1]["error"] or ":2:" in lines[1]["error"]
    assert "草稿为空" in lines[2]["error"]
    assert "no_blame_shifting" in lines[3]["violations"]
    for f in lines[3]["findings"]:
        assert set(f) >= {"principle", "verdict", "severity", "evidence", "explanation", "suggestion", "citations"}


def test_single_json_output(env: Settings) -> None:
    res = runner.invoke(app, ["critique", "--customer", "衣服有个洞！！", "--draft", "请提供订单号。", "--json"])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout.strip().splitlines()[-1])
    assert obj["mode"] == "rules" and "empathy" in obj["violations"] and 0 <= obj["score"] < 100


def test_missing_draft_is_a_clear_error(env: Settings) -> None:
    res = runner.invoke(app, ["critique", "--customer", "hi"])
    assert res.exit_code == 2
    assert "--draft" in res.output


def test_binary_jsonl_is_refused(env: Settings, tmp_path: Path) -> None:
    src = tmp_path / "bin.jsonl"
    src.write_bytes(b"\x00\x01\x02garbage")
    res = runner.invoke(app, ["critique", "--jsonl", str(src)])
    assert res.exit_code == 2 and "binary" in res.output
