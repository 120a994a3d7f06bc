"""Shared fixtures. The network guard makes any test that connects to a non-loopback address fail."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from coach.offline import configure_offline
from coach.settings import Settings

configure_offline()

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class NetworkAccessError(AssertionError):
    pass


def _is_loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a hostname other than localhost would need DNS: not allowed


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkAccessError(f"test tried to open a socket to non-loopback address {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkAccessError(f"test tried to open a socket to non-loopback address {address!r}")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings isolated in a temporary data dir, rules mode, today pinned to the demo shop's date."""
    for var in ("COACH_LLM_BASE_URL", "COACH_LLM_API_KEY", "COACH_LLM_MODEL", "COACH_CHROMA_URL", "COACH_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    s = Settings(data_dir=tmp_path / "data", today=date(2026, 11, 23), _env_file=None)  # type: ignore[call-arg]
    s.ensure_dirs()
    yield s


# ======================================================================================================================
# Retrieval: a shared, indexed demo-shop knowledge base (owned by the retrieval package; keep this block at the end).
#
#   def test_something(demo_kb): demo_kb.search("签收后几天可以退货")         # bundled e5 model, indexed once per session
#   def test_fast(demo_kb_factory): kb = demo_kb_factory("hash")             # hashed n-gram embedder: no model at all
#
# Passage vectors of the bundled model are memoised per machine (the user cache dir, so it outlives a fresh clone), so
# only the first run on a machine pays for embedding the demo shop (~1 min: chunks + sentence views); the index itself
# is built fresh every session. The cache is keyed by model id and exact text, so it can never return a stale vector.
# The KB is shared: tests must not index into it (use their own `settings` data dir for that).
# ======================================================================================================================


@pytest.fixture(scope="session")
def demo_kb_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import platformdirs

    from coach.retrieval import KnowledgeBase
    from coach.retrieval.embeddings import BundledE5Embeddings, CachedEmbeddings, HashEmbeddings, KBEmbeddings

    cache_dir = Path(platformdirs.user_cache_dir("huashu-coach", appauthor=False))
    built: dict[str, KnowledgeBase] = {}

    def make(embeddings: str = "bundled") -> KnowledgeBase:
        if embeddings not in built:
            s = Settings(data_dir=tmp_path_factory.mktemp(f"demo-kb-{embeddings}"), today=date(2026, 11, 23),
                         embeddings=embeddings, chroma_url=None, _env_file=None)  # type: ignore[call-arg]
            emb: KBEmbeddings = (CachedEmbeddings(BundledE5Embeddings(), cache_dir / "vectors.sqlite")
                                 if embeddings == "bundled" else HashEmbeddings())
            kb = KnowledgeBase.open(s, embeddings=emb)
            report = kb.index([s.knowledge_dir])
            assert report.chunks_total > 0 and not report.failed, report.failed
            built[embeddings] = kb
        return built[embeddings]

    yield make
    for kb in built.values():
        kb.close()


@pytest.fixture
def demo_kb(demo_kb_factory: Any) -> Any:
    """The demo shop (knowledge/) indexed with the bundled embedder; today = 2026-11-23. Read-only."""
    return demo_kb_factory("bundled")
