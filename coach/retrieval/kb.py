"""The knowledge-base facade the critic, drafting, roleplay, CLI and web app use.

    kb = KnowledgeBase.open(settings)
    kb.index([Path("knowledge")])                 # incremental; one writer per data dir
    kb.search("签收后几天可以退货", k=5)            # hybrid: dense (e5) + BM25 (jieba), relative score fusion

Chroma stores the vectors; dense search scores the loaded index version's vectors exactly in memory (dense.py) and
asks Chroma's HNSW only when they would not fit.

Readers take no lock: before each call they compare CURRENT's and the manifest's inode/mtime with what they loaded
and reload the in-memory snapshot when another process (the CLI) has committed a new index version.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from coach.errors import IndexBusyError, IndexMismatchError
from coach.models import Passage
from coach.retrieval.chunking import parent_id, view_ids
from coach.retrieval.dense import DENSE_MEMORY_MAX_BYTES, DenseMatrix
from coach.retrieval.embeddings import KBEmbeddings, QueryCache, make_embeddings
from coach.retrieval.expansion import default_expander
from coach.retrieval.fusion import DENSE_MIN_RANGE, DENSE_WEIGHT, FUSION_DEPTH, relative
from coach.retrieval.indexer import Indexer, Progress
from coach.retrieval.loaders import DEFAULT_MAX_FILE_BYTES
from coach.retrieval.manifest import Layout, Manifest, read_json, write_json
from coach.retrieval.report import IndexReport
from coach.retrieval.segmentation import normalize, strip_openers
from coach.retrieval.snapshot import Snapshot
from coach.retrieval.store import VectorStore
from coach.retrieval.validity import VALIDITIES, Validity, mark
from coach.settings import Settings

SearchMode = Literal["hybrid", "dense", "bm25"]
FETCH_FACTOR = 3  # candidates per retriever: FETCH_FACTOR · k, at least fusion.FUSION_DEPTH
VIEWS_OVERSAMPLE = 3  # a chunk may appear once per sentence view among Chroma's nearest entries
DENSE_OVERSAMPLE = 4  # filtered dense search asks Chroma for more and filters in memory (faster than where=)

_embed_pool: ThreadPoolExecutor | None = None
_embed_pool_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _embed_pool
    with _embed_pool_lock:
        if _embed_pool is None:
            _embed_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kb-embed")
        return _embed_pool


@dataclass
class _State:
    generation: str | None
    signature: tuple[int, ...]
    manifest: Manifest | None
    snapshot: Snapshot
    store: VectorStore | None = None
    dense: DenseMatrix | None = None
    dense_loaded: bool = False  # DenseMatrix.load was tried (None then means: too big or incomplete, use Chroma)


def _best_per_chunk(snap: Snapshot, hits: list[tuple[str, float]],
                    mask: npt.NDArray[np.bool_]) -> list[tuple[int, float]]:
    """Chroma entries (chunks and sentence views, best first) → chunks scored by their best entry."""
    seen: set[int] = set()
    rows: list[tuple[int, float]] = []
    for entry, sim in hits:
        row = snap.row.get(parent_id(entry))
        if row is not None and row not in seen and mask[row]:
            seen.add(row)
            rows.append((row, sim))
    return rows


class KnowledgeBase:
    def __init__(self, settings: Settings, embeddings: KBEmbeddings, *,
                 max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, allow_mismatch: bool = False) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.max_file_bytes = max_file_bytes
        self.allow_mismatch = allow_mismatch
        self.layout = Layout(settings.index_dir)
        self.query_cache = QueryCache()
        # BM25 query expansion from synonyms.yaml; the benchmark switches it off to report its effect
        self.expand_queries = True
        # Dense scoring over an in-memory copy of the index's vectors when they fit this many bytes, else Chroma's
        # HNSW query (dense.py); 0 forces Chroma, which the benchmark uses to report both.
        self.dense_memory_max_bytes = DENSE_MEMORY_MAX_BYTES
        # Embed the question on a worker thread while BM25 and the filters run: None = as the embedder prefers
        # (KBEmbeddings.embed_alongside: yes for HTTP endpoints, no for the bundled model — see _embed)
        self.concurrent_embedding: bool | None = None
        self._lock = threading.RLock()
        self._state: _State | None = None

    @classmethod
    def open(cls, settings: Settings, *, embeddings: KBEmbeddings | None = None,
             max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, allow_mismatch: bool = False) -> KnowledgeBase:
        """Open the KB of `settings.data_dir` (an empty one is fine). Raises IndexMismatchError when the index was
        built with another embedding model, unless `allow_mismatch` (what `--rebuild` needs)."""
        kb = cls(settings, embeddings or make_embeddings(settings), max_file_bytes=max_file_bytes,
                 allow_mismatch=allow_mismatch)
        kb._current()
        return kb

    # ------------------------------------------------------------------ state

    def _current(self) -> _State:
        """The loaded snapshot, reloaded when CURRENT or the manifest changed on disk."""
        state = self._state
        if state is not None and self.layout.signature(state.generation) == state.signature:
            return state  # CURRENT and the manifest unchanged (a swap replaces CURRENT: new inode)
        gen = self.layout.current()
        sig = self.layout.signature(gen)
        with self._lock:
            if self._state is not None and self._state.signature == sig and self._state.generation == gen:
                return self._state
            for attempt in range(3):
                try:
                    fresh = self._load(gen, sig)
                    break
                except FileNotFoundError:  # a rebuild swapped generations while we read: look again
                    if attempt == 2:
                        raise
                    gen = self.layout.current()
                    sig = self.layout.signature(gen)
            if self._state is not None and self._state.store is not None:
                self._state.store.close()
            self._state = fresh
            return fresh

    def _load(self, gen: str | None, sig: tuple[int, ...]) -> _State:
        if gen is None:
            return _State(None, sig, None, Snapshot([], []))
        gen_dir = self.layout.gen_dir(gen)
        manifest = Manifest.from_json(read_json(gen_dir / "manifest.json"))
        if manifest.model_id != self.embeddings.model_id and not self.allow_mismatch:
            raise IndexMismatchError(
                f"the index in {self.settings.data_dir} was built with embedding model {manifest.model_id} "
                f"(dim {manifest.dim}) but the configured model is {self.embeddings.model_id}: vectors of "
                "different models are not comparable; run `coach kb index --rebuild PATH…` to rebuild it")
        records = read_json(gen_dir / "chunks.json")
        return _State(gen, sig, manifest, Snapshot(records, manifest.user_words(), manifest.version))

    def _store(self, state: _State) -> VectorStore:
        with self._lock:
            if state.store is None:
                assert state.generation is not None
                store = VectorStore(self.settings, self.layout.gen_dir(state.generation))
                try:
                    store.check_model(self.embeddings.model_id, None)
                except IndexMismatchError:
                    store.close()
                    raise
                state.store = store
            return state.store

    def close(self) -> None:
        with self._lock:
            if self._state is not None and self._state.store is not None:
                self._state.store.close()
                self._state.store = None

    # ------------------------------------------------------------------ writing

    def index(self, paths: list[Path], *, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
        """Index files/folders. Incremental unless `rebuild`; fails fast with IndexBusyError when another process
        is writing this data dir. Per-file problems are in the report, never raised."""
        from filelock import FileLock, Timeout

        self.settings.ensure_dirs()
        lock = FileLock(str(self.settings.data_dir / "kb.lock"), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise IndexBusyError(
                f"another process is writing the knowledge base in {self.settings.data_dir} "
                f"(lock file {lock.lock_file}); wait for it to finish and run the command again") from None
        try:
            self.close()  # release our handle on the live store before it is modified or swapped
            report = Indexer(self.settings, self.layout, self.embeddings, self.max_file_bytes,
                             progress).run(list(paths), rebuild)
            write_json(self.layout.last_run_file, report.to_json())
        finally:
            lock.release()
        self._state = None
        if rebuild:
            self.allow_mismatch = False
        return report

    # ------------------------------------------------------------------ reading

    def search(self, query: str, k: int = 5, *, types: Sequence[str] | None = None, sku: str | None = None,
               as_of: date | None = None, mode: SearchMode = "hybrid", validity: Validity = "auto") -> list[Passage]:
        return self.search_many([query], k, types=types, sku=sku, as_of=as_of, mode=mode, validity=validity)[0]

    def search_many(self, queries: Sequence[str], k: int = 5, *, types: Sequence[str] | None = None,
                    sku: str | None = None, as_of: date | None = None, mode: SearchMode = "hybrid",
                    validity: Validity = "auto") -> list[list[Passage]]:
        """Rank chunks for several queries at once (one embedding call). `as_of` (default: settings.as_of(), i.e.
        today) is the day validity is judged on: with validity="active" only chunks in force that day are returned;
        "auto" also returns the out-of-force chunks of a dated document the question names (双11 …), "any" every
        chunk — an out-of-force chunk always comes back marked 〔已结束…〕/〔未开始…〕 (validity.py).
        `types=None` searches the shop's facts — every type except reply templates, which are wording, not facts;
        ask for them with types=["template"]."""
        if validity not in VALIDITIES:
            raise ValueError(f"validity must be one of {', '.join(VALIDITIES)}, not {validity!r}")
        state = self._current()
        snap = state.snapshot
        results: list[list[Passage]] = [[] for _ in queries]
        live = [i for i, q in enumerate(queries) if q and q.strip()]
        if not live or not len(snap) or k <= 0:
            return results
        day = as_of or self.settings.as_of()
        base = snap.mask(types, sku, None)
        if not types:
            base &= snap.types != "template"
        texts = [normalize(queries[i], lower=False) for i in live]
        fetch = max(FETCH_FACTOR * k, FUSION_DEPTH)
        # the question's embedding starts first (on a worker thread when it may run alongside: see _embed)
        vectors = self._embed([strip_openers(t) for t in texts]) if mode != "bm25" else None
        tokens = [self._bm25_tokens(snap, t) for t in texts]
        masks = [self._validity_mask(snap, base, day, validity, t) for t in tokens]
        dense: list[list[tuple[int, float]]] = [[] for _ in live]
        sparse: list[list[tuple[int, float]]] = [[] for _ in live]
        if mode != "dense":
            sparse = [snap.bm25.top(t, fetch, m) if m.any() else [] for t, m in zip(tokens, masks, strict=True)]
        if vectors is not None:
            ready = vectors()  # raises what the embedder raised
            if any(m.any() for m in masks):
                dense = self._dense(state, ready, fetch, masks)
        for slot, i in enumerate(live):
            if mode == "dense":
                ranked = dense[slot]
            elif mode == "bm25":
                ranked = sparse[slot]
            else:
                ranked = relative([dense[slot], sparse[slot]], [DENSE_WEIGHT, 1.0 - DENSE_WEIGHT], [DENSE_MIN_RANGE, 0.0])
            results[i] = [mark(snap.with_score(row, score), day) for row, score in ranked[:k]]
        return results

    def _embed(self, texts: list[str]) -> Callable[[], list[list[float]]]:
        """Start embedding the questions; the returned call waits for their vectors. Cached vectors are used as is.

        With `concurrent_embedding` (by default: when the embedder says so) the call runs on a worker thread and
        jieba, the expansion rules and BM25 run meanwhile — worth it while an HTTP endpoint computes elsewhere. Not
        for the bundled model on this 2-core machine: its OpenMP engine already uses both cores for one question,
        a third busy thread stalls its barriers, and a second calling thread makes libgomp stop spinning between
        parallel regions (measured at 5,000 chunks under load: p50 ~2×, p95 > 1 s; bench notes). The worker signals
        just before it enters the model, so this thread does not hold the GIL through Python's 5 ms switch interval
        first."""
        hits, todo = self.query_cache.lookup(texts)

        def finish(fresh: list[list[float]]) -> list[list[float]]:
            self.query_cache.store(todo, fresh)
            hits.update(zip(todo, fresh, strict=True))
            return [hits[t] for t in texts]

        if not todo:
            return lambda: [hits[t] for t in texts]
        alongside = self.concurrent_embedding
        if alongside is None:
            alongside = self.embeddings.embed_alongside
        if not alongside:
            done = finish(self.embeddings.embed_queries(todo))
            return lambda: done
        entered = threading.Event()

        def work() -> list[list[float]]:
            entered.set()
            return self.embeddings.embed_queries(todo)

        future = _pool().submit(work)
        entered.wait(sys.getswitchinterval())  # no longer than the GIL hand-over would have cost (a busy pool)
        return lambda: finish(future.result())

    @staticmethod
    def _validity_mask(snap: Snapshot, base: npt.NDArray[np.bool_], day: date, validity: Validity,
                       tokens: list[str]) -> npt.NDArray[np.bool_]:
        if validity == "any":
            return base
        allowed = snap.in_force(day)
        if validity == "auto":
            allowed = allowed | snap.named(tokens)
        return base & allowed

    def _bm25_tokens(self, snap: Snapshot, text: str) -> list[str]:
        tokens = snap.segmenter.tokens(text)
        if self.expand_queries:
            extra = default_expander().extra(text)
            if extra:
                tokens += snap.segmenter.tokens(extra)
        return tokens

    def _dense(self, state: _State, vectors: list[list[float]], fetch: int,
               masks: list[npt.NDArray[np.bool_]]) -> list[list[tuple[int, float]]]:
        if state.manifest is not None and vectors and state.manifest.dim and len(vectors[0]) != state.manifest.dim:
            raise IndexMismatchError(f"the query embedding has dim {len(vectors[0])} but the index has dim "
                                     f"{state.manifest.dim}; run `coach kb index --rebuild PATH…`")
        matrix = self._matrix(state)
        if matrix is not None:
            return matrix.top(vectors, masks, fetch)
        return self._chroma_dense(state, vectors, fetch, masks)

    def _matrix(self, state: _State) -> DenseMatrix | None:
        """The index version's vectors in memory, loaded on first use; None when they would not fit (or the store
        lacks some): Chroma's query then."""
        dim = state.manifest.dim if state.manifest is not None and state.manifest.dim else 384
        if state.snapshot.entries * dim * 4 > self.dense_memory_max_bytes:
            return None
        if not state.dense_loaded:
            with self._lock:
                if not state.dense_loaded:
                    state.dense = DenseMatrix.load(state.snapshot, self._store(state))
                    state.dense_loaded = True
        return state.dense

    def _chroma_dense(self, state: _State, vectors: list[list[float]], fetch: int,
                      masks: list[npt.NDArray[np.bool_]]) -> list[list[tuple[int, float]]]:
        """Chroma's HNSW query, for indexes too big to hold in memory."""
        snap = state.snapshot
        store = self._store(state)
        total, allowed = len(snap), max(int(m.sum()) for m in masks)
        entries = snap.entries  # chunks + their sentence views
        # each chunk can come back once per view: ask for enough entries to see `fetch` distinct chunks
        want = fetch * VIEWS_OVERSAMPLE * (DENSE_OVERSAMPLE if allowed < total else 1)
        n = min(entries, want)
        out: list[list[tuple[int, float]]] = []
        for vector, hits, mask in zip(vectors, store.query(vectors, n), masks, strict=True):
            rows = _best_per_chunk(snap, hits, mask)
            if len(rows) < min(fetch, int(mask.sum())) and n < entries:
                # the filter removed too much of the candidate list (e.g. types=["promotion"]): score the allowed
                # chunks exactly. Chroma's own where-filter would do the same but costs ~20 ms at 5,000 chunks.
                rows = self._exact_dense(snap, store, vector, mask, fetch)
            out.append(rows[:fetch])
        return out

    def _exact_dense(self, snap: Snapshot, store: VectorStore, vector: Sequence[float],
                     mask: npt.NDArray[np.bool_], fetch: int) -> list[tuple[int, float]]:
        rows = np.flatnonzero(mask)
        wanted = [(int(r), e) for r in rows for e in view_ids(snap.passages[r].id, snap.views[r])]
        missing = [e for _, e in wanted if e not in snap.vectors]
        for start in range(0, len(missing), 1000):  # vectors are fetched once per index version, then kept
            for eid, vec in store.vectors(missing[start:start + 1000]).items():
                v = np.asarray(vec, dtype=np.float32)
                snap.vectors[eid] = v / (float(np.linalg.norm(v)) or 1.0)
        present = [(r, e) for r, e in wanted if e in snap.vectors]
        if not present:
            return []
        q = np.asarray(vector, dtype=np.float32)
        # einsum: one thread, no OpenBLAS workers left spinning against the embedding engine (dense.py)
        sims = np.einsum("ed,d->e", np.stack([snap.vectors[e] for _, e in present]),
                         q / (float(np.linalg.norm(q)) or 1.0))
        best: dict[int, float] = {}
        for (r, _), sim in zip(present, sims.tolist(), strict=True):
            best[r] = max(sim, best.get(r, -2.0))
        return sorted(best.items(), key=lambda kv: -kv[1])[:fetch]

    def get(self, chunk_id: str) -> Passage | None:
        snap = self._current().snapshot
        row = snap.row.get(chunk_id)
        return None if row is None else snap.passages[row]

    def passages(self, types: Sequence[str] | None = None) -> list[Passage]:
        """Every chunk (all dates: effective_from/to are on each Passage), cached per index version.
        The objects are shared: treat them as read-only."""
        snap = self._current().snapshot
        if not types:
            return list(snap.passages)
        wanted = set(types)
        return [p for p in snap.passages if p.type in wanted]

    @property
    def version(self) -> str:
        """Changes whenever the indexed content changes: a key for caches built on top of `passages()`."""
        state = self._current()
        return f"{state.generation or 'empty'}:{state.manifest.version if state.manifest else 0}"

    def is_empty(self) -> bool:
        return len(self._current().snapshot) == 0

    def stats(self) -> dict[str, Any]:
        state = self._current()
        by_type: dict[str, int] = {}
        for p in state.snapshot.passages:
            by_type[p.type] = by_type.get(p.type, 0) + 1
        last: dict[str, Any] | None = None
        if self.layout.last_run_file.exists():
            last = read_json(self.layout.last_run_file)
        m = state.manifest
        return {"chunks": len(state.snapshot), "by_type": by_type, "files": len(m.files) if m else 0,
                "model_id": m.model_id if m else self.embeddings.model_id, "dim": m.dim if m else None,
                "generation": state.generation, "version": self.version,
                "backend": "server" if self.settings.chroma_url else "embedded",
                "last_run_errors": (last or {}).get("failed", []), "last_run": last}

    def warmup(self) -> None:
        """Load the model, jieba and the store now instead of on the first query (servers, benchmarks)."""
        state = self._current()
        if len(state.snapshot):
            self.search("预热", k=1)
