"""Fixtures for the retrieval tests: fast KBs over the hashed embedder, a counting embedder, small shop files, and
a real `chroma run` server on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.retrieval import KnowledgeBase
from coach.retrieval.embeddings import HashEmbeddings, KBEmbeddings
from coach.settings import Settings


class CountingEmbeddings(KBEmbeddings):
    """Wraps another embedder and counts the passages it was asked to embed (incremental indexing tests)."""

    def __init__(self, inner: KBEmbeddings, fail_after: int | None = None) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.embedded: list[str] = []
        self.fail_after = fail_after

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.fail_after is not None and len(self.embedded) + len(texts) > self.fail_after:
            raise RuntimeError("embedder crashed (simulated)")
        self.embedded.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


@pytest.fixture
def counting() -> CountingEmbeddings:
    return CountingEmbeddings(HashEmbeddings())


@pytest.fixture
def open_kb(settings: Settings, counting: CountingEmbeddings) -> Callable[..., KnowledgeBase]:
    """open_kb(**kwargs) → a KB in the test's data dir over the counting hashed embedder."""

    def make(**kwargs: Any) -> KnowledgeBase:
        kwargs.setdefault("embeddings", counting)
        return KnowledgeBase.open(kwargs.pop("settings", settings), **kwargs)

    return make


POLICY = """---
id: policy:returns
type: policy
title: 退换货政策
version: "1"
effective_from: 2026-01-01
effective_to: null
source: 测试店《售后规范》
---
# 退换货政策

本政策适用于本店全部商品。

## 1. 七天无理由退货
签收之日起7天内，商品吊牌完好、不影响二次销售的，可申请七天无理由退货。

## 2. 退货运费
因个人原因退货的，寄回运费由买家承担；订单带运费险的由保险公司理赔。

## 3. 退款时效
仓库签收退货后48小时内审核，审核通过后1-3个工作日原路退回。
"""

PROMO_EXPIRED = """---
id: promo:double11
type: promotion
title: 双11狂欢节
effective_from: 2026-11-01
effective_to: 2026-11-11
---
# 双11狂欢节

## 1. 满减规则
活动期间全店每满300元减50元，可与店铺券叠加。

## 2. 赠品
前100名下单送收纳袋一个。
"""

PROMO_ACTIVE = """---
id: promo:winter
type: promotion
title: 冬季焕新季
effective_from: 2026-11-15
effective_to: 2026-11-30
---
# 冬季焕新季

## 1. 满减规则
活动期间全店每满200元减20元。
"""

PRODUCTS = """id: catalog:test
type: product
title: 测试商品
version: "1"
effective_from: 2026-09-01
effective_to: null
source: 测试商品库
products:
  - sku: T-AP-001
    name: 测试 女款轻薄连帽羽绒服
    category: 服饰
    original_price: 599
    price: 399
    stock: 86
    selling_points: [90%白鸭绒填充, 面料防泼水]
    specs: {面料: 锦纶100%, 颜色: 燕麦白、雾霾蓝、经典黑}
    size_chart:
      - {尺码: S, 身高: 155-160cm, 体重: 40-47kg}
      - {尺码: M, 身高: 160-165cm, 体重: 47-55kg}
    notes: [建议干洗]
  - sku: T-HA-001
    name: 测试 恒温电热水壶 1.5L
    category: 小家电
    original_price: 199
    price: 129
    stock: 0
    specs: {功率: 1800W, 容量: 1.5L, 保修: 整机保修1年}
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A tiny shop: one policy, an expired and an active promotion, a product table."""
    root = tmp_path / "shop"
    (root / "policies").mkdir(parents=True)
    (root / "promotions").mkdir()
    (root / "products").mkdir()
    (root / "policies" / "returns.md").write_text(POLICY, encoding="utf-8")
    (root / "promotions" / "double11.md").write_text(PROMO_EXPIRED, encoding="utf-8")
    (root / "promotions" / "winter.md").write_text(PROMO_ACTIVE, encoding="utf-8")
    (root / "products" / "catalog.yaml").write_text(PRODUCTS, encoding="utf-8")
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server (the `chroma` CLI shipped in chromadb's wheel) on loopback; stopped afterwards."""
    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        found = shutil.which("chroma")
        if found is None:
            pytest.skip("the chroma CLI is not installed")
        exe = Path(found)
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(exe), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, whatever the env says
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with opener.open(f"{url}/api/v2/heartbeat", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError("chroma server did not start: " + (path / "server.log").read_text(errors="replace"))
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
