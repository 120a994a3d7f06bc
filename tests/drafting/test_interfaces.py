"""The same drafting behind `coach draft`, Services.draft and POST /api/v1/draft (interfaces.md §3, §4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.services import Services
from coach.settings import Settings

runner = CliRunner()


@pytest.fixture
def services(settings: Settings, demo_kb: Any, monkeypatch: pytest.MonkeyPatch) -> Services:
    svc = Services(settings)
    svc.__dict__["kb"] = demo_kb  # the shared, already indexed demo shop (read-only)
    monkeypatch.setattr("coach.cli._services", lambda: svc)
    return svc


def test_cli_json_shape(services: Services, tmp_path: Path) -> None:
    turns = tmp_path / "turns.jsonl"
    turns.write_text(json.dumps({"role": "customer", "text": "在吗"}, ensure_ascii=False) + "\n"
                     + json.dumps({"role": "agent", "text": "亲，您好，在的~"}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    res = runner.invoke(app, ["draft", "--customer", "我的快递怎么还没到", "--context-jsonl", str(turns),
                              "--order", '{"order_id": "3921456789012345678", "status": "运输中"}', "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert {"draft", "citations", "critique", "mode"} <= set(out)
    assert out["mode"] == "rules" and isinstance(out["citations"], list) and out["citations"]
    assert "3921456789012345678" in out["draft"]
    assert {"score", "violations", "findings"} <= set(out["critique"])
    assert out["critique"]["situation"]["first_reply"] is False  # the context file was read


def test_cli_pretty_and_bad_input(services: Services, tmp_path: Path) -> None:
    res = runner.invoke(app, ["draft", "--customer", "退款什么时候到账"])
    assert res.exit_code == 0 and "1-3个工作日" in res.stdout
    bad = runner.invoke(app, ["draft", "--customer", "x", "--order", "{not json"])
    assert bad.exit_code == 2 and "--order" in bad.output
    turns = tmp_path / "bad.jsonl"
    turns.write_text('{"role": "customer", "text": "在吗"}\n{"role": "boss", "text": "?"}\n', encoding="utf-8")
    bad = runner.invoke(app, ["draft", "--customer", "x", "--context-jsonl", str(turns)])
    assert bad.exit_code == 2 and "bad.jsonl:2" in bad.output
    empty = runner.invoke(app, ["draft", "--customer", "  "])
    assert empty.exit_code == 2 and "为空" in empty.output


def test_services_and_rest_api_agree(services: Services) -> None:
    from fastapi.testclient import TestClient

    from coach.web.api import create_api

    direct = services.draft("衣服不喜欢，能退吗")
    client = TestClient(create_api(services))
    res = client.post("/api/v1/draft", json={"customer": "衣服不喜欢，能退吗"})
    assert res.status_code == 200
    body = res.json()
    assert body["draft"] == direct.draft and body["citations"] == direct.citations and body["mode"] == "rules"
    assert client.post("/api/v1/draft", json={"customer": " "}).status_code == 422
    assert client.post("/api/v1/draft", json={"customer": "x" * 30_000}).status_code == 422


def test_a_broken_template_edit_keeps_the_last_good_library(services: Services, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "knowledge" / "templates"
    shutil.copytree(services.settings.knowledge_dir / "templates", folder)
    services.settings.knowledge_dir = tmp_path / "knowledge"
    first = services.draft("快递五天了还没到！")
    (folder / "logistics_delay.yaml").write_text(
        (folder / "logistics_delay.yaml").read_text(encoding="utf-8").replace("{{ closing }}", "{{ closing }", 1),
        encoding="utf-8")
    again = services.draft("快递五天了还没到！")
    assert again.draft == first.draft
    assert any("logistics_delay.yaml" in n and "syntax" in n for n in again.notices)
