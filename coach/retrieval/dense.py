"""Exact dense scoring in memory: every Chroma entry's unit vector of one index version in a numpy matrix.

Chroma stays the vector store (what `kb index` writes, persistent or on a server); a reader copies the vectors of the
index version it has loaded once (~0.2 s for 6,000 entries, 9 MB at dim 384) and scores a question against all of
them in one pass. At 5,000 chunks that is ~0.5 ms, exact, and the metadata filters are a plain mask —
where Chroma's HNSW query had to be asked for ~700 nearest entries (a chunk can come back once per sentence view,
and filtered-out chunks take places) and cost 4–6 ms plus the Python to fold the entries back into chunks.
Indexes whose vectors would not fit DENSE_MEMORY_MAX_BYTES are searched through Chroma's HNSW instead (kb.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from coach.retrieval.chunking import view_ids
from coach.retrieval.snapshot import Snapshot
from coach.retrieval.store import VectorStore

DENSE_MEMORY_MAX_BYTES = 256 * 1024 * 1024  # ≈ 170,000 entries at dim 384
LOAD_BATCH = 1000


class DenseMatrix:
    """Unit vectors of every entry (a chunk and its sentence views, consecutive, in snapshot row order); a chunk's
    score is its best entry's cosine similarity, as in the Chroma path."""

    def __init__(self, matrix: npt.NDArray[np.float32], starts: npt.NDArray[np.intp]) -> None:
        self.matrix = matrix
        self.starts = starts  # first entry of each chunk row

    @classmethod
    def load(cls, snap: Snapshot, store: VectorStore) -> DenseMatrix | None:
        """The snapshot's vectors from Chroma, or None when some entry is missing there (a store out of step with
        chunks.json: the caller falls back to Chroma's own query)."""
        ids = [e for row, p in enumerate(snap.passages) for e in view_ids(p.id, snap.views[row])]
        if not ids:
            return None
        position = {e: i for i, e in enumerate(ids)}
        matrix: npt.NDArray[np.float32] | None = None
        filled = np.zeros(len(ids), dtype=bool)
        for start in range(0, len(ids), LOAD_BATCH):
            got_ids, vectors = store.embeddings(ids[start:start + LOAD_BATCH])
            if not got_ids:
                continue
            if matrix is None:
                matrix = np.empty((len(ids), vectors.shape[1]), dtype=np.float32)
            at = np.fromiter((position[i] for i in got_ids), dtype=np.intp, count=len(got_ids))
            matrix[at] = vectors
            filled[at] = True
        if matrix is None or not filled.all():
            return None
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix /= np.where(norms > 0, norms, 1.0)
        sizes = np.asarray(snap.views, dtype=np.intp) + 1
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        return cls(matrix, starts)

    @property
    def nbytes(self) -> int:
        return int(self.matrix.nbytes)

    def top(self, vectors: Sequence[Sequence[float]], masks: Sequence[npt.NDArray[np.bool_]],
            n: int) -> list[list[tuple[int, float]]]:
        """Per question: the `n` best chunk rows allowed by its mask, as (row, cosine similarity), best first."""
        q = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
        q /= np.where((norms := np.linalg.norm(q, axis=1, keepdims=True)) > 0, norms, 1.0)
        # einsum, not `q @ matrix.T`: the matrix product goes to OpenBLAS, whose threads then spin for a while after
        # the call and starve the embedding engine's OpenMP threads on the next question (2 cores: hybrid p50 ~2×
        # in a measured A/B). einsum's own loop is one thread, ~0.4 ms for 6,000 × 384.
        sims = np.einsum("qd,ed->qe", q, self.matrix)
        per_chunk = np.maximum.reduceat(sims, self.starts, axis=1)  # (questions, chunks)
        out: list[list[tuple[int, float]]] = []
        for scores, mask in zip(per_chunk, masks, strict=True):
            allowed = np.flatnonzero(mask)
            take = min(n, allowed.size)
            if take <= 0:
                out.append([])
                continue
            sub = scores[allowed]
            best = np.argpartition(-sub, take - 1)[:take]
            best = best[np.argsort(-sub[best], kind="stable")]
            out.append([(int(allowed[i]), float(sub[i])) for i in best])
        return out
