"""The whole app (REST API + gradio UI, accounts on) under a real uvicorn server on a loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from coach.services import Services

# fixtures: pytest finds them by their own names (accounts, fast_hash, shop)
from .accounts import PASSWORD, Accounts
from .accounts import accounts as _accounts_fixture  # noqa: F401
from .accounts import fast_hash as _fast_hash_fixture  # noqa: F401
from .accounts import shop as _shop_fixture  # noqa: F401


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(shop: Services, accounts: Accounts) -> Iterator[str]:
    from coach.web.app import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(shop), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)


@pytest.mark.slow
def test_tokens_roles_and_login_over_real_http(server: str, accounts: Accounts) -> None:
    case = {"customer": "怎么还没发货", "draft": "不知道，等着吧。"}
    with httpx.Client(base_url=server, timeout=30) as http:
        assert http.get("/healthz").json()["status"] == "ok"
        assert http.post("/api/v1/critique", json=case).status_code == 401
        ok = http.post("/api/v1/critique", json=case, headers=accounts.bearer("agent"))
        assert ok.status_code == 200 and ok.json()["score"] < 100
        denied = http.post("/api/v1/draft", json={"customer": "能退吗"}, headers=accounts.bearer("qa"))
        assert denied.status_code == 403 and "qa" in denied.json()["detail"]
        assert http.get("/config").status_code == 401  # the UI asks for a login first
        assert http.post("/login", data={"username": "trainer", "password": "nope nope"}).status_code == 400
        assert http.post("/login", data={"username": "trainer", "password": PASSWORD}).json() == {"success": True}
        assert http.get("/config").status_code == 200  # the session cookie opens the UI
