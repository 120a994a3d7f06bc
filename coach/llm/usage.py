"""Per-call usage: tokens, latency, model, prompt id@version, outcome.

Kept in an in-memory ring buffer (the last `capacity` calls) rather than a database: it holds no text at all (so no
personal data), costs nothing, and is what the UI and the eval runner read for "tokens and latency per case" of the
current process. Anything that needs history across restarts (the eval runner's run records) copies `summary()`.

`usage_scope()` also collects the records of the calls made inside a `with` block in this thread/context (the eval
runner's "tokens and cost per case", exact even when cases run concurrently); `Prices` turns them into a cost.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from coach.errors import InputError

_scope: ContextVar[list[UsageRecord] | None] = ContextVar("coach_llm_usage_scope", default=None)


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
        scoped = _scope.get()
        if scoped is not None:
            scoped.append(record)

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


@contextmanager
def usage_scope() -> Iterator[list[UsageRecord]]:
    """The usage records of the LLM calls made inside the block (the caller's thread: calls record there)."""
    calls: list[UsageRecord] = []
    token = _scope.set(calls)
    try:
        yield calls
    finally:
        _scope.reset(token)


@dataclass(frozen=True)
class Price:
    input_per_mtok: float
    output_per_mtok: float
    currency: str


class Prices:
    """Per-model token prices from a data file (prompts/llm/prices.yaml). A model not in the file has no price:
    its cost is None ("n/a"), never a guess."""

    def __init__(self, models: dict[str, Price]) -> None:
        self.models = models

    @classmethod
    def load(cls, path: Path) -> Prices:
        if not path.exists():
            return cls({})
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            default_currency = str(data.get("currency", "USD"))
            models = {str(name): Price(float(p["input_per_mtok"]), float(p["output_per_mtok"]),
                                       str(p.get("currency", default_currency)))
                      for name, p in (data.get("models") or {}).items()}
        except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}: prices need models: {{name: {{input_per_mtok, output_per_mtok}}}} ({exc})"
                             ) from None
        return cls(models)

    def cost(self, records: Iterable[UsageRecord]) -> tuple[float, str] | None:
        """(cost, currency) of the calls, or None when any call's model has no price (or currencies differ)."""
        total, currencies = 0.0, set()
        for r in records:
            price = self.models.get(r.model)
            if price is None:
                return None
            total += (r.input_tokens * price.input_per_mtok + r.output_tokens * price.output_per_mtok) / 1e6
            currencies.add(price.currency)
        if len(currencies) > 1:
            return None
        return total, (currencies.pop() if currencies else "")
