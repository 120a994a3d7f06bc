"""Tiny harness shared by the benchmarks: results are side-by-side figures (ratios), never fixed-time assertions."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    name: str
    figures: dict[str, float]
    units: dict[str, str] = field(default_factory=dict)
    notes: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "figures": self.figures, "units": self.units, "notes": self.notes,
                "machine": machine_info()}


def machine_info() -> dict[str, Any]:
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of the samples."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def time_calls(fn: Callable[[Any], Any], inputs: Sequence[Any], warmup: int = 3) -> list[float]:
    """Per-call wall times in milliseconds."""
    for x in inputs[:warmup]:
        fn(x)
    out = []
    for x in inputs:
        t0 = time.perf_counter()
        fn(x)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def latency_figures(samples_ms: Sequence[float], prefix: str = "") -> dict[str, float]:
    return {f"{prefix}p50_ms": round(statistics.median(samples_ms), 2),
            f"{prefix}p95_ms": round(percentile(samples_ms, 95), 2),
            f"{prefix}n": float(len(samples_ms))}
