"""Size advice from the customer's height/weight and the product's size chart (product:<sku>#size).

Only what the chart says: a size whose height AND weight ranges hold the customer; between two sizes, the larger
one (the shop's notes say so for every apparel item); outside the chart, no guess at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ROW = re.compile(r"(?P<size>[0-9A-Za-z]+)码[:：]\s*身高(?P<h1>\d+)-(?P<h2>\d+)cm[，,]\s*体重(?P<w1>\d+)-(?P<w2>\d+)kg")
_HEIGHT = [re.compile(r"(?<![\d.])(1[4-9]\d)(?![\d.]|\s*(?:斤|kg|公斤|千克))"), re.compile(r"1米(\d{1,2})")]
_WEIGHT_JIN = re.compile(r"(?<!\d)(\d{2,3})(?:\.\d)?\s*斤")
_WEIGHT_KG = re.compile(r"(?<!\d)(\d{2,3})(?:\.\d)?\s*(?:kg|公斤|千克)")


@dataclass(frozen=True)
class Row:
    size: str
    h: tuple[int, int]
    w: tuple[int, int]
    text: str


def chart_rows(text: str) -> list[Row]:
    return [Row(m.group("size").upper(), (int(m.group("h1")), int(m.group("h2"))),
                (int(m.group("w1")), int(m.group("w2"))),
                f"身高{m.group('h1')}-{m.group('h2')}cm、体重{m.group('w1')}-{m.group('w2')}kg")
            for m in _ROW.finditer(text)]


def body_data(text: str) -> tuple[int | None, float | None]:
    """Height in cm and weight in kg as the customer wrote them (斤 = 0.5 kg)."""
    height = None
    m = _HEIGHT[0].search(text)
    if m:
        height = int(m.group(1))
    else:
        m = _HEIGHT[1].search(text)
        if m:
            height = 100 + int(m.group(1).ljust(2, "0"))
    weight: float | None = None
    mj = _WEIGHT_JIN.search(text)
    mk = _WEIGHT_KG.search(text)
    if mj:
        weight = int(mj.group(1)) / 2
    elif mk:
        weight = float(mk.group(1))
    return height, weight


def advise(rows: list[Row], height: int | None, weight: float | None) -> dict[str, object] | None:
    """A size_advice value for templates, or None without a chart. `partial` = height or weight is missing."""
    if not rows:
        return None
    base: dict[str, object] = {"size": None, "height": height, "weight": _fmt(weight), "row": None,
                               "between": False, "out_of_range": False, "partial": height is None or weight is None}
    if height is None or weight is None:
        return base
    by_h = [i for i, r in enumerate(rows) if r.h[0] <= height <= r.h[1]]
    by_w = [i for i, r in enumerate(rows) if r.w[0] <= weight <= r.w[1]]
    both = [i for i in by_h if i in by_w]
    if both:
        pick = max(both) if len(both) > 1 else both[0]
        between = len(both) > 1
    elif by_h and by_w:
        pick, between = max(by_h + by_w), True
    else:
        return {**base, "out_of_range": True}
    row = rows[pick]
    return {**base, "size": row.size, "row": row.text, "between": between}


def _fmt(v: float | None) -> str | None:
    return None if v is None else f"{v:g}"
