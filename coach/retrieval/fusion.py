"""Reciprocal rank fusion: combine rankings by position, not by score, because BM25 scores and cosine
similarities live on different scales (Cormack et al. 2009; k = 60 is the customary damping)."""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60


def rrf(rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None, k: int = RRF_K) -> list[tuple[int, float]]:
    """Rankings of row ids (best first) → fused (row, score), best first; ties keep the first ranking's order."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, row in enumerate(ranking):
            scores[row] = scores.get(row, 0.0) + w / (k + rank + 1)
    return sorted(scores.items(), key=lambda kv: -kv[1])
