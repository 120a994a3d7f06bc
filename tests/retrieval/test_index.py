"""Indexing: incremental by content hash, removals, per-file errors that never damage the index, atomic rebuilds,
one writer per data dir, model mismatch. Fast: the hashed embedder stands in for the model (Chroma is real)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from filelock import FileLock

from coach.errors import IndexBusyError, IndexMismatchError
from coach.retrieval import KnowledgeBase
from coach.retrieval.embeddings import HashEmbeddings
from coach.settings import Settings

from .conftest import CountingEmbeddings

OpenKB = Callable[..., KnowledgeBase]


def test_empty_data_dir_works(open_kb: OpenKB) -> None:
    kb = open_kb()
    assert kb.is_empty()
    assert kb.search("退货") == []
    assert kb.search_many(["退货", "运费"]) == [[], []]
    assert kb.passages() == [] and kb.get("policy:returns#1") is None
    assert kb.stats()["chunks"] == 0


def test_index_then_search_and_get(open_kb: OpenKB, shop: Path) -> None:
    kb = open_kb()
    report = kb.index([shop])
    assert report.ok and len(report.added) == 4
    assert report.chunks_total == report.chunks_embedded == len(kb.passages())
    hits = kb.search("退货运费谁承担", k=3)
    assert hits[0].id == "policy:returns#2"
    p = kb.get("policy:returns#2")
    assert p is not None and p.text.startswith("因个人原因退货的") and p.source.endswith("returns.md")
    assert p.effective_from == "2026-01-01" and p.effective_to is None
    assert {x.type for x in kb.passages(types=["product"])} == {"product"}
    assert kb.stats()["by_type"] == {"policy": 4, "promotion": 3, "product": 5}


def test_reindex_unchanged_embeds_nothing(open_kb: OpenKB, shop: Path, counting: CountingEmbeddings) -> None:
    kb = open_kb()
    kb.index([shop])
    first = len(counting.embedded)
    assert first > 0
    version = kb.version
    report = kb.index([shop])
    assert len(counting.embedded) == first  # not a single text re-embedded
    assert report.chunks_embedded == 0 and len(report.unchanged) == 4 and not report.added
    assert kb.version == version  # nothing committed: readers keep their cache


def test_changed_file_replaces_its_chunks_and_reembeds_only_changed_text(
        open_kb: OpenKB, shop: Path, counting: CountingEmbeddings) -> None:
    kb = open_kb()
    kb.index([shop])
    before = len(counting.embedded)
    policy = shop / "policies" / "returns.md"
    text = policy.read_text(encoding="utf-8")
    text = text.replace("1-3个工作日", "1-5个工作日").replace("## 3. 退款时效", "## 3. 退款时效\n")
    text = text.replace("## 2. 退货运费\n因个人原因退货的，寄回运费由买家承担；订单带运费险的由保险公司理赔。\n\n", "")
    policy.write_text(text, encoding="utf-8")
    report = kb.index([shop])
    assert report.updated == [str(policy)]
    assert report.chunks_embedded == 1 and report.chunks_reused == 2  # clause 3 changed; #0 and #1 kept their vectors
    clause3 = kb.get("policy:returns#3")
    assert clause3 is not None
    assert counting.embedded[before:] == [f"退换货政策｜3. 退款时效\n{clause3.text}"]
    assert kb.get("policy:returns#2") is None  # the deleted clause left the index
    assert "1-5个工作日" in kb.get("policy:returns#3").text  # type: ignore[union-attr]
    assert all(p.id != "policy:returns#2" for p in kb.search("运费险", k=10, mode="dense"))


def test_removed_file_leaves_the_index(open_kb: OpenKB, shop: Path) -> None:
    kb = open_kb()
    kb.index([shop])
    (shop / "promotions" / "winter.md").unlink()
    report = kb.index([shop])
    assert report.removed == [str(shop / "promotions" / "winter.md")]
    assert kb.get("promo:winter#1") is None
    assert all(not p.id.startswith("promo:winter") for p in kb.search("满减", k=10, mode="dense",
                                                                      as_of=date(2026, 11, 20)))


def test_files_outside_the_given_root_are_not_removed(open_kb: OpenKB, shop: Path) -> None:
    kb = open_kb()
    kb.index([shop])
    report = kb.index([shop / "policies"])
    assert not report.removed and kb.get("product:T-AP-001#main") is not None


def test_bad_files_are_reported_and_the_rest_indexed(open_kb: OpenKB, shop: Path) -> None:
    kb = open_kb(max_file_bytes=5 * 1024 * 1024)
    assert kb.index([shop]).ok
    good = {p.id: p.text for p in kb.passages()}
    bad = shop / "bad"
    bad.mkdir()
    (bad / "empty.md").write_bytes(b"")
    (bad / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    (bad / "broken.yaml").write_text("products: [\n  - sku: x\n", encoding="utf-8")
    with open(bad / "huge.pdf", "wb") as f:
        f.truncate(50 * 1024 * 1024)
    (bad / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    (bad / "new.md").write_text("# 新政策\n\n## 1. 发票\n电子发票3个工作日内开具。\n", encoding="utf-8")
    # a previously good file turns bad: its old chunks stay
    (shop / "policies" / "returns.md").write_text("---\nid: [broken\n---\n", encoding="utf-8")
    report = kb.index([shop])
    reasons = {Path(f.path).name: f.reason for f in report.failed}
    assert set(reasons) == {"empty.md", "image.md", "broken.yaml", "huge.pdf", "sheet.xlsx", "returns.md"}
    assert "too large" in reasons["huge.pdf"] and "binary" in reasons["image.md"]
    assert "previous version stays indexed" in reasons["returns.md"]
    assert report.added == [str(bad / "new.md")]
    assert kb.get("doc:new#1") is not None
    assert all(kb.get(i) is not None and kb.get(i).text == t for i, t in good.items())  # type: ignore[union-attr]
    assert kb.stats()["last_run_errors"]  # the failures are remembered for `coach kb stats`


def test_duplicate_ids_across_files_fail_the_later_file(open_kb: OpenKB, shop: Path) -> None:
    kb = open_kb()
    kb.index([shop])
    copy = shop / "policies" / "returns_copy.md"
    copy.write_text((shop / "policies" / "returns.md").read_text(encoding="utf-8").replace("寄回运费", "来回运费"),
                    encoding="utf-8")
    report = kb.index([shop])
    assert [Path(f.path).name for f in report.failed] == ["returns_copy.md"]
    assert "duplicate chunk id" in report.failed[0].reason
    assert "寄回运费" in kb.get("policy:returns#2").text  # type: ignore[union-attr]


def test_model_mismatch_asks_for_a_rebuild(settings: Settings, shop: Path) -> None:
    KnowledgeBase.open(settings, embeddings=HashEmbeddings()).index([shop])

    class OtherModel(HashEmbeddings):
        model_id = "hash:other-model"

    with pytest.raises(IndexMismatchError, match="rebuild"):
        KnowledgeBase.open(settings, embeddings=OtherModel(dim=128))
    kb = KnowledgeBase.open(settings, embeddings=OtherModel(dim=128), allow_mismatch=True)
    with pytest.raises(IndexMismatchError):
        kb.index([shop])  # an incremental run would mix vectors of two models
    report = kb.index([], rebuild=True)  # no paths: the roots indexed before
    assert report.rebuilt and report.ok and report.chunks_embedded == report.chunks_total > 0
    assert kb.stats()["model_id"] == "hash:other-model" and kb.stats()["dim"] == 128
    assert kb.search("退货运费", k=1)[0].id == "policy:returns#2"
    KnowledgeBase.open(settings, embeddings=OtherModel(dim=128))  # no longer a mismatch


def test_rebuild_swaps_atomically_and_cleans_up(open_kb: OpenKB, shop: Path, settings: Settings) -> None:
    kb = open_kb()
    first = kb.index([shop]).generation
    reader = open_kb()
    assert reader.search("退货运费", k=1)
    report = kb.index([shop], rebuild=True)
    assert report.rebuilt and report.generation != first
    assert (settings.index_dir / "CURRENT").read_text().strip() == report.generation
    gens = sorted(p.name for p in settings.index_dir.iterdir() if p.is_dir())
    assert gens == [report.generation]  # the old generation is gone
    assert reader.search("退货运费", k=1)[0].id == "policy:returns#2"  # a reader follows the swap


def test_failed_rebuild_leaves_the_previous_index(settings: Settings, shop: Path) -> None:
    kb = KnowledgeBase.open(settings, embeddings=HashEmbeddings())
    first = kb.index([shop]).generation
    snapshot = {p.id: p.text for p in kb.passages()}
    crashing = CountingEmbeddings(HashEmbeddings(), fail_after=3)
    with pytest.raises(RuntimeError, match="simulated"):
        KnowledgeBase.open(settings, embeddings=crashing).index([shop], rebuild=True)
    assert (settings.index_dir / "CURRENT").read_text().strip() == first
    assert sorted(p.name for p in settings.index_dir.iterdir() if p.is_dir()) == [first]
    again = KnowledgeBase.open(settings, embeddings=HashEmbeddings())
    assert {p.id: p.text for p in again.passages()} == snapshot
    assert again.search("退货运费", k=1)[0].id == "policy:returns#2"


def test_failed_incremental_embedding_changes_nothing(settings: Settings, shop: Path) -> None:
    kb = KnowledgeBase.open(settings, embeddings=HashEmbeddings())
    kb.index([shop])
    version = kb.version
    (shop / "policies" / "more.md").write_text("# 更多\n\n## 1. 包邮\n全店满99元包邮。\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        KnowledgeBase.open(settings, embeddings=CountingEmbeddings(HashEmbeddings(), fail_after=0)).index([shop])
    assert kb.version == version and kb.get("doc:more#1") is None


def test_second_writer_fails_fast_when_the_lock_is_held(open_kb: OpenKB, shop: Path, settings: Settings) -> None:
    kb = open_kb()
    with FileLock(str(settings.data_dir / "kb.lock")):
        t0 = time.perf_counter()
        with pytest.raises(IndexBusyError, match="another process is writing"):
            kb.index([shop])
        assert time.perf_counter() - t0 < 1.0
    assert kb.index([shop]).ok  # released: writing works again


def test_second_writer_in_another_process_fails_fast(open_kb: OpenKB, shop: Path, settings: Settings) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from filelock import FileLock\n"
         "with FileLock(sys.argv[1]):\n    print('locked', flush=True); time.sleep(30)",
         str(settings.data_dir / "kb.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexBusyError):
            open_kb().index([shop])
    finally:
        holder.kill()
        holder.wait()


def test_readers_see_a_writers_commit(open_kb: OpenKB, shop: Path) -> None:
    writer, reader = open_kb(), open_kb()
    writer.index([shop / "policies"])
    assert reader.get("product:T-AP-001#main") is None
    writer.index([shop / "products"])
    assert reader.get("product:T-AP-001#main") is not None


def test_user_dictionary_keeps_skus_whole(open_kb: OpenKB, shop: Path) -> None:
    kb = open_kb()
    kb.index([shop])
    hits = kb.search("T-HA-001", k=2, mode="bm25")
    assert hits and {h.sku for h in hits} == {"T-HA-001"}


def test_index_dir_never_in_repository(settings: Settings) -> None:
    assert os.path.commonpath([settings.index_dir, Path(__file__).resolve()]) != str(Path(__file__).parents[2])


def test_progress_reports_reading_then_embedding(open_kb: OpenKB, shop: Path) -> None:
    """What `coach kb index` draws its bar from: every file read, then embedding up to the total."""
    calls: list[tuple[int, int, str]] = []
    open_kb().index([shop], progress=lambda done, total, label: calls.append((done, total, label)))
    reading = [c for c in calls if c[2].startswith("读取")]
    embedding = [c for c in calls if c[2].startswith("嵌入")]
    assert [c[0] for c in reading] == [1, 2, 3, 4] and {c[1] for c in reading} == {4}
    assert embedding and embedding[-1][0] == embedding[-1][1] > 0  # the bar ends full
    assert [c[0] for c in embedding] == sorted(c[0] for c in embedding)


def test_same_model_with_another_dimension_asks_for_a_rebuild(settings: Settings, shop: Path) -> None:
    KnowledgeBase.open(settings, embeddings=HashEmbeddings(dim=256)).index([shop])
    kb = KnowledgeBase.open(settings, embeddings=HashEmbeddings(dim=128))  # same model id, other dimension
    with pytest.raises(IndexMismatchError, match="rebuild"):
        kb.search("退货运费", mode="dense")
    with pytest.raises(IndexMismatchError, match="rebuild"):
        (shop / "policies" / "returns.md").write_text(
            (shop / "policies" / "returns.md").read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
        kb.index([shop])
