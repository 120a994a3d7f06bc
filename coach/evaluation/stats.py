"""Confidence intervals and latency percentiles.

Every headline metric of a task is a function of counts summed over cases (hits, true positives, clean drafts …).
The bootstrap resamples *cases* with replacement, sums their counts and recomputes the metric with the task's own
function, so the interval is computed by exactly the code that computed the point estimate. Resampling weights are
drawn from a seeded generator: the same data and seed give the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

Statistic = Callable[[Mapping[str, float]], Mapping[str, float | None]]

DEFAULT_RESAMPLES = 1000
DEFAULT_LEVEL = 0.95


def count_matrix(rows: Sequence[Mapping[str, float]]) -> tuple[list[str], np.ndarray]:
    """Cases × count keys (a key missing from a case counts 0)."""
    keys = sorted({k for r in rows for k in r})
    matrix = np.zeros((len(rows), len(keys)), dtype=np.float64)
    index = {k: j for j, k in enumerate(keys)}
    for i, r in enumerate(rows):
        for k, v in r.items():
            matrix[i, index[k]] = v
    return keys, matrix


def bootstrap_ci(rows: Sequence[Mapping[str, float]], statistic: Statistic, *, seed: int = 0,
                 resamples: int = DEFAULT_RESAMPLES, level: float = DEFAULT_LEVEL,
                 ) -> dict[str, tuple[float, float] | None]:
    """Percentile bootstrap interval of every metric `statistic` returns, over the case rows.

    A metric that is undefined (None) in a resample is left out of that metric's distribution; a metric undefined in
    every resample gets None."""
    if not rows:
        return {}
    keys, matrix = count_matrix(rows)
    n = len(rows)
    rng = np.random.default_rng(seed)
    # multinomial(n, uniform) = how often each case is drawn in one resample: sums are a matrix product
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples)
    sums = weights.astype(np.float64) @ matrix
    samples: dict[str, list[float]] = {}
    for row in sums:
        for name, value in statistic(dict(zip(keys, row.tolist(), strict=True))).items():
            bucket = samples.setdefault(name, [])
            if value is not None and not math.isnan(value):
                bucket.append(value)
    alpha = (1.0 - level) / 2
    out: dict[str, tuple[float, float] | None] = {}
    for name, values in samples.items():
        if not values:
            out[name] = None
            continue
        lo, hi = np.quantile(np.asarray(values), [alpha, 1.0 - alpha])
        out[name] = (round(float(lo), 4), round(float(hi), 4))
    return out


def total(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in rows:
        for k, v in r.items():
            out[k] = out.get(k, 0.0) + v
    return out


def percentile(samples: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no samples."""
    ordered = sorted(samples)
    if not ordered:
        return None
    rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return round(ordered[rank], 3)


def ratio(num: float, den: float) -> float | None:
    return num / den if den else None
