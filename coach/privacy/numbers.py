"""Numeric identifiers: mobile and landline numbers, ID cards, bank cards and order numbers.

A *cluster* is a run of digit groups joined by single spaces or dashes ("138 1234 5678", "6222 0212 …",
"+86-138-…"). A cluster may hold several numbers ("订单 2026… 138…"), so it is cut into consecutive groups by a small
dynamic programme that maximises the digits covered by valid identifiers. Which identifier a digit string is comes
from validators.py (checksums, issuer prefixes, area codes) plus the words just before it (订单号, 卡号…).

The shop's order format: 16-19 digits written without separators (e.g. 2026112312345678). Any run of 12+ digits
after an order word is an order number too (other platforms, tracking numbers, with a letter prefix such as SF),
and so is a carrier code glued to 10+ digits (SF…, JT…) without any order word. The order word may sit a short
filler away, across a question ("快递单号是多少？哦找到了，SF…"), but not across a sentence end.
"""

from __future__ import annotations

import re
from typing import Literal

from coach.privacy import validators as v

NumberType = Literal["phone", "landline", "id_card", "bank_card", "order"]
Context = Literal["order", "card", "id", "landline", "other", ""]

_D = "[0-9０-９]"
_SEP = r"(?:[ \u00a0\u3000]?[-－‐‑–][ \u00a0\u3000]?|[ \u00a0\u3000])"
# Letters next to digits are allowed (model numbers like 1800W are too short to be anything; "SF…" is a carrier).
CLUSTER_RE = re.compile(
    rf"(?<![0-9０-９])(?:[(（][+＋]86[)）][ ]?|[+＋][ ]?)?{_D}+(?:{_SEP}{_D}+)*(?:[XxＸ](?![A-Za-z0-9]))?(?![0-9０-９])"
)
_GROUP_RE = re.compile(rf"{_D}+|[XxＸ]")
PAREN_LANDLINE_RE = re.compile(
    rf"[(（][ ]?0{_D}{{2,3}}[ ]?[)）][ -]?{_D}{{3,4}}[ -]?{_D}{{4}}(?![0-9０-９])"
)

_KEYWORDS: list[tuple[Context, str]] = [
    ("order", r"订单号码|订单编号|订单号|订单|快递单号|快递单|运单号|运单|物流单号|物流单|快递号|包裹号|单号"
              r"|運單號|運單|物流單號|快遞單號|快遞單|訂單號碼|訂單編號|訂單號|訂單|單號"
              r"|(?<![a-z])order\s*(?:no\.?|number|id|#)?|(?<![a-z])tracking\s*(?:no\.?|number)?"),
    ("card", r"卡号|卡號|银行卡|銀行卡|储蓄卡|儲蓄卡|借记卡|信用卡|账户|帳戶|賬戶|(?<![a-z])card\s*(?:no\.?|number)?"),
    ("id", r"身份证|身份證|证件号|證件號|(?<![a-z])id\s*(?:no\.?|number|card)"),
    ("landline", r"座机|座機|固话|固話|电话|電話|联系方式|聯繫方式|(?<![a-z])(?:tel|phone)(?![a-z])"),
    ("other", r"手机|手機|号码|號碼|(?<![a-z])mobile|邮箱|郵箱|地址|姓名|收件人|联系人|聯繫人"
              r"|条形码|条码|條碼|批次|型号|型號|货号|貨號|编码|編碼|(?<![a-z])(?:sn|sku|imei)(?![a-z])"),
]
_KEYWORD_RE = re.compile("|".join(f"(?P<{name}>{pat})" for name, pat in _KEYWORDS), re.IGNORECASE)
_LONG_RUN = re.compile(r"[0-9０-９]{12,}")
_WINDOW = 32
_MAX_GROUPS = 13  # "1 3 8 1 2 3 4 5 6 7 8" (+86) is still a phone number
_MAX_FILLER = 16


def context_before(text: str, pos: int) -> Context:
    """The kind of identifier the words just before `pos` announce ("订单号是：", "卡号"), or ""."""
    window = text[max(0, pos - _WINDOW) : pos]
    # A question does not end the context: "快递单号是多少来着？哦找到了，SF…" answers it.
    cut = max(window.rfind(c) for c in "。！!\n；;")
    window = window[cut + 1 :]
    last = None
    for m in _KEYWORD_RE.finditer(window):
        last = m
    if last is None or last.lastgroup is None:
        return ""
    # Between the word and the number: a short filler ("是：") and, in a list, earlier long numbers only.
    between = _LONG_RUN.sub("", window[last.end() :])
    if len(between) > _MAX_FILLER or any(c.isdigit() for c in between):
        return ""
    kind: Context = last.lastgroup  # type: ignore[assignment]
    return kind


def _card_grouping_ok(lengths: list[int]) -> bool:
    if len(lengths) == 1:
        return True
    if all(n == 4 for n in lengths[:-1]) and 1 <= lengths[-1] <= 4:
        return True
    return lengths in ([4, 6, 5], [4, 6, 4]) or (lengths[0] == 6 and len(lengths) == 2)


def _landline(groups: list[str]) -> bool:
    if len(groups) == 1:  # written without separators: the local number must look like one
        a = v.area_code_len(groups[0])
        return a > 0 and v.is_local_number(groups[0][a:]) and 10 <= len(groups[0]) <= 12
    if v.area_code_len(groups[0]) != len(groups[0]):
        return False
    local = "".join(groups[1:])
    if 7 <= len(local) <= 8 and local[0] != "0":
        return True
    # 010-62345678-123: a short extension after a complete local number
    head = "".join(groups[1:-1])
    return 7 <= len(head) <= 8 and head[0] != "0" and 1 <= len(groups[-1]) <= 4


def classify(groups: list[str], ctx: Context, plus: bool, carrier: bool = False) -> NumberType | None:
    """What the digit groups (ASCII, possibly a trailing X) form together, or None."""
    s = "".join(groups)
    if s.endswith(("X", "x")):
        return "id_card" if v.is_id18(s) and (len(groups) == 1 or len(groups[0]) == 6) else None
    lengths = [len(g) for g in groups]
    # After an order word a long number is an order number; several groups only if they are display chunks
    # ("2026 1123 …"), otherwise "订单号 2026… 138…" would swallow the phone number after it.
    if ctx == "order" and 12 <= len(s) <= 30 and (len(groups) == 1 or max(lengths) <= 6):
        return "order"
    if v.strip_country_code(s) is not None and (not plus or s.startswith("86")):
        return "phone"
    if plus:
        return None
    if len(s) == 18 and v.is_id18(s) and (len(groups) == 1 or lengths[0] == 6):
        return "id_card"
    if len(s) == 15 and v.is_id15(s) and len(groups) == 1 and not (ctx == "card" and v.luhn_ok(s)):
        return "id_card"
    if v.is_bank_card(s, context=ctx == "card") and _card_grouping_ok(lengths):
        return "bank_card"
    if s[0] == "0" and _landline(groups):
        return "landline"
    if 16 <= len(s) <= 19 and len(groups) == 1:
        return "order"
    if carrier and 10 <= len(s) <= 20 and len(groups) == 1:
        return "order"
    # "座机87654321": a local number without its area code, only where the text says it is a phone number.
    if ctx == "landline" and v.is_local_number(s) and len(groups) <= 2:
        return "landline"
    return None


def _order_prefix(text: str, start: int) -> int:
    """Tracking numbers carry a carrier prefix (SF…, YT…, JT…): include up to 4 Latin letters."""
    i = start
    while i > 0 and start - i < 4 and text[i - 1].isascii() and text[i - 1].isalpha():
        i -= 1
    return i if i == 0 or not (text[i - 1].isascii() and text[i - 1].isalnum()) else start


_CARRIERS = ("SF", "YT", "JT", "JD", "ZTO", "YD", "STO", "EMS", "DPK", "DB", "YZ")


def _carrier_prefixed(text: str, start: int) -> bool:
    """SF1234567890123, JT…: a carrier code glued to a long digit run is a tracking number even without 运单号."""
    return any(text[max(0, start - len(c)) : start].upper() == c for c in _CARRIERS) and (
        _order_prefix(text, start) < start
    )


def find_numbers(text: str) -> list[tuple[NumberType, int, int]]:
    out: list[tuple[NumberType, int, int]] = []
    for m in PAREN_LANDLINE_RE.finditer(text):
        out.append(("landline", m.start(), m.end()))
    for m in CLUSTER_RE.finditer(text):
        out.extend(_segment(text, m.start(), m.group()))
    return out


def _segment(text: str, base: int, cluster: str) -> list[tuple[NumberType, int, int]]:
    plus = cluster[0] in "+＋(（"
    spans = [(base + g.start(), base + g.end()) for g in _GROUP_RE.finditer(cluster)]
    groups = [v.ascii_digits(text[a:b]) for a, b in spans]
    if groups and groups[-1] in ("X", "x") and len(groups) > 1:  # the X belongs to the digits before it
        groups[-2:] = [groups[-2] + groups[-1]]
        spans[-2:] = [(spans[-2][0], spans[-1][1])]
    n = len(groups)
    # best[i] = (digits covered, -segments, chosen segments) for the first i groups
    best: list[tuple[int, int, list[tuple[NumberType, int, int]]]] = [(0, 0, [])] * (n + 1)
    for i in range(n):
        if best[i + 1][:2] < best[i][:2]:
            best[i + 1] = best[i]
        ctx = context_before(text, base if i == 0 else spans[i][0])
        for j in range(i, min(n, i + _MAX_GROUPS)):
            part = groups[i : j + 1]
            kind = classify(part, ctx, plus and i == 0, i == 0 and _carrier_prefixed(text, base))
            if kind is None:
                continue
            start = base if i == 0 and plus else spans[i][0]
            if kind == "order":
                start = _order_prefix(text, start)
            covered = best[i][0] + sum(len(g) for g in part)
            cand = (covered, best[i][1] - 1, [*best[i][2], (kind, start, spans[j][1])])
            if cand[:2] > best[j + 1][:2]:
                best[j + 1] = cand
    return best[n][2]
