"""REST API access: bearer tokens, role permissions, roleplay ownership, error shapes, size limits, rate limits.
Every request goes through a real FastAPI app (TestClient); the accounts are in a real users file."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from coach.auth import AccessConfigError, UserStore
from coach.services import Services
from coach.settings import Settings

from .accounts import PASSWORD, Accounts, api_client

# fixtures: pytest finds them by their own names (accounts, fast_hash, shop)
from .accounts import accounts as _accounts_fixture  # noqa: F401
from .accounts import fast_hash as _fast_hash_fixture  # noqa: F401
from .accounts import shop as _shop_fixture  # noqa: F401

CASE = {"customer": "衣服起球了，怎么处理", "draft": "这是正常现象，不能退。"}


def test_no_users_file_everything_open(shop: Services) -> None:
    client = api_client(shop)
    assert client.post("/api/v1/critique", json=CASE).status_code == 200
    assert client.get("/api/v1/kb/search", params={"q": "退货"}).status_code == 200


def test_token_required_and_checked(shop: Services, accounts: Accounts) -> None:
    client = api_client(shop)
    assert client.get("/healthz").status_code == 200  # open for health checks
    missing = client.post("/api/v1/critique", json=CASE)
    assert missing.status_code == 401 and "Bearer" in missing.json()["detail"]
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = client.post("/api/v1/critique", json=CASE, headers={"Authorization": "Bearer hct_0000_nope"})
    assert wrong.status_code == 401 and "invalid" in wrong.json()["detail"]
    basic = client.post("/api/v1/critique", json=CASE, headers={"Authorization": "Basic YTpi"})
    assert basic.status_code == 401
    ok = client.post("/api/v1/critique", json=CASE, headers=accounts.bearer("agent"))
    assert ok.status_code == 200 and ok.json()["findings"]


@pytest.mark.parametrize(("role", "method", "path", "body", "status"), [
    ("qa", "post", "/api/v1/draft", {"customer": "能退吗"}, 403),
    ("qa", "post", "/api/v1/critique", CASE, 200),
    ("qa", "get", "/api/v1/kb/search?q=退货", None, 200),
    ("qa", "get", "/api/v1/roleplay/scenarios", None, 403),
    ("agent", "post", "/api/v1/draft", {"customer": "能退吗"}, 200),
    ("agent", "get", "/api/v1/roleplay/scenarios", None, 200),
    ("trainer", "get", "/api/v1/roleplay/trainees/agent/progress", None, 200),
    ("agent", "get", "/api/v1/roleplay/trainees/agent/progress", None, 200),
    ("agent", "get", "/api/v1/roleplay/trainees/trainer/progress", None, 403),
    ("admin", "get", "/api/v1/roleplay/trainees/agent/recommendation", None, 200),
])
def test_route_permissions(shop: Services, accounts: Accounts, role: str, method: str, path: str,
                           body: dict[str, str] | None, status: int) -> None:
    client = api_client(shop)
    res = client.request(method.upper(), path, json=body, headers=accounts.bearer(role))
    assert res.status_code == status, res.text
    if status == 403:
        assert role in res.json()["detail"] or "own" in res.json()["detail"]


def test_roleplay_sessions_belong_to_their_trainee(shop: Services, accounts: Accounts) -> None:
    accounts.store.add("agent2", "agent", PASSWORD)
    other = {"Authorization": f"Bearer {accounts.store.add_token('agent2')[1]}"}
    client = api_client(shop)
    start = client.post("/api/v1/roleplay/sessions", json={"scenario_id": "bargaining_jacket"},
                        headers=accounts.bearer("agent"))
    assert start.status_code == 200 and start.json()["trainee"] == "agent"  # plays as themselves
    sid = start.json()["session_id"]
    as_other = client.post("/api/v1/roleplay/sessions", json={"scenario_id": "bargaining_jacket",
                                                               "trainee": "agent2"}, headers=accounts.bearer("agent"))
    assert as_other.status_code == 403 and "yourself" in as_other.json()["detail"]
    turn = {"text": "亲，理解您想要优惠的心情，我帮您看看现在能用的券。"}
    assert client.post(f"/api/v1/roleplay/sessions/{sid}/turns", json=turn, headers=other).status_code == 403
    assert client.get(f"/api/v1/roleplay/sessions/{sid}", headers=other).status_code == 403
    assert client.get(f"/api/v1/roleplay/sessions/{sid}/export", headers=other).status_code == 403
    assert client.get("/api/v1/roleplay/sessions/nope", headers=other).status_code == 404
    assert client.post(f"/api/v1/roleplay/sessions/{sid}/turns", json=turn,
                       headers=accounts.bearer("agent")).status_code == 200
    assert client.get(f"/api/v1/roleplay/sessions/{sid}", headers=accounts.bearer("trainer")).status_code == 200
    for_trainee = client.post("/api/v1/roleplay/sessions", json={"scenario_id": "bargaining_jacket",
                                                                  "trainee": "agent2"}, headers=accounts.bearer("trainer"))
    assert for_trainee.status_code == 200 and for_trainee.json()["trainee"] == "agent2"


def test_user_changes_apply_to_a_running_server(shop: Services, accounts: Accounts) -> None:
    client = api_client(shop)
    assert client.post("/api/v1/draft", json={"customer": "能退吗"}, headers=accounts.bearer("qa")).status_code == 403
    accounts.store.set_role("qa", "agent")
    assert client.post("/api/v1/draft", json={"customer": "能退吗"}, headers=accounts.bearer("qa")).status_code == 200
    accounts.store.revoke_token("qa", None)
    assert client.post("/api/v1/critique", json=CASE, headers=accounts.bearer("qa")).status_code == 401
    accounts.store.remove("agent")
    assert client.post("/api/v1/critique", json=CASE, headers=accounts.bearer("agent")).status_code == 401


def test_huge_message_gets_a_clear_error_not_an_echo(shop: Services) -> None:
    client = api_client(shop)
    for text in ("x" * 100_000, "长" * 100_000):
        res = client.post("/api/v1/critique", json={"customer": "你好", "draft": text})
        assert res.status_code == 422
        body = res.json()
        assert "draft" in body["detail"] and "100,000" in body["detail"] and "20,000" in body["detail"]
        assert body["errors"][0] == {"field": "draft", "message": body["errors"][0]["message"], "type": "string_too_long"}
        assert text[:50] not in res.text  # the rejected (customer) text is not sent back
    wrong_type = client.post("/api/v1/critique", json={"draft": 5})
    assert wrong_type.status_code == 422 and wrong_type.json()["errors"][0]["field"] == "draft"


def test_oversize_body_is_413(shop: Services) -> None:
    client = api_client(shop)
    huge = '{"draft": "' + "长" * 400_000 + '"}'
    res = client.post("/api/v1/critique", content=huge.encode(), headers={"Content-Type": "application/json"})
    assert res.status_code == 413 and "too large" in res.json()["detail"]

    def chunks():  # no Content-Length: counted while streaming
        yield b'{"draft": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    streamed = client.post("/api/v1/draft", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413 and "too large" in streamed.json()["detail"]


def test_invalid_tokens_are_rate_limited_per_client(shop: Services, accounts: Accounts) -> None:
    client = api_client(shop)
    bad = {"Authorization": "Bearer hct_dead_beef"}
    codes = [client.post("/api/v1/critique", json=CASE, headers=bad).status_code for _ in range(21)]
    assert codes[:20] == [401] * 20 and codes[20] == 429
    assert client.post("/api/v1/critique", json=CASE).status_code == 401  # no token presented: not counted
    locked = client.post("/api/v1/critique", json=CASE, headers=bad)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0 and "try again" in locked.json()["detail"]
    # a valid token still works: the other tools behind the same address are not locked out
    assert client.post("/api/v1/critique", json=CASE, headers=accounts.bearer("agent")).status_code == 200


def test_web_login_uses_the_store_and_the_rate_limit(shop: Services, accounts: Accounts) -> None:
    from fastapi.testclient import TestClient

    from coach.web.app import create_app

    client = TestClient(create_app(shop))
    assert client.get("/config").status_code == 401  # the UI wants a login
    assert client.post("/login", data={"username": "qa", "password": PASSWORD}).json() == {"success": True}
    for _ in range(5):
        assert client.post("/login", data={"username": "agent", "password": "wrong pass"}).status_code == 400
    locked = client.post("/login", data={"username": "agent", "password": PASSWORD})
    assert locked.status_code == 429 and "try again" in locked.json()["detail"]
    assert client.post("/api/v1/critique", json=CASE, headers=accounts.bearer("agent")).status_code == 200


def test_tab_filter_by_role(shop: Services, accounts: Accounts) -> None:
    from coach.auth import Access

    access = Access.from_settings(shop.settings)
    assert access.tab_filter(SimpleNamespace(username="qa")) == {"critique", "eval"}
    assert access.tab_filter(SimpleNamespace(username="admin")) == {"critique", "draft", "roleplay", "eval", "kb"}
    assert access.tab_filter(SimpleNamespace(username="ghost")) == set()
    assert access.tab_filter(SimpleNamespace(username=None)) == set()
    assert access.allows(SimpleNamespace(username="admin"), "kb.manage")
    assert not access.allows(SimpleNamespace(username="trainer"), "kb.manage")
    assert not access.allows(SimpleNamespace(username=None), "critique")


def test_local_mode_shows_every_tab_and_refuses_a_public_host(shop: Services, settings: Settings) -> None:
    from coach.auth import Access
    from coach.web.app import create_app

    assert Access.from_settings(settings).tab_filter(SimpleNamespace(username=None)) == {
        "critique", "draft", "roleplay", "eval", "kb"}
    public = Services(settings.model_copy(update={"host": "0.0.0.0"}))
    with pytest.raises(AccessConfigError, match="coach users add"):
        create_app(public)
    UserStore(settings.users_path).add("boss", "admin", PASSWORD)
    assert create_app(public) is not None  # with accounts it may listen on the network


def test_ui_uploads_need_a_login_and_stay_under_20_mb(shop: Services, accounts: Accounts) -> None:
    from fastapi.testclient import TestClient

    from coach.web.app import create_app

    client = TestClient(create_app(shop))
    small = {"files": ("faq.md", "# 退货\n七天无理由".encode(), "text/markdown")}
    assert client.post("/gradio_api/upload", files=small).status_code == 401
    assert client.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 200
    big = client.post("/gradio_api/upload", files={"files": ("big.pdf", b"x" * (21 << 20), "application/pdf")})
    assert big.status_code == 413 and "maximum allowed size" in big.text
    assert client.post("/gradio_api/upload", files=small).status_code == 200
