"""One `kb index` run: find files, skip unchanged ones by content hash, load and chunk the rest, embed what is new,
then apply the change to Chroma and commit it by writing the manifest.

Safety rules this module keeps:
- nothing touches the live index before every new vector is computed (an embedder failure changes nothing);
- a file that fails keeps its previously indexed chunks (bad input never damages the index);
- `rebuild` fills a new generation aside, verifies it, then swaps CURRENT atomically and only then deletes the
  old one; any failure before the swap deletes the new generation and leaves the old one live.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xxhash

from coach.errors import CoachError
from coach.retrieval.chunking import chunk_documents, embedding_texts, sentence_views, view_ids
from coach.retrieval.documents import Chunk, LoadError
from coach.retrieval.embeddings import KBEmbeddings
from coach.retrieval.loaders import SUPPORTED_EXTENSIONS, load_bytes, read_file
from coach.retrieval.manifest import PIPELINE_VERSION, FileEntry, Layout, Manifest, read_json, write_json
from coach.retrieval.report import FileIssue, IndexReport
from coach.retrieval.segmentation import Segmenter, shop_words
from coach.retrieval.snapshot import OPEN_END, date_number
from coach.retrieval.store import VectorStore
from coach.settings import Settings

Progress = Callable[[int, int, str], None]
EMBED_BATCH = 64


@dataclass
class _Pending:
    path: str
    status: str  # added | updated
    entry: FileEntry
    chunks: list[Chunk] = field(default_factory=list)


def discover(paths: Sequence[Path], report: IndexReport) -> list[Path]:
    """Files to index under the given paths; hidden files and READMEs are skipped on purpose, not failed."""
    found: list[Path] = []
    for given in paths:
        p = given.expanduser().resolve()
        if not p.exists():
            report.failed.append(FileIssue(str(p), "no such file or directory"))
        elif p.is_file():
            found.append(p)
        else:
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if not f.is_file():
                    continue
                if any(part.startswith(".") for part in rel):
                    continue
                if f.stem.upper() == "README":
                    report.skipped.append(FileIssue(str(f), "README files describe the folder, not the shop"))
                    continue
                found.append(f)
    return list(dict.fromkeys(found))


def _under(path: str, roots: Sequence[Path]) -> bool:
    p = Path(path)
    return any(p == r or r in p.parents for r in roots)


class Indexer:
    def __init__(self, settings: Settings, layout: Layout, embedder: KBEmbeddings, max_file_bytes: int,
                 progress: Progress | None = None) -> None:
        self.settings, self.layout, self.embedder = settings, layout, embedder
        self.max_file_bytes = max_file_bytes
        self.progress = progress or (lambda done, total, label: None)

    # ------------------------------------------------------------------ plan

    def run(self, paths: Sequence[Path], rebuild: bool) -> IndexReport:
        t0 = time.perf_counter()
        report = IndexReport(rebuilt=rebuild)
        gen = self.layout.current()
        base: Manifest | None = None
        old_records: dict[str, dict[str, Any]] = {}
        if gen is not None and not rebuild:
            base = Manifest.from_json(read_json(self.layout.gen_dir(gen) / "manifest.json"))
            if base.model_id != self.embedder.model_id:
                raise_mismatch(base, self.embedder)
            old_records = {r["id"]: r for r in read_json(self.layout.gen_dir(gen) / "chunks.json")}
        if not paths and base is None and gen is not None:
            previous = Manifest.from_json(read_json(self.layout.gen_dir(gen) / "manifest.json"))
            paths = [Path(r) for r in previous.roots]  # `--rebuild` without paths: the roots indexed before
        roots = [p.expanduser().resolve() for p in paths]
        files = discover(paths, report)
        pending = self._plan(files, base, report)
        removed = [p for p in (base.files if base else {}) if _under(p, roots)
                   and p not in {str(f) for f in files} and not Path(p).exists()]
        kept = {p: e for p, e in (base.files if base else {}).items()
                if p not in removed and p not in {x.path for x in pending}}
        pending = self._drop_duplicates(pending, kept, report)
        manifest = Manifest(model_id=self.embedder.model_id, dim=0,
                            version=(base.version + 1) if base else 1,
                            roots=sorted({*(base.roots if base else []), *map(str, roots)}),
                            files={**kept, **{x.path: x.entry for x in pending}})
        report.removed = sorted(removed)
        report.added = [x.path for x in pending if x.status == "added"]
        report.updated = [x.path for x in pending if x.status == "updated"]
        if base is None and not pending:
            report.seconds = round(time.perf_counter() - t0, 3)
            if rebuild and gen is not None:
                report.failed.append(FileIssue("(rebuild)", "nothing could be indexed: the previous index is kept"))
            return report
        if base is not None and not pending and not removed and not self._orphans_possible(base, old_records):
            report.chunks_total = len(old_records)
            report.generation = gen or ""
            report.seconds = round(time.perf_counter() - t0, 3)
            return report
        records, to_embed, reused = self._records(manifest, base, kept, pending, old_records)
        vectors = self._embed([c for c, _ in to_embed])
        manifest.dim = len(vectors[0][0]) if vectors else (base.dim if base else self.embedder.dim)
        report.chunks_embedded, report.chunks_reused = len(to_embed), len(reused)
        report.chunks_total = len(records)
        if base is None:
            report.generation = self._build_new(manifest, records, to_embed, vectors, gen)
        else:
            assert gen is not None
            report.generation = gen
            self._apply(gen, manifest, records, to_embed, vectors, reused, old_records)
        report.seconds = round(time.perf_counter() - t0, 3)
        return report

    def _orphans_possible(self, base: Manifest, old_records: dict[str, dict[str, Any]]) -> bool:
        # an interrupted run can leave records the manifest no longer lists: worth a cleanup pass
        listed = {c for e in base.files.values() for c in e.chunk_ids}
        return listed != set(old_records) or base.pipeline != PIPELINE_VERSION

    def _plan(self, files: list[Path], base: Manifest | None, report: IndexReport) -> list[_Pending]:
        pending: list[_Pending] = []
        for n, f in enumerate(files, start=1):
            self.progress(n, len(files), f"读取 {f.name}")
            path = str(f)
            previous = base.files.get(path) if base else None
            if f.suffix.lower() not in SUPPORTED_EXTENSIONS:
                report.failed.append(FileIssue(path, _unsupported(f)))
                continue
            try:
                data = read_file(f, self.max_file_bytes)
                digest = xxhash.xxh3_64_hexdigest(data)
                if previous and previous.hash == digest and base and base.pipeline == PIPELINE_VERSION:
                    report.unchanged.append(path)
                    continue
                loaded = load_bytes(f, data)
                chunks = chunk_documents(loaded.documents)
                if not chunks:
                    raise LoadError("no text to index")
            except LoadError as exc:
                report.failed.append(FileIssue(path, str(exc) + ("; its previous version stays indexed"
                                                                 if previous else "")))
                continue
            except OSError as exc:
                report.failed.append(FileIssue(path, f"cannot read: {exc.strerror or exc}"))
                continue
            report.warnings.extend(FileIssue(path, w) for w in loaded.warnings)
            words = sorted({w for d in loaded.documents for w in shop_words(d.product_name, d.sku)})
            entry = FileEntry(hash=digest, size=len(data), chunk_ids=[c.id for c in chunks], words=words,
                              doc_ids=list(dict.fromkeys(d.doc_id for d in loaded.documents)))
            pending.append(_Pending(path, "updated" if previous else "added", entry, chunks))
        return pending

    def _drop_duplicates(self, pending: list[_Pending], kept: dict[str, FileEntry],
                         report: IndexReport) -> list[_Pending]:
        """Two files defining the same id would overwrite each other's chunks: the later one fails instead."""
        owner = {cid: p for p, e in kept.items() for cid in e.chunk_ids}
        out: list[_Pending] = []
        for item in pending:
            ids = item.entry.chunk_ids
            clash = next((c for c in ids if c in owner), None)
            dup = next((c for c in ids if ids.count(c) > 1), None)
            if clash or dup:
                reason = (f"duplicate chunk id {clash} (already defined by {owner[clash]})" if clash
                          else f"chunk id {dup} appears twice in this file (duplicate id or clause number)")
                report.failed.append(FileIssue(item.path, reason + "; give each document a unique `id`"))
                continue
            owner.update({c: item.path for c in ids})
            out.append(item)
        return out

    # ------------------------------------------------------------------ records and vectors

    def _records(self, manifest: Manifest, base: Manifest | None, kept: dict[str, FileEntry],
                 pending: list[_Pending], old: dict[str, dict[str, Any]]
                 ) -> tuple[list[dict[str, Any]], list[tuple[Chunk, dict[str, Any]]], list[dict[str, Any]]]:
        segmenter = Segmenter(manifest.user_words())
        retokenize = base is None or base.user_words() != manifest.user_words() or base.pipeline != PIPELINE_VERSION
        records: list[dict[str, Any]] = []
        for entry in kept.values():
            for cid in entry.chunk_ids:
                if cid in old:
                    r = dict(old[cid])
                    if retokenize:  # new shop words change how every text segments
                        r["tokens"] = " ".join(segmenter.tokens(f"{r['meta']['header']}\n{r['text']}"))
                    records.append(r)
        to_embed: list[tuple[Chunk, dict[str, Any]]] = []
        reused: list[dict[str, Any]] = []
        for item in pending:
            for chunk in item.chunks:
                digest = xxhash.xxh3_64_hexdigest(chunk.embed_text.encode())
                meta = chunk.metadata(digest)
                meta["from_n"] = date_number(chunk.doc.effective_from, 0)
                meta["to_n"] = date_number(chunk.doc.effective_to, OPEN_END)
                meta["views"] = len(sentence_views(chunk))
                record = {"id": chunk.id, "text": chunk.text, "meta": meta,
                          "tokens": " ".join(segmenter.tokens(chunk.embed_text))}
                records.append(record)
                previous = old.get(chunk.id)
                if base is not None and previous is not None and previous["meta"].get("hash") == digest:
                    reused.append(record)  # same embedded text: the stored vector is still right
                else:
                    to_embed.append((chunk, record))
        return records, to_embed, reused

    def _embed(self, chunks: list[Chunk]) -> list[list[list[float]]]:
        """Per chunk: its whole-text vector, then one per sentence view. Texts are batched across chunks."""
        texts = [(i, t) for i, c in enumerate(chunks) for t in embedding_texts(c)]
        flat: list[list[float]] = []
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start:start + EMBED_BATCH]
            self.progress(start, len(texts), f"嵌入 {Path(chunks[batch[0][0]].doc.path).name}")
            flat.extend(self.embedder.embed_documents([t for _, t in batch]))
        if texts:
            self.progress(len(texts), len(texts), "嵌入完成")
        if len(flat) != len(texts):
            raise CoachError(f"the embedder returned {len(flat)} vectors for {len(texts)} texts")
        out: list[list[list[float]]] = [[] for _ in chunks]
        for (i, _), v in zip(texts, flat, strict=True):
            out[i].append(v)
        return out

    # ------------------------------------------------------------------ apply

    def _apply(self, gen: str, manifest: Manifest, records: list[dict[str, Any]],
               to_embed: list[tuple[Chunk, dict[str, Any]]], vectors: list[list[list[float]]],
               reused: list[dict[str, Any]], old: dict[str, dict[str, Any]]) -> None:
        gen_dir = self.layout.gen_dir(gen)
        store = VectorStore(self.settings, gen_dir)
        try:
            store.check_model(self.embedder.model_id, manifest.dim or None)
            final = _entry_ids(records)
            stale = (_entry_ids(list(old.values())) | store.ids()) - final
            store.delete(sorted(stale))
            _upsert(store, [r for _, r in to_embed], vectors)
            _upsert(store, reused, None)
            write_json(gen_dir / "chunks.json", records)
            write_json(gen_dir / "manifest.json", manifest.to_json())  # the commit point
        finally:
            store.close()

    def _build_new(self, manifest: Manifest, records: list[dict[str, Any]],
                   to_embed: list[tuple[Chunk, dict[str, Any]]], vectors: list[list[list[float]]],
                   previous: str | None) -> str:
        gen_dir = self.layout.new_generation()
        store: VectorStore | None = None
        try:
            store = VectorStore(self.settings, gen_dir, create=True, model_id=manifest.model_id, dim=manifest.dim)
            _upsert(store, [r for _, r in to_embed], vectors)
            self._verify(store, records, vectors)
            write_json(gen_dir / "chunks.json", records)
            write_json(gen_dir / "manifest.json", manifest.to_json())
        except BaseException:
            self._discard(gen_dir, store)
            raise
        store.close()
        self.layout.point_to(gen_dir.name)  # atomic swap: readers now see the new generation
        if previous is not None:
            self._discard(self.layout.gen_dir(previous), None)
        self._collect_garbage(keep=gen_dir.name)
        return gen_dir.name

    def _verify(self, store: VectorStore, records: list[dict[str, Any]], vectors: list[list[list[float]]]) -> None:
        count, expected = store.count(), len(_entry_ids(records))
        if count != expected:
            raise CoachError(f"rebuild verification failed: {count} vectors stored, {expected} expected; "
                             "the previous index is kept")
        if vectors:
            hit = store.query([vectors[0][0]], 1)
            if not hit or not hit[0] or hit[0][0][1] < 0.999:  # a stored vector must come back as itself
                raise CoachError("rebuild verification failed: a probe query did not find its own chunk; "
                                 "the previous index is kept")

    def _discard(self, gen_dir: Path, store: VectorStore | None) -> None:
        """Delete a generation: its server collection (server mode) and its directory."""
        try:
            if self.settings.chroma_url:
                store = store or VectorStore(self.settings, gen_dir)
                store.drop()
        except CoachError:
            pass  # the collection never got created
        finally:
            if store is not None:
                store.close()
            shutil.rmtree(gen_dir, ignore_errors=True)

    def _collect_garbage(self, keep: str) -> None:
        # generations left by a crashed rebuild (we hold the writer lock: nobody else is building one)
        for name in self.layout.generations():
            if name != keep:
                self._discard(self.layout.gen_dir(name), None)


def _entry_ids(records: list[dict[str, Any]]) -> set[str]:
    return {e for r in records for e in view_ids(r["id"], int(r["meta"].get("views", 0)))}


def _upsert(store: VectorStore, records: list[dict[str, Any]], vectors: list[list[list[float]]] | None) -> None:
    """A chunk's entries in Chroma: the chunk itself, then its views (metadata `parent` points back at the chunk,
    and carries the same filter fields)."""
    ids: list[str] = []
    flat: list[list[float]] = []
    docs: list[str] = []
    metas: list[dict[str, Any]] = []
    for n, r in enumerate(records):
        entries = view_ids(r["id"], int(r["meta"].get("views", 0)))
        ids.extend(entries)
        docs.extend([r["text"]] * len(entries))
        metas.extend({**r["meta"], "parent": r["id"], "view": v} for v in range(len(entries)))
        if vectors is not None:
            if len(vectors[n]) != len(entries):
                raise CoachError(f"{r['id']}: {len(vectors[n])} vectors for {len(entries)} entries")
            flat.extend(vectors[n])
    if ids:
        store.upsert(ids, flat if vectors is not None else None, docs, metas)


def _unsupported(f: Path) -> str:
    try:
        load_bytes(f, b"")
    except LoadError as exc:
        return str(exc)
    return "unsupported file type"


def raise_mismatch(manifest: Manifest, embedder: KBEmbeddings) -> None:
    from coach.errors import IndexMismatchError

    raise IndexMismatchError(
        f"the index was built with embedding model {manifest.model_id} (dim {manifest.dim}) but the configured "
        f"model is {embedder.model_id}: vectors of different models are not comparable; "
        "run `coach kb index --rebuild PATH…` to rebuild it")
