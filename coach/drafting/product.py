"""The product a request is about, as template values read from its KB chunks (product:<sku>#main/#specs/#size).

Which product: the order's sku, else the single product whose distinctive name words the customer used (the
critic's FactBook does that matching, so drafter and critic agree on the product). Several matches = unknown:
the draft then asks which item, it never picks one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from coach.claims.facts import FactBook, KBLike
from coach.drafting.sizing import Row, chart_rows


@dataclass
class ProductView:
    values: dict[str, Any]
    rows: list[Row]
    evidence: list[tuple[str, str]] = field(default_factory=list)  # (text that shows the fact, chunk id)
    size_rows: list[tuple[Row, str]] = field(default_factory=list)  # each chart row with the #size chunk id


def find(book: FactBook, product_id: str | None, text: str) -> Any:
    return book.find_product(product_id, text)


def view(kb: KBLike, prod: Any) -> ProductView:
    texts = {pid: _get(kb, pid) for pid in prod.passage_ids}
    main_id = prod.main_id
    main = texts.get(main_id) or ("", "")
    title, main_text = main
    specs_id = next((p for p in texts if p.endswith("#specs")), "")
    size_id = next((p for p in texts if p.endswith("#size")), "")
    specs, notes = _specs(texts.get(specs_id, ("", ""))[1])
    rows = chart_rows(texts.get(size_id, ("", ""))[1])
    category = _first(r"类目[:：]\s*([^）)，,\s]+)", main_text) or ""
    name = re.sub(r"（SKU.*$", "", title).strip() or prod.name
    price, original = prod.price, prod.original_price
    values: dict[str, Any] = {
        "name": name, "sku": prod.sku or "", "category": category,
        "price": _num(price), "original_price": _num(original),
        "saving": _num(original - price) if price is not None and original is not None and original > price else None,
        "stock": prod.stock, "specs": specs,
        "selling_point": _first(r"卖点[:：]\s*\n-\s*([^\n]+)", main_text),
        "restock": _first(r"(预计[^，。；\n]{0,16}补货)", "\n".join(notes)),
        "exception": _exception(notes),
        "warranty": re.sub(r"（.*?）", "", specs.get("保修", "")) or None,
        "care": specs.get("洗涤") or specs.get("用法") or (re.sub(r"^用法[:：]\s*", "", notes[0]) if notes else None),
        "has_size_chart": bool(rows), "is_appliance": category == "小家电",
        "courier": None, "deal_price": None, "deal_label": None, "has_insurance": None,
        "notes": notes,
    }
    evidence = [(name, main_id)]
    if price is not None:
        evidence.append((f"{_num(price)}元", main_id))
    for value in [*specs.values(), *notes, values["restock"] or "", values["exception"] or "",
                  values["warranty"] or ""]:
        if value:
            evidence.append((value[:12], specs_id or main_id))
    return ProductView(values, rows, evidence, [(row, size_id) for row in rows])


def _get(kb: KBLike, pid: str) -> tuple[str, str]:
    getter = getattr(kb, "get", None)
    p = getter(pid) if getter else None
    return (p.title, p.text) if p is not None else ("", "")


def _specs(text: str) -> tuple[dict[str, str], list[str]]:
    specs: dict[str, str] = {}
    notes: list[str] = []
    in_notes = False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("注意事项"):
            in_notes = True
            continue
        if in_notes and line.startswith("-"):
            notes.append(line.lstrip("- ").strip())
        elif not in_notes and (m := re.match(r"([^:：]{1,12})[:：]\s*(.+)$", line)) and m.group(1) != "规格参数":
            specs[m.group(1).strip()] = m.group(2).strip()
    return specs, notes


def _exception(notes: list[str]) -> str | None:
    """The product's own exception to no-reason returns, as its notes word it (贴身衣物: 拆封后不支持…)."""
    for note in notes:
        if re.search(r"不支持\s*7\s*天无理由|不支持七天无理由", note):
            parts = [re.sub(r"^本(商品|品)", "", c).strip("。 ") for c in re.split(r"[，,；;]", note)
                     if re.search(r"贴身|拆封|吊牌|无理由", c)]
            return "，".join(parts[:3]) or None
    return None


def _first(pattern: str, text: str) -> str | None:
    m = re.search(pattern, text)
    return m.group(1).strip() if m else None


def _num(v: float | None) -> str | None:
    return None if v is None else f"{v:g}"
