"""The shipped demo vectors make a first `make run` index the demo shop without embedding anything."""

from __future__ import annotations

from typing import Any

from coach.services import DEMO_VECTORS, Services
from coach.settings import Settings


def test_demo_shop_indexes_from_the_shipped_vectors(settings: Settings, monkeypatch: Any) -> None:
    assert DEMO_VECTORS.exists() and DEMO_VECTORS.stat().st_size > 100_000
    services = Services(settings)
    emb = services.kb.embeddings
    calls: list[int] = []
    inner = emb.inner
    real = inner.embed_documents
    monkeypatch.setattr(inner, "embed_documents", lambda texts: calls.append(len(texts)) or real(texts))
    assert services.ensure_demo_index()
    assert services.kb.stats()["chunks"] > 150
    # edits to knowledge/ leave a few texts to embed; most must come from the seed (regenerate it with
    # `python -m coach.retrieval.seed` after larger edits)
    total = services.kb.stats()["chunks"]
    assert sum(calls) <= 0.25 * total, f"embedded {sum(calls)} texts: regenerate coach/data/demo-vectors.sqlite"
