"""`coach mode`: says plainly which mode is active and never prints a key, a URL's userinfo or its query string."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name in ("COACH_LLM_BASE_URL", "COACH_LLM_MODEL", "COACH_LLM_API_KEY", "COACH_ROLEPLAY_CUSTOMER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))


def test_rules_mode_is_said_plainly() -> None:
    out = runner.invoke(app, ["mode"]).output
    assert "rules mode (no LLM configured)" in out and "llm" not in out.lower().replace("no llm", "")


def test_half_a_configuration_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    out = runner.invoke(app, ["mode"]).output
    assert "rules mode (no LLM configured: COACH_LLM_MODEL is missing)" in out


def test_llm_mode_never_prints_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_LLM_BASE_URL", "https://alice:s3cret-pw@gw.example.com:8443/v1?api_key=sk-query-token")
    monkeypatch.setenv("COACH_LLM_MODEL", "deepseek-chat")
    monkeypatch.setenv("COACH_LLM_API_KEY", "sk-live-key-123")
    result = runner.invoke(app, ["mode"])
    assert result.exit_code == 0
    out = result.output
    assert "mode: llm" in out and "deepseek-chat" in out and "https://gw.example.com:8443/v1" in out
    assert "api key: configured" in out and "roleplay customer: auto" in out
    for secret in ("alice", "s3cret-pw", "sk-query-token", "api_key=", "sk-live-key-123"):
        assert secret not in out
