"""Per-call usage: tokens, latency, model, prompt id@version, outcome.

Kept in an in-memory ring buffer (the last `capacity` calls) rather than a database: it holds no text at all (so no
personal data), costs nothing, and is what the UI and the eval runner read for "tokens and latency per case" of the
current process. Anything that needs history across restarts (the eval runner's run records) copies `summary()`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class UsageRecord:
    prompt: str                   # "critique@1"
    model: str
    outcome: str                  # ok | timeout | transport | invalid_output | leak | breaker_open
    latency_ms: float
    attempts: int = 1             # HTTP attempts (retries included)
    reasks: int = 0               # schema re-asks after invalid output
    input_tokens: int = 0
    output_tokens: int = 0
    streamed: bool = False
    at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class UsageLog:
    def __init__(self, capacity: int = 1000) -> None:
        self._records: deque[UsageRecord] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def add(self, record: UsageRecord) -> None:
        with self._lock:
            self._records.append(record)

    def recent(self, n: int | None = None) -> list[UsageRecord]:
        with self._lock:
            items = list(self._records)
        return items[-n:] if n else items

    def summary(self) -> dict[str, Any]:
        """Totals over the buffer: calls, outcomes, tokens, p50/p95 latency of successful calls."""
        items = self.recent()
        ok = sorted(r.latency_ms for r in items if r.outcome == "ok")
        outcomes: dict[str, int] = {}
        for r in items:
            outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1

        def pct(q: float) -> float:
            return round(ok[min(len(ok) - 1, int(q * len(ok)))], 1) if ok else 0.0

        return {"calls": len(items), "outcomes": outcomes,
                "input_tokens": sum(r.input_tokens for r in items),
                "output_tokens": sum(r.output_tokens for r in items),
                "p50_ms": pct(0.5), "p95_ms": pct(0.95)}
