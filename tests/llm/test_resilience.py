"""The circuit breaker and the transient-error classification, with a fake clock (no sleeping)."""

from __future__ import annotations

import httpx
import openai

from coach.llm.resilience import CircuitBreaker, is_transient, retry_after_s


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_breaker_cycle_closed_open_half_open_closed() -> None:
    clock = Clock()
    b = CircuitBreaker(threshold=3, cooldown_s=10, clock=clock)
    for _ in range(2):
        assert b.allow()
        b.failure()
    assert b.state == "closed"
    b.success()  # a success resets the count: failures must be consecutive
    for _ in range(3):
        assert b.allow()
        b.failure()
    assert b.state == "open" and not b.allow()
    clock.now = 9.9
    assert not b.allow()
    clock.now = 10.0
    assert b.state == "half_open"
    assert b.allow() and not b.allow()  # exactly one trial call in half-open
    b.success()
    assert b.state == "closed" and b.allow()


def test_a_failed_trial_reopens_for_a_full_cooldown() -> None:
    clock = Clock()
    b = CircuitBreaker(threshold=1, cooldown_s=5, clock=clock)
    b.failure()
    clock.now = 5
    assert b.allow()
    b.failure()
    assert b.state == "open"
    clock.now = 9.9
    assert not b.allow()


def _status(code: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx.Response(code, headers=headers or {}, request=request)
    return openai.APIStatusError("x", response=response, body=None)


def test_only_transient_errors_are_retryable() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    for code in (408, 409, 429, 500, 502, 503, 504):
        assert is_transient(_status(code)), code
    for code in (400, 401, 403, 404, 422):
        assert not is_transient(_status(code)), code
    assert is_transient(openai.APITimeoutError(request=request))
    assert is_transient(openai.APIConnectionError(request=request))
    assert is_transient(httpx.RemoteProtocolError("cut"))
    assert not is_transient(ValueError("bad json"))


def test_retry_after_is_read_in_seconds_and_milliseconds() -> None:
    assert retry_after_s(_status(429, {"Retry-After": "2"})) == 2.0
    assert retry_after_s(_status(429, {"retry-after-ms": "250"})) == 0.25
    assert retry_after_s(_status(429, {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"})) is None
    assert retry_after_s(_status(500)) is None
