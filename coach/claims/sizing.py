"""A size recommended against the product's own size chart.

"我158 45kg，拍M还是S" → "拍M正好": wrong when the chart puts 158 cm / 45 kg in S. The chart rows come from the
product's text ("S码：身高155-160cm，体重40-47kg…", "39码：脚长240-245mm"); the customer's measures from the
conversation. Only a recommendation that misses every measure the customer gave, while another row fits them all, is
a finding: charts overlap, and a shop's "偏小，建议拍大一码" or a customer who likes it loose allows one row either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.claims.facts import Product
from coach.claims.issue import Issue
from coach.critic.text import Sentence

_ROW = re.compile(r"^\s*(?P<size>[0-9]?[a-z]{1,4}|\d{2,3})\s*(码|号)?\s*[:：]\s*(?P<rest>.+)$", re.M)
_MEASURE = re.compile(r"(?P<k>身高|体重|脚长)\s*[:：]?\s*(?P<a>\d+(?:\.\d+)?)(?:\s*[-–~～至到]\s*(?P<b>\d+(?:\.\d+)?))?")
_PICK = re.compile(r"(拍|选|穿|买|拿|推荐|建议|要|就)\s*(?P<size>[0-9]?x{0,3}[sml]|\d{2,3})\s*(码|号)?(?![a-z\d])")


@dataclass(frozen=True)
class Row:
    size: str
    ranges: dict[str, tuple[float, float]]


def chart(product: Product) -> list[Row]:
    rows = []
    for m in _ROW.finditer(product.text):
        ranges = {}
        for x in _MEASURE.finditer(m.group("rest")):
            a = float(x.group("a"))
            ranges[x.group("k")] = (a, float(x.group("b")) if x.group("b") else a)
        if ranges:
            rows.append(Row(m.group("size").lower(), ranges))
    return rows


def measures(text: str) -> dict[str, float]:
    """The customer's own figures: height in cm, weight in kg (斤 halved), foot length in mm."""
    out: dict[str, float] = {}
    if h := re.search(r"(?<!\d)(1[4-9]\d)(?!\d)\s*(cm|厘米|公分)?(?!\s*(斤|kg|公斤|码|号|元|块|mm))", text):
        out["身高"] = float(h.group(1))
    elif h2 := re.search(r"1米([5-9]\d?)", text):
        out["身高"] = 100 + float(h2.group(1).ljust(2, "0"))
    if w := re.search(r"(?<!\d)(\d{2,3}(?:\.\d)?)\s*(斤|kg|公斤|千克)", text):
        v = float(w.group(1))
        out["体重"] = v / 2 if w.group(2) == "斤" else v
    if f := re.search(r"脚长\s*(\d{3})\s*(mm|毫米)?|脚长\s*(\d{2}(?:\.\d)?)\s*(cm|厘米)", text):
        out["脚长"] = float(f.group(1)) if f.group(1) else float(f.group(3)) * 10
    return out


def _fits(row: Row, have: dict[str, float]) -> bool:
    common = [k for k in have if k in row.ranges]
    return bool(common) and all(row.ranges[k][0] <= have[k] <= row.ranges[k][1] for k in common)


def check_size(sent: Sentence, product: Product, convo: str, draft: str) -> list[Issue]:
    rows = chart(product)
    if len(rows) < 2:
        return []
    have = measures(convo)
    # "想多穿一季的话可以拍130" / "要内搭厚毛衣的话建议拍L" is an option for a wish, not the size for the measures
    pick = next((m for m in _PICK.finditer(sent.text)
                 if not re.search(r"的话|如果|要是|想要|想多|内搭|多穿|长个|宽松|也可以|或者", sent.text[max(0, m.start() - 16):m.start()])),
                None)
    if not have or pick is None:
        return []
    sizes = [r.size for r in rows]
    chosen = pick.group("size").lower()
    if chosen not in sizes:
        return []
    i = sizes.index(chosen)
    fitting = [j for j, r in enumerate(rows) if _fits(r, have)]
    if not fitting or i in fitting or not any(k in rows[i].ranges for k in have):
        return []
    # the page says it runs small ("偏小，建议拍大一码") or the customer wants it loose: one size up is advice
    # ("喜欢宽松的选大一码" on the page is for customers who say so)
    up = re.search(r"偏小", product.text) or re.search(r"宽松|宽大|大一(码|号)|oversize|喜欢(穿)?(大|宽)", convo)
    down = re.search(r"偏大", product.text) or re.search(r"修身|紧身|贴身|小一(码|号)", convo)
    if any((up and i == j + 1) or (down and i == j - 1) for j in fitting):
        return []
    right = rows[fitting[0]].size.upper()
    given = "、".join(f"{k}{v:g}" for k, v in have.items())
    cite = [p for p in product.passage_ids if p.endswith("#size")][:1] or [product.main_id]
    return [Issue("policy_accuracy", (sent.start + pick.start(), sent.start + pick.end()),
                  f"尺码推荐与尺码表不符：顾客{given}，按{product.name}的尺码表应选{right}，不是{chosen.upper()}。",
                  f"按尺码表推荐{right}，并说明对应的身高体重范围。", cite)]
