"""Drafting fixtures: the shared demo-shop KB (read-only), a critic pinned to 2026-11-23, the shop's templates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from coach.critic.engine import Critic
from coach.drafting import VOCABULARY, Drafter, DraftRequest, DraftResult, Library, load_library
from coach.models import Order, Turn
from coach.settings import REPO_ROOT

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library(REPO_ROOT / "knowledge" / "templates", VOCABULARY)


@pytest.fixture
def critic(demo_kb: Any) -> Critic:
    return Critic.load(kb=demo_kb, as_of=TODAY)


@pytest.fixture
def drafter(critic: Critic, library: Library, demo_kb: Any) -> Drafter:
    return Drafter(critic, library, kb=demo_kb, as_of=TODAY)


def ask(drafter: Drafter, customer: str, order: dict[str, Any] | None = None,
        context: list[dict[str, str]] | None = None) -> DraftResult:
    return drafter.draft(DraftRequest(customer=customer, order=Order(**order) if order else None,
                                      context=[Turn(**t) for t in context or []]))  # type: ignore[arg-type]
