"""Numbers in Chinese text: Chinese numerals, durations, money and dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000}
NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+|半)"


def to_number(token: str) -> float | None:
    """'15' → 15, '十五' → 15, '两' → 2, '一百二十' → 120, '半' → 0.5."""
    token = token.strip()
    if not token:
        return None
    try:
        return float(token)
    except ValueError:
        pass
    if token == "半":
        return 0.5
    total, current = 0, 0
    for ch in token:
        if ch in _DIGIT:
            current = _DIGIT[ch]
        elif ch in _UNIT:
            total += (current or 1) * _UNIT[ch]
            current = 0
        else:
            return None
    return float(total + current)


# unit → days
_DAYS = {"小时": 1 / 24, "分钟": 1 / 1440, "天": 1.0, "日": 1.0, "工作日": 1.4, "个工作日": 1.4, "周": 7.0,
         "星期": 7.0, "个月": 30.0, "月": 30.0, "年": 365.0}
DURATION = re.compile(
    rf"(?<![\d.月第])(?P<a>{NUM})\s*(?:(?:-|–|~|～|〜|到|至|—)\s*(?P<b>{NUM}))?\s*(?:个)?\s*"
    r"(?P<u>小时|分钟|个?工作日|天|日(?![期用常])|周(?![一二三四五六日天年])|星期(?![一二三四五六日天])|个月|年(?![\d级]))")


@dataclass(frozen=True)
class Duration:
    lo: float  # days
    hi: float
    start: int
    end: int
    unit: str

    def within(self, other: Duration, tol: float = 0.02) -> bool:
        return other.lo - tol <= self.lo and self.hi <= other.hi + tol

    def same(self, other: Duration, tol: float = 0.02) -> bool:
        return abs(self.lo - other.lo) <= tol and abs(self.hi - other.hi) <= tol


def durations(text: str) -> list[Duration]:
    out = []
    for m in DURATION.finditer(text):
        a = to_number(m.group("a"))
        b = to_number(m.group("b")) if m.group("b") else a
        if a is None or b is None:
            continue
        unit = m.group("u")
        if m.start() > 0 and text[m.start() - 1] in "哪某每这那同当前后隔第" and m.group("a") in ("一", "1"):
            continue  # 哪一天 / 每一天 / 同一天 / 第一天 name a day, they are no duration
        if unit == "年" and max(a, b) >= 100:
            continue  # 2026年 is a date, not a duration
        factor = _DAYS.get(unit, 1.0)
        if "工作日" in unit:
            factor = 1.0  # compare working days with days loosely: 3个工作日 ≈ 3天 for a customer
        out.append(Duration(min(a, b) * factor, max(a, b) * factor, m.start(), m.end(), unit))
    return out


MONEY = re.compile(rf"(?:¥|￥)?\s*(?P<v>{NUM})\s*(?:元|块钱|块|rmb)|(?:¥|￥)\s*(?P<w>\d+(?:\.\d+)?)")


def money_values(text: str) -> list[tuple[float, int, int]]:
    out = []
    for m in MONEY.finditer(text):
        v = to_number(m.group("v") or m.group("w") or "")
        if v is not None:
            out.append((v, m.start(), m.end()))
    return out


_DATE = re.compile(r"(?:(?P<y>20\d{2})\s*[年\-/.])?\s*(?P<m>1[0-2]|0?[1-9])\s*[月\-/.]\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*(?:日|号)?(?!\d)")


def dates(text: str, default_year: int) -> list[tuple[date, int, int]]:
    out = []
    for m in _DATE.finditer(text):
        try:
            out.append((date(int(m.group("y") or default_year), int(m.group("m")), int(m.group("d"))), m.start(), m.end()))
        except ValueError:
            continue
    return out


def tiers(text: str) -> set[tuple[float, float]]:
    """满减 tiers: 满300减50, 每满300减40, 299-40 (券)."""
    found: set[tuple[float, float]] = set()
    for m in re.finditer(rf"(?:每)?满\s*({NUM})\s*(?:元)?\s*(?:立)?减\s*({NUM})", text):
        a, b = to_number(m.group(1)), to_number(m.group(2))
        if a and b:
            found.add((a, b))
    for m in re.finditer(r"(?<![\d.\-])(\d{2,4})\s*[-－]\s*(\d{1,3})(?![\d\-])(?=\s*(?:元)?\s*(?:券|优惠券|的券|新客券|会员券|店铺券|$|[，,。；、）)]))", text):
        a, b = float(m.group(1)), float(m.group(2))
        if a > b:
            found.add((a, b))
    return found
