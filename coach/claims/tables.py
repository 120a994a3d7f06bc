"""Product facts from Markdown tables and product-titled sections.

Shops write catalogues as Markdown tables (| 编号 | 商品 | 原价 | 现价 | 库存 |) inside ordinary documents, and
describe each product under a heading that starts with its code ("PF-3 智能喂食器"). Column names vary, so they
are matched by meaning (the same aliases the CSV importer accepts)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_COLUMNS = {
    "code": r"编号|货号|型号|sku|款号|商品编码|商品id|代码",
    "name": r"商品|名称|品名|产品",
    "original_price": r"原价|划线价|吊牌价|日常价",
    "price": r"现价|到手价|售价|价格|活动价",
    "stock": r"库存|现货|剩余",
}
_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
CODE = re.compile(r"^[a-z]{1,4}-?[a-z]{0,3}-?\d{1,4}[a-z]?$|^[a-z]{1,3}-[a-z]{2,6}$")


@dataclass
class TableProduct:
    code: str
    name: str
    price: float | None
    original_price: float | None
    stock: int | None
    row: str


def _num(cell: str) -> float | None:
    m = re.search(r"\d+(?:\.\d+)?", cell)
    return float(m.group()) if m else None


def table_products(text: str) -> list[TableProduct]:
    """Rows of every Markdown table whose header names at least a code or name column and a price column."""
    out: list[TableProduct] = []
    header: dict[str, int] | None = None
    for line in text.splitlines():
        m = _ROW.match(line)
        if not m:
            header = None
            continue
        cells = [c.strip().strip("*") for c in m.group(1).split("|")]
        if all(re.fullmatch(r":?-{2,}:?", c) or not c for c in cells):
            continue  # the |---|---| separator
        if header is None:
            found: dict[str, int] = {}
            for key, rx in _COLUMNS.items():
                idx = next((i for i, c in enumerate(cells) if re.search(rx, c) and i not in found.values()), None)
                if idx is not None:
                    found[key] = idx
            if ("code" in found or "name" in found) and ("price" in found or "original_price" in found):
                header = found
            continue
        get = {k: cells[i] if i < len(cells) else "" for k, i in header.items()}
        stock_cell = get.get("stock", "")
        stock = None if re.search(r">|＞|以上|充足", stock_cell) else _num(stock_cell)
        out.append(TableProduct(code=get.get("code", "").lower(), name=get.get("name", ""),
                                price=_num(get.get("price", "")), original_price=_num(get.get("original_price", "")),
                                stock=int(stock) if stock is not None else None, row=line))
    return out


def section_code(section: str) -> str | None:
    """The product code a section title starts with ("pf-3 智能喂食器" → "pf-3")."""
    head = section.strip().split(" ", 1)[0].lower()
    return head if CODE.match(head) else None
