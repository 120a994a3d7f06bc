"""The latency work keeps answers the same: dense scoring in memory ranks as Chroma's query does, the question embedded
on a worker thread ranks as embedded in line, the in-memory vectors follow a reindex; and the fusion range floor and
the expansion rule "only add what the question lacks" do what they say."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from coach.retrieval import KnowledgeBase
from coach.retrieval.embeddings import HashEmbeddings, KBEmbeddings, QueryCache

OpenKB = Callable[..., KnowledgeBase]

QUESTIONS = ["寄回去的邮费谁出", "钱多久能退回来", "羽绒服有什么颜色", "热水壶还有货吗", "双十一的满减还能用吗",
             "签收几天内可以退", "满200减多少", "亲，在吗？吊牌剪了还能退吗"]


class ThreadRecording(KBEmbeddings):
    """The hashed embedder, noting which thread asked for each query vector."""

    def __init__(self, fail: bool = False) -> None:
        self.inner = HashEmbeddings()
        self.model_id = self.inner.model_id
        self.threads: list[str] = []
        self.fail = fail

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.threads.append(threading.current_thread().name)
        if self.fail:
            raise RuntimeError("embedding endpoint down (simulated)")
        return self.inner.embed_query(text)


@pytest.fixture
def recording() -> ThreadRecording:
    return ThreadRecording()


@pytest.fixture
def kb(open_kb: OpenKB, shop: Path, recording: ThreadRecording) -> KnowledgeBase:
    kb = open_kb(embeddings=recording)
    assert kb.index([shop]).ok
    return kb


def _ranked(kb: KnowledgeBase, mode: str) -> list[list[tuple[str, float]]]:
    kb.query_cache = QueryCache()  # every question embedded again
    return [[(p.id, p.score) for p in kb.search(q, k=6, mode=mode)] for q in QUESTIONS]  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_dense_in_memory_ranks_as_chroma_does(kb: KnowledgeBase, mode: str) -> None:
    memory = _ranked(kb, mode)
    assert kb._current().dense is not None  # the in-memory path ran
    kb.dense_memory_max_bytes = 0  # as for an index too big to hold: Chroma's HNSW query
    chroma = _ranked(kb, mode)
    for m, c in zip(memory, chroma, strict=True):
        # the same scores in the same order, for the same chunks; exact ties (orthogonal hashed vectors score 0) may
        # come in either order and be cut at k differently
        assert [s for _, s in m] == pytest.approx([s for _, s in c], abs=1e-4)
        cut = m[-1][1] + 1e-4
        above_m, above_c = {i: s for i, s in m if s > cut}, {i: s for i, s in c if s > cut}
        assert above_m.keys() == above_c.keys()
        assert all(above_m[i] == pytest.approx(above_c[i], abs=1e-4) for i in above_m)


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_concurrent_embedding_ranks_as_sequential(kb: KnowledgeBase, recording: ThreadRecording, mode: str) -> None:
    assert kb.concurrent_embedding is None and not recording.embed_alongside  # the embedder decides: in line
    kb.concurrent_embedding = True
    concurrent = _ranked(kb, mode)
    assert recording.threads and all(t.startswith("kb-embed") for t in recording.threads)
    recording.threads.clear()
    kb.concurrent_embedding = False
    sequential = _ranked(kb, mode)
    assert recording.threads and all(t == threading.current_thread().name for t in recording.threads)
    assert concurrent == sequential
    # search_many: one embedding call for the batch, the same answers as one by one
    kb.concurrent_embedding = True
    kb.query_cache = QueryCache()
    batch = kb.search_many(QUESTIONS, k=6, mode=mode)  # type: ignore[arg-type]
    assert [[(p.id, p.score) for p in r] for r in batch] == sequential


def test_an_embedder_error_reaches_the_caller(open_kb: OpenKB, shop: Path) -> None:
    failing = ThreadRecording()
    kb = open_kb(embeddings=failing)
    assert kb.index([shop]).ok
    failing.fail = True
    for alongside in (True, False):
        kb.concurrent_embedding = alongside
        with pytest.raises(RuntimeError, match="simulated"):
            kb.search("寄回去的邮费谁出")
    assert kb.search("寄回去的邮费谁出", mode="bm25")  # BM25 alone never embeds


def test_bm25_mode_never_embeds(kb: KnowledgeBase, recording: ThreadRecording) -> None:
    kb.search("寄回去的邮费谁出", mode="bm25")
    assert recording.threads == []


def test_in_memory_vectors_follow_a_reindex(kb: KnowledgeBase, shop: Path) -> None:
    clause = "## 1. 以旧换新\n旧电热水壶折价30元，可抵扣新壶货款。\n"
    assert all(p.id != "policy:tradein#1" for p in kb.search("旧水壶能折价吗", k=5, mode="dense"))
    before = kb._current().dense
    assert before is not None
    (shop / "policies" / "tradein.md").write_text(
        "---\nid: policy:tradein\ntype: policy\ntitle: 以旧换新\n---\n# 以旧换新\n\n" + clause,
        encoding="utf-8")
    assert kb.index([shop]).ok
    hits = kb.search("旧电热水壶折价30元", k=3, mode="dense")
    assert hits[0].id == "policy:tradein#1"
    assert kb._current().dense is not before
    # query vectors depend on the model only: the question cache is still valid after a reindex
    assert len(kb.query_cache) >= 2


def test_the_range_floor_quiets_a_list_with_no_preference() -> None:
    from coach.retrieval.fusion import relative

    flat_dense = [(1, 0.881), (2, 0.874), (4, 0.871)]  # within 0.01: no real preference
    bm25 = [(3, 12.0), (2, 10.0), (5, 1.0)]
    assert relative([flat_dense, bm25], [0.55, 0.45])[0][0] == 1  # plain min-max: dense noise wins
    fused = relative([flat_dense, bm25], [0.55, 0.45], [0.03, 0.0])
    assert fused[0][0] == 3  # BM25's clear first
    assert dict(fused)[1] == pytest.approx(0.55 * 0.010 / 0.03)
    spread_dense = [(1, 0.95), (2, 0.85), (4, 0.80)]  # a clear preference: the floor changes nothing
    assert relative([spread_dense, bm25], [0.55, 0.45], [0.03, 0.0]) == relative([spread_dense, bm25], [0.55, 0.45])


def test_expansion_adds_only_words_the_question_lacks() -> None:
    from coach.retrieval.expansion import default_expander

    extra = default_expander().extra("羽绒服买小了能换大一号吗").split()
    assert "尺码" in extra and "换货" in extra
    assert "羽绒服" not in extra  # already there: adding it would count the product name twice
    assert "羽绒服" in default_expander().extra("鹅绒外套买小了").split()


def test_which_embedders_run_alongside_the_search() -> None:
    from coach.retrieval.embeddings import BundledE5Embeddings, OpenAICompatibleEmbeddings

    assert not BundledE5Embeddings.embed_alongside  # OpenMP already uses both cores for one question
    assert OpenAICompatibleEmbeddings.embed_alongside  # waits on the network
    assert not HashEmbeddings().embed_alongside


def test_a_cache_wrapper_keeps_the_inner_choice(tmp_path: Path) -> None:
    from coach.retrieval.embeddings import CachedEmbeddings

    inner = HashEmbeddings()
    inner.embed_alongside = True
    assert CachedEmbeddings(inner, tmp_path / "v.sqlite").embed_alongside
