"""Roleplay fixtures: a Services whose KB is the shared demo shop (read-only) and whose roleplay database lives in
the test's own data dir. One critic is shared by the whole session: building its fact book is the slow part."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from coach.critic.engine import Critic
from coach.services import Services
from coach.settings import REPO_ROOT, Settings

SCENARIO_DIR = REPO_ROOT / "prompts" / "scenarios"
SCRIPT_DIR = REPO_ROOT / "eval" / "roleplay"


@pytest.fixture(scope="session")
def shared_critic(demo_kb_factory: Any) -> Critic:
    kb = demo_kb_factory("bundled")
    return Critic.load(kb=kb, as_of=kb.settings.as_of())


@pytest.fixture
def rp_services(settings: Settings, demo_kb: Any, shared_critic: Critic) -> Services:
    services = Services(settings)
    # cached_property slots: the shared demo KB and its critic instead of an empty KB in the tmp data dir
    services.__dict__["kb"] = demo_kb
    services.__dict__["critic"] = shared_critic
    return services


def script(scenario_id: str, kind: str) -> Path:
    return SCRIPT_DIR / f"{scenario_id}.{kind}.txt"
