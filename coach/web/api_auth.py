"""The REST API's guards: bearer-token principal per route permission, one error shape, a request-size limit.

Every error of the API is `{"detail": "<one clear sentence>"}` (validation errors add `errors`: field, message,
type — never the rejected input, which may be customer text), so clients and the OpenAPI schema have one shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coach.auth import Access, AccessError, Principal, TooManyAttempts, client_address

MAX_BODY_BYTES = 1024 * 1024  # 1 MiB: far above any real request (texts are capped at 20,000 characters)
_bearer = HTTPBearer(auto_error=False, description="API token from `coach users token NAME` (accounts mode)")


class FieldError(BaseModel):
    field: str
    message: str
    type: str


class ApiError(BaseModel):
    detail: str
    errors: list[FieldError] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ApiError, "description": what} for code, what in (
        (400, "the body is not JSON text (e.g. not UTF-8)"), (401, "missing, invalid or revoked API token"), (403, "the user's role may not do this"),
        (404, "not found"), (409, "conflict"), (413, "request body too large"),
        (422, "invalid input, with the reason"), (429, "too many failed attempts: wait Retry-After seconds"))}


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def require(access: Access, permission: str) -> Callable[..., Principal]:
    """A route dependency: the caller's principal, which must hold `permission`."""

    def dependency(request: Request,
                   credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:  # noqa: B008
        header = f"Bearer {credentials.credentials}" if credentials else request.headers.get("authorization")
        who = access.for_token(header, client_of(request))
        who.require(permission)
        return who

    return dependency


def install(app: FastAPI) -> None:
    """Error handlers and the body-size limit on the API app."""

    @app.exception_handler(AccessError)
    async def _access(_: Request, exc: AccessError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else {}
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_field_error(e) for e in exc.errors()]
        summary = "；".join(f"{e.field}: {e.message}" for e in errors[:3]) or "invalid request"
        return JSONResponse({"detail": f"请求无效 / invalid request — {summary}",
                             "errors": [e.model_dump() for e in errors]}, status_code=422)

    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(ClientAddress)


def _field_error(err: Any) -> FieldError:
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
    field = ".".join(loc) or "body"
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    given = err.get("input")
    if kind == "string_too_long" and isinstance(given, str):
        message = f"太长：{len(given):,} 个字符，上限 {ctx.get('max_length', '?'):,} / too long"
    else:
        message = str(err.get("msg", "invalid"))
    return FieldError(field=field, message=message, type=kind)


class ClientAddress:
    """Puts the client's address in coach.auth.client_address for the gradio login callback's rate limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            client_address.set(client[0] if client else "unknown")
        await self.app(scope, receive, send)


def _too_large(max_bytes: int) -> str:
    return f"请求过大 / request body too large: at most {max_bytes // 1024} KiB"


class _TooLarge(HTTPException):
    """Raised from receive(): FastAPI re-raises HTTPExceptions met while reading a body (others become a 400)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(status_code=413, detail=_too_large(max_bytes))


class BodyLimit:
    """413 for an /api/ request body over max_bytes, by Content-Length or while streaming (chunked uploads)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/api/"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        body = json.dumps({"detail": _too_large(self.max_bytes)}, ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
