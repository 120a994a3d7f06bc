"""BM25 over pre-segmented tokens (bm25s), scored for every chunk so metadata filters are a boolean mask.

Scoring the whole corpus is a sparse column sum — well under a millisecond at 5,000 chunks — which keeps filtering
exact: no "top 100, then filter, then hope something is left".
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt

logging.getLogger("bm25s").setLevel(logging.WARNING)


class BM25Index:
    """b = 0.5 (not 0.75): chunks are short and of similar length, so length normalisation matters less
    (hit@3 +0.6 pt on eval/retrieval)."""

    def __init__(self, corpus_tokens: list[list[str]], k1: float = 1.2, b: float = 0.5) -> None:
        import bm25s

        self.n = len(corpus_tokens)
        self._bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
        if self.n:
            # a chunk with no token at all still needs a row: bm25s keeps an empty-token column for it
            self._bm25.index([t or [""] for t in corpus_tokens], show_progress=False)

    def scores(self, query_tokens: list[str]) -> npt.NDArray[np.float32]:
        if not self.n:
            return np.zeros(0, dtype=np.float32)
        ids = self._bm25.get_tokens_ids([t for t in query_tokens if t])
        if not ids:
            return np.zeros(self.n, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def top(self, query_tokens: list[str], n: int, mask: npt.NDArray[np.bool_] | None = None) -> list[tuple[int, float]]:
        """Rows with a positive score, best first; rows outside `mask` never appear."""
        scores = self.scores(query_tokens)
        if mask is not None and scores.size:
            scores = np.where(mask, scores, 0.0)
        positive = int(np.count_nonzero(scores > 0))
        n = min(n, positive)
        if n <= 0:
            return []
        idx = np.argpartition(-scores, n - 1)[:n]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        return [(int(i), float(scores[i])) for i in idx]
