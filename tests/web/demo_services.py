"""Fixtures of the UI handler tests: Services over one demo-shop index per session (read-only), with roleplay
sessions and eval runs in each test's own data dir. Import them into a test module by name:

    from .demo_services import services_fixture, web_kb_fixture  # noqa: F401

The index is built the way the app builds it on first run (Services.ensure_demo_index, whose vector cache is seeded
with the demo vectors shipped in coach/data), so it takes seconds on any machine — the shared `demo_kb` fixture
embeds the demo shop itself when the machine's vector cache is cold, which took over five minutes here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from coach.services import Services
from coach.settings import Settings


@pytest.fixture(scope="session", name="web_kb")
def web_kb_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    s = Settings(data_dir=tmp_path_factory.mktemp("web-kb"), today=date(2026, 11, 23), chroma_url=None,
                 _env_file=None)  # type: ignore[call-arg]
    svc = Services(s)
    svc.ensure_demo_index()
    yield svc.kb
    svc.kb.close()


@pytest.fixture(name="services")
def services_fixture(settings: Settings, web_kb: Any) -> Services:
    svc = Services(settings)
    svc.__dict__["kb"] = web_kb  # the session's demo index instead of indexing an empty data dir again
    return svc
