"""Who is asking and what they may do: the one access policy that the REST API and the web UI share.

Two modes, chosen once at startup:
- accounts: a users file exists. The API wants `Authorization: Bearer <token>`, the web UI a user name and password;
  each route/tab checks the role's permission. Failed logins are rate-limited per user name + client address.
- single local user: no users file. Everything is allowed, as one local user — but only when the server listens on a
  loopback address. Listening on any other address without accounts is refused at startup: an open, anonymous
  coaching server on a shop's network would expose customer conversations to anyone on it.
"""

from __future__ import annotations

import ipaddress
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from coach.auth.passwords import verify_password
from coach.auth.ratelimit import LoginLimiter
from coach.auth.roles import policy
from coach.auth.store import UserStore
from coach.auth.tokens import PREFIX, token_hash
from coach.errors import CoachError
from coach.settings import Settings

log = logging.getLogger(__name__)
LOCAL_USER = "local"
TABS = frozenset({"critique", "draft", "roleplay", "eval", "kb"})
# the client address of the request being served, set by the web app's middleware (gradio's auth callback only
# receives user name and password, and the limiter keys on the address too)
client_address: ContextVar[str] = ContextVar("client_address", default="unknown")


class AccessError(CoachError):
    status = 403


class Unauthorized(AccessError):
    status = 401


class Forbidden(AccessError):
    status = 403


class TooManyAttempts(AccessError):
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AccessConfigError(CoachError):
    """The server must not start with this configuration."""


@dataclass(frozen=True)
class Principal:
    name: str
    role: str

    def can(self, permission: str) -> bool:
        return policy().allows(self.role, permission)

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(f"角色 {self.role} 没有权限：{permission} / role {self.role!r} may not {permission!r} "
                            f"({policy().permissions.get(permission, permission)})")


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Access:
    def __init__(self, store: UserStore | None, limiter: LoginLimiter | None = None) -> None:
        self.store = store
        self.limiter = limiter or LoginLimiter()
        # invalid bearer tokens are limited per client too (a looser bound: scripts retry)
        self.token_limiter = LoginLimiter(max_failures=20, window_s=300)

    @classmethod
    def from_settings(cls, settings: Settings) -> Access:
        path = settings.users_path
        if path.exists():
            store = UserStore(path)
            snap = store.snapshot()  # a malformed file stops the start-up with its line and reason
            if not snap.users:
                log.warning("users file %s has no users: nobody can log in (run `coach users add`)", path)
            return cls(store)
        if not is_loopback(settings.host):
            raise AccessConfigError(
                f"COACH_HOST={settings.host} is not a loopback address and there is no users file ({path}). "
                "Create accounts first (`coach users add NAME --role admin`), or listen on 127.0.0.1.")
        log.warning("no users file: single local user, run `coach users add` to enable accounts (%s)", path)
        return cls(None)

    @property
    def accounts(self) -> bool:
        return self.store is not None

    # ------------------------------------------------------------------ who is asking

    def authenticate(self, name: str, password: str, client: str) -> Principal:
        """Check a user name and password (web login); raises Unauthorized or TooManyAttempts."""
        if self.store is None:
            return Principal(LOCAL_USER, "admin")
        key = (name, client)
        wait = self.limiter.retry_after(key)
        if wait:
            raise TooManyAttempts(f"登录失败次数过多，请 {wait} 秒后再试 / too many failed logins for {name!r} from "
                                  f"this address: try again in {wait} s", wait)
        user = self.store.snapshot().users.get(name)
        if not verify_password(password, user.password if user else None) or user is None:
            self.limiter.failed(key)
            if self.limiter.retry_after(key):  # an audit line when a pair gets locked (names are not customer data)
                log.warning("login locked for %r from %s after %d failures", name[:40], client,
                            self.limiter.max_failures)
            raise Unauthorized("用户名或密码错误 / wrong user name or password")
        self.limiter.succeeded(key)
        return Principal(user.name, user.role)

    def for_token(self, authorization: str | None, client: str) -> Principal:
        """The principal of an `Authorization: Bearer …` header; raises Unauthorized or TooManyAttempts.

        A valid token always passes: tokens are 256 random bits, so the limit on invalid ones only slows a
        misbehaving client down and must not lock out the other tools behind the same address (a shop's NAT)."""
        if self.store is None:
            return Principal(LOCAL_USER, "admin")
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:  # nothing presented: nothing guessed, so nothing counted
            raise Unauthorized("需要 API 令牌 / missing `Authorization: Bearer <token>` (create one with "
                               "`coach users token NAME`)")
        snap = self.store.snapshot()
        found = snap.by_token.get(token_hash(token)) if token.startswith(PREFIX) else None
        user = snap.users.get(found[0]) if found else None
        if user is not None:
            return Principal(user.name, user.role)
        key = ("<token>", client)
        wait = self.token_limiter.retry_after(key)
        if wait:
            raise TooManyAttempts(f"无效令牌过多，请 {wait} 秒后再试 / too many invalid tokens from this address: "
                                  f"try again in {wait} s", wait)
        self.token_limiter.failed(key)
        raise Unauthorized("API 令牌无效或已撤销 / invalid or revoked API token")

    def user(self, name: str | None) -> Principal | None:
        """The principal of an already logged-in user name (gradio's request.username)."""
        if self.store is None:
            return Principal(LOCAL_USER, "admin")
        user = self.store.snapshot().users.get(name or "")
        return Principal(user.name, user.role) if user else None

    # ------------------------------------------------------------------ gradio hooks

    def gradio_login(self, username: str, password: str) -> bool:
        """The `auth=` callable of gr.mount_gradio_app. Rate-limited logins raise an HTTP 429 with the reason
        (gradio calls this inside its /login route, so the exception becomes the response)."""
        try:
            self.authenticate(username, password, client_address.get())
        except TooManyAttempts as exc:
            from fastapi import HTTPException

            raise HTTPException(status_code=429, detail=str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
        except Unauthorized:
            return False
        return True

    def allows(self, request: Any, permission: str) -> bool:
        """Whether a gr.Request's user holds a permission. Hiding a tab is not enough: gradio's API can still call
        its handlers, so a handler that changes something (KB upload, reindex, eval runs) asks this too."""
        who = self.user(getattr(request, "username", None))
        return who is not None and who.can(permission)

    def tab_filter(self, request: Any) -> set[str]:
        """The web tabs a gr.Request's user may see (keys of roles.yaml `tabs`); nothing for an unknown user."""
        who = self.user(getattr(request, "username", None))
        if who is None:
            return set()
        return policy().tabs_for(who.role) & TABS
