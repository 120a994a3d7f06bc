"""Retries on transient errors only, and a circuit breaker.

Only one layer retries: the openai SDK is built with max_retries=0 and LangChain adds none, so a request is attempted
at most `attempts` times (no retry storm of SDK retries × our retries). 429, 5xx, connection errors and timeouts are
transient; 400/401/403/404/422 are not (retrying a bad key or a bad request only burns quota and time).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
import openai
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay

from coach.llm.errors import LLMTimeout, LLMTransportError

T = TypeVar("T")
MAX_RETRY_AFTER_S = 5.0  # a server asking for a longer pause gets the rules answer instead of a long wait


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError, httpx.TimeoutException,
                        httpx.TransportError, LLMTimeout)):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False


def retry_after_s(exc: BaseException | None) -> float | None:
    """The server's Retry-After (seconds form) on a 429/503, if it sent one."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    value = response.headers.get("retry-after-ms")
    if value is not None:
        try:
            return float(value) / 1000
        except ValueError:
            return None
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # HTTP-date form: fall back to our own backoff


def _wait(base_s: float) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        backoff = base_s * 2 ** (state.attempt_number - 1)
        exc = state.outcome.exception() if state.outcome else None
        hinted = retry_after_s(exc)
        return min(MAX_RETRY_AFTER_S, hinted if hinted is not None else backoff)

    return wait


def call_with_retries(fn: Callable[[], T], attempts: int, budget_s: float, base_wait_s: float = 0.25,
                      on_retry: Callable[[BaseException], None] | None = None) -> T:
    """Call `fn` up to `attempts` times while it raises a transient error and `budget_s` lasts."""

    def before_sleep(state: RetryCallState) -> None:
        if on_retry and state.outcome is not None and state.outcome.exception() is not None:
            on_retry(state.outcome.exception())  # type: ignore[arg-type]

    retrying = Retrying(stop=stop_after_attempt(max(1, attempts)) | stop_after_delay(max(0.0, budget_s)),
                        retry=retry_if_exception(is_transient), wait=_wait(base_wait_s), reraise=True,
                        before_sleep=before_sleep)
    return retrying(fn)


def as_llm_error(exc: BaseException) -> LLMTimeout | LLMTransportError:
    """Translate SDK/HTTP errors into our typed errors (messages without request bodies: they may hold PII)."""
    if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException, LLMTimeout)):
        return LLMTimeout(f"LLM request timed out ({type(exc).__name__})")
    if isinstance(exc, openai.APIStatusError):
        return LLMTransportError(f"LLM endpoint answered HTTP {exc.status_code}")
    return LLMTransportError(f"LLM request failed: {type(exc).__name__}")


@dataclass
class CircuitBreaker:
    """Closed → open after `threshold` consecutive failures → half-open after `cooldown_s` (one trial call) →
    closed on its success, open again on its failure. Output-format problems are not endpoint failures and are
    not reported here."""

    threshold: int = 5
    cooldown_s: float = 30.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float | None = None
    _trial_in_flight: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def state(self) -> str:
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half_open" if self.clock() - self.opened_at >= self.cooldown_s else "open"

    def allow(self) -> bool:
        """May a call go out now? In half-open state only one trial call at a time."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half_open" and not self._trial_in_flight:
                self._trial_in_flight = True
                return True
            return False

    def success(self) -> None:
        with self._lock:
            self.failures, self.opened_at, self._trial_in_flight = 0, None, False

    def failure(self) -> None:
        with self._lock:
            self.failures += 1
            was_trial, self._trial_in_flight = self._trial_in_flight, False
            if was_trial or self.failures >= self.threshold:
                self.opened_at = self.clock()
