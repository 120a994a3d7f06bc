"""The shared demo-shop KB (tests/conftest.py): the demo data indexes cleanly and dates are respected."""

from __future__ import annotations

from datetime import date
from typing import Any


def test_demo_shop_indexes_every_file(demo_kb: Any) -> None:
    stats = demo_kb.stats()
    assert stats["last_run_errors"] == []
    assert set(stats["by_type"]) >= {"policy", "promotion", "product"}
    assert stats["model_id"] == "bundled:multilingual-e5-small-q4" and stats["dim"] == 384


def test_demo_expired_promotion_filtered_on_2026_11_23(demo_kb: Any) -> None:
    promos = [p for p in demo_kb.passages(types=["promotion"]) if p.effective_to and p.effective_to < "2026-11-23"]
    assert promos, "the demo shop should have at least one expired promotion"
    expired_docs = {p.doc_id for p in promos}
    query = promos[0].title + " " + promos[0].text[:40]
    today = demo_kb.search(query, k=20, as_of=date(2026, 11, 23), validity="active")
    assert today and not {p.doc_id for p in today} & expired_docs
    back_then = demo_kb.search(query, k=5, as_of=date.fromisoformat(promos[0].effective_to))
    assert back_then[0].doc_id in expired_docs and not back_then[0].title.startswith("〔")


def test_demo_customer_asking_about_double11_gets_it_marked_ended(demo_kb: Any) -> None:
    hits = demo_kb.search("双十一的券还能用吗", k=3)
    assert {"promo:double11_2026#3", "promo:double11_2026#1"} & {p.id for p in hits}  # the coupon / "it has ended"
    for p in hits:
        assert p.title.startswith("〔已结束") == (p.doc_id == "promo:double11_2026"), p.title


def test_demo_products_have_all_facets(demo_kb: Any) -> None:
    products = demo_kb.passages(types=["product"])
    skus = {p.sku for p in products}
    assert len(skus) >= 25
    for sku in skus:
        assert demo_kb.get(f"product:{sku}#main") is not None


def test_demo_search_many_in_one_call(demo_kb: Any) -> None:
    results = demo_kb.search_many(["七天无理由退货从哪天开始算", "羽绒服怎么洗", "发票怎么开"], k=3)
    assert [len(r) for r in results] == [3, 3, 3]
    assert results[0][0].id.startswith("policy:returns")
