"""Shared fixtures. The network guard makes any test that connects to a non-loopback address fail."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from coach.offline import configure_offline
from coach.settings import Settings

configure_offline()

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class NetworkAccessError(AssertionError):
    pass


def _is_loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a hostname other than localhost would need DNS: not allowed


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkAccessError(f"test tried to open a socket to non-loopback address {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkAccessError(f"test tried to open a socket to non-loopback address {address!r}")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings isolated in a temporary data dir, rules mode, today pinned to the demo shop's date."""
    for var in ("COACH_LLM_BASE_URL", "COACH_LLM_API_KEY", "COACH_LLM_MODEL", "COACH_CHROMA_URL", "COACH_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    s = Settings(data_dir=tmp_path / "data", today=date(2026, 11, 23), _env_file=None)  # type: ignore[call-arg]
    s.ensure_dirs()
    yield s
