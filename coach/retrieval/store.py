"""The Chroma side of the knowledge base: one collection per index generation, cosine space, vectors always
supplied by us.

Embedded mode keeps each generation in its own directory under `settings.index_dir`, so `--rebuild` never opens
(or can be blocked by) a damaged previous store; server mode (`COACH_CHROMA_URL`) keeps one collection per
generation on the server. Chroma's default embedding function would download a model: we pass
`embedding_function=None` and precomputed vectors everywhere, so a text-only call fails loudly instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import numpy.typing as npt

from coach.errors import CoachError, IndexMismatchError
from coach.settings import Settings

COLLECTION_PREFIX = "coach-kb"


def _client(settings: Settings, gen_dir: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url if "//" in settings.chroma_url else f"http://{settings.chroma_url}")
        ssl = url.scheme == "https"
        try:
            return chromadb.HttpClient(host=url.hostname or "localhost", port=url.port or (443 if ssl else 8000),
                                       ssl=ssl, settings=chroma_settings)
        except Exception as exc:
            raise CoachError(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}") from None
    return chromadb.PersistentClient(path=str(gen_dir / "chroma"), settings=chroma_settings)


def collection_name(settings: Settings, generation: str) -> str:
    return f"{COLLECTION_PREFIX}-{generation}" if settings.chroma_url else COLLECTION_PREFIX


class VectorStore:
    """One generation's collection. Thin on purpose: ids, vectors, documents and flat metadata in and out."""

    def __init__(self, settings: Settings, gen_dir: Path, *, create: bool = False, model_id: str = "",
                 dim: int = 0) -> None:
        self.name = collection_name(settings, gen_dir.name)
        self._client = _client(settings, gen_dir)
        try:
            if create:
                self._col = self._client.create_collection(
                    self.name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None,
                    metadata={"model_id": model_id, "dim": dim, "generation": gen_dir.name})
            else:
                self._col = self._client.get_collection(self.name, embedding_function=None)
        except CoachError:
            raise
        except Exception as exc:
            self.close()
            raise CoachError(f"cannot open the index collection {self.name}: {exc}; "
                             "run `coach kb index --rebuild PATH…`") from None

    @property
    def model_id(self) -> str:
        return str((self._col.metadata or {}).get("model_id", ""))

    @property
    def dim(self) -> int:
        return int((self._col.metadata or {}).get("dim", 0))

    def check_model(self, model_id: str, dim: int | None) -> None:
        if self.model_id != model_id or (dim is not None and self.dim and self.dim != dim):
            raise IndexMismatchError(
                f"the index was built with embedding model {self.model_id or '?'} (dim {self.dim}) but the "
                f"configured model is {model_id} (dim {dim if dim is not None else '?'}): vectors of different "
                "models are not comparable; run `coach kb index --rebuild PATH…` to rebuild it")

    def count(self) -> int:
        return int(self._col.count())

    def ids(self) -> set[str]:
        return set(self._col.get(include=[])["ids"])

    def upsert(self, ids: Sequence[str], embeddings: Sequence[Sequence[float]] | None,
               documents: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        step = max(1, min(1000, int(self._client.get_max_batch_size())))
        for s in range(0, len(ids), step):
            if embeddings is None:
                # same embedded text (hence same document), vector still valid: only metadata may have changed.
                # Passing documents here would make Chroma try to embed them with its (absent) default function.
                self._col.update(ids=list(ids[s:s + step]), metadatas=list(metadatas[s:s + step]))
            else:
                self._col.upsert(ids=list(ids[s:s + step]), embeddings=[list(e) for e in embeddings[s:s + step]],
                                 documents=list(documents[s:s + step]), metadatas=list(metadatas[s:s + step]))

    def delete(self, ids: Sequence[str]) -> None:
        for s in range(0, len(ids), 1000):
            self._col.delete(ids=list(ids[s:s + 1000]))

    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        got = self._col.get(ids=list(ids), include=["embeddings"])
        return {i: list(map(float, e)) for i, e in zip(got["ids"], got["embeddings"], strict=True)}

    def embeddings(self, ids: Sequence[str]) -> tuple[list[str], npt.NDArray[np.float32]]:
        """The stored vectors of `ids` that exist, as (their ids, a float32 matrix with one row each)."""
        got = self._col.get(ids=list(ids), include=["embeddings"])
        found = list(got["ids"])
        vectors = got["embeddings"]
        if not found or vectors is None:
            return [], np.zeros((0, 0), dtype=np.float32)
        return found, np.asarray(vectors, dtype=np.float32).reshape(len(found), -1)

    def query(self, embeddings: Sequence[Sequence[float]], n: int,
              where: dict[str, Any] | None = None) -> list[list[tuple[str, float]]]:
        """Nearest ids with cosine similarity (1 − Chroma's cosine distance), best first."""
        res = self._col.query(query_embeddings=[list(e) for e in embeddings], n_results=n, where=where,
                              include=["distances"])
        return [[(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)]
                for ids, dists in zip(res["ids"], res["distances"] or [], strict=True)]

    def drop(self) -> None:
        """Server mode: delete this generation's collection (embedded mode deletes the directory instead)."""
        self._client.delete_collection(self.name)

    def close(self) -> None:
        close = getattr(getattr(self, "_client", None), "close", None)
        if close is not None:
            # closing an HTTP client or an already stopped system: nothing left to release
            with contextlib.suppress(Exception):
                close()
