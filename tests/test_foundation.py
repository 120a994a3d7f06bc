"""The foundation's promises: settings, offline guard, data dir placement."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from coach.settings import REPO_ROOT, Settings


def test_network_guard_blocks_non_loopback() -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(AssertionError, match="non-loopback"):
            s.connect(("93.184.216.34", 80))
    finally:
        s.close()


def test_network_guard_allows_loopback() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        client.connect(server.getsockname())
    finally:
        client.close()
        server.close()


def test_settings_read_prefixed_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("COACH_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("COACH_LLM_MODEL", "qwen2.5")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.data_dir == tmp_path / "d"
    assert s.mode == "llm"


def test_rules_mode_when_nothing_configured(settings: Settings) -> None:
    assert settings.mode == "rules"
    assert not settings.llm_enabled


def test_blank_llm_url_means_rules_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_LLM_BASE_URL", "  ")
    monkeypatch.setenv("COACH_LLM_MODEL", "x")
    assert Settings(_env_file=None).mode == "rules"  # type: ignore[call-arg]


def test_default_data_dir_is_outside_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COACH_DATA_DIR", raising=False)
    d = Settings(_env_file=None).data_dir.resolve()  # type: ignore[call-arg]
    assert REPO_ROOT.resolve() not in d.parents and d != REPO_ROOT.resolve()


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COACH_PORT", raising=False)
    env = tmp_path / ".env"
    env.write_text("COACH_PORT=9123\n", encoding="utf-8")
    assert Settings(_env_file=env).port == 9123  # type: ignore[call-arg]


def test_importing_entry_points_sets_offline_env() -> None:
    code = "import coach.cli, os; print(os.environ.get('GRADIO_ANALYTICS_ENABLED'), os.environ.get('ANONYMIZED_TELEMETRY'))"
    env = {k: v for k, v in os.environ.items() if k not in ("GRADIO_ANALYTICS_ENABLED", "ANONYMIZED_TELEMETRY")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["False", "False"]
