"""Fuzz the REST API from its own OpenAPI schema with schemathesis (installed in the dev group): valid and invalid
bodies, queries and path parameters for every /api/v1 operation, as an admin (every route reachable). Each response
must not be a 5xx and must match the status codes, content types and schemas that the OpenAPI document declares."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from coach.auth import Access, LoginLimiter
from coach.services import Services
from coach.settings import Settings
from coach.web.api import create_api

# fixtures: pytest finds them by their own names (accounts, fast_hash, shop)
from .accounts import Accounts
from .accounts import accounts as _accounts_fixture  # noqa: F401
from .accounts import fast_hash as _fast_hash_fixture  # noqa: F401
from .accounts import shop as _shop_fixture  # noqa: F401


class _Current:
    """An ASGI app that forwards to the app of the running test: schemathesis loads the schema at import time
    (its lazy pytest loader does not work with pytest 9), while each test's app has its own data dir and users."""

    app: Any = create_api(Services(Settings(data_dir=Path(tempfile.gettempdir()) / "coach-fuzz-schema",
                                            _env_file=None)))  # type: ignore[call-arg]  # only serves the schema

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


current = _Current()
schema = schemathesis.openapi.from_asgi("/api/openapi.json", current)


@pytest.fixture
def api(shop: Services, accounts: Accounts) -> Iterator[None]:
    access = Access.from_settings(shop.settings)
    # schemathesis probes each example with an invalid token and wants 401; after 20 the real limit answers 429
    # (tested in test_api_auth), so here the limit is out of the way
    access.token_limiter = LoginLimiter(max_failures=1_000_000)
    current.app = create_api(shop, access)
    yield


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any, api: None, accounts: Accounts) -> None:
    # positive_data_acceptance is left out on purpose: the services check meaning beyond the schema (a blank draft,
    # a draft of only emoji, NUL bytes, a roleplay reply over 2,000 characters) and answer 422 with the reason,
    # which the schema documents (ApiError). Every other default check runs.
    case.call_and_validate(headers=accounts.bearer("admin"), excluded_checks=[positive_data_acceptance])


def test_schema_declares_auth_and_error_shapes(shop: Services) -> None:
    doc = create_api(shop).openapi()
    critique = doc["paths"]["/api/v1/critique"]["post"]
    assert {"401", "403", "413", "422", "429"} <= set(critique["responses"])
    assert critique["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiError")
    assert critique["security"] == [{"HTTPBearer": []}]
    assert "security" not in doc["paths"]["/healthz"]["get"]
