"""Shared pieces of the accounts tests: fast bcrypt, a users file with one user per role and a token each, and an
app/API built on the demo shop (hashed embedder: no model to load)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from coach.auth import Access, UserStore
from coach.services import Services
from coach.settings import Settings

PASSWORD = "correct horse 9"
ROLES = ("agent", "trainer", "qa", "admin")


@pytest.fixture
def fast_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """bcrypt at its minimum cost: same code path, milliseconds instead of a quarter second per hash."""
    monkeypatch.setattr("coach.auth.passwords.ROUNDS", 4)


@dataclass
class Accounts:
    store: UserStore
    tokens: dict[str, str]  # role -> token of the user named after the role

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def accounts(settings: Settings, fast_hash: None) -> Accounts:
    store = UserStore(settings.users_path)
    tokens = {}
    for role in ROLES:
        store.add(role, role, PASSWORD)
        tokens[role] = store.add_token(role)[1]
    return Accounts(store, tokens)


@pytest.fixture
def shop(settings: Settings, demo_kb_factory: Any) -> Iterator[Services]:
    services = Services(settings)
    services.__dict__["kb"] = demo_kb_factory("hash")
    yield services


def api_client(services: Services, access: Access | None = None) -> Any:
    from fastapi.testclient import TestClient

    from coach.web.api import create_api

    return TestClient(create_api(services, access))
