"""Failed-login limiter: at most N failures per key (user name + client address) in a sliding window; while over
it, further attempts are refused without checking the password. In memory, per process: a restart forgets it,
which is acceptable for one server process (the app runs as one uvicorn worker)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_KEYS = 10_000  # bound memory under a spray of made-up user names


class LoginLimiter:
    def __init__(self, max_failures: int = 5, window_s: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: tuple[str, str]) -> int:
        """Seconds until this key may try again; 0 = allowed now."""
        with self._lock:
            times = self._recent(key)
            if len(times) < self.max_failures:
                return 0
            return max(1, math.ceil(times[0] + self.window_s - self._clock()))

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            if key not in self._failures and len(self._failures) >= MAX_KEYS:
                self._prune()
            self._failures.setdefault(key, deque(maxlen=self.max_failures)).append(self._clock())

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        times = self._failures.get(key, deque())
        cutoff = self._clock() - self.window_s
        while times and times[0] <= cutoff:
            times.popleft()
        return times

    def _prune(self) -> None:
        for key in list(self._failures):
            if not self._recent(key):
                del self._failures[key]
        while len(self._failures) >= MAX_KEYS:  # still full: forget the oldest key
            del self._failures[next(iter(self._failures))]
