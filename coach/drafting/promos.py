"""Promotions as template values: the ones in force today (never an ended or future one), the one the customer
named (with its status, so a template can say it has ended), and the best store-wide 满减 for a product price.

Everything is read from the promotion chunks the critic's FactBook already groups by document with their dates.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from coach.claims.facts import FactBook, KBLike, Promotion

_TIER = re.compile(r"满\s*(\d+)\s*元?\s*减\s*(\d+)\s*元?")
MAX_SHOWN = 2  # a chat reply lists at most two promotions (clarity); templates may show fewer


def title(text: str) -> str:
    """A promotion's title as said in chat: without the bracketed year or quarter (双11狂欢节（2026） -> 双11狂欢节)."""
    return re.sub(r"[（(][^（()）]*[)）]", "", text).strip() or text


def day(d: date | None) -> str | None:
    return f"{d.month}月{d.day}日" if d else None


def offer(kb: KBLike, promo: Promotion) -> tuple[str | None, str | None, list[tuple[int, int]]]:
    """(label such as "阶梯满减：满199减20、满399减50", its chunk id, its tiers) from the first clause with tiers."""
    for pid in promo.passage_ids:
        p = kb.get(pid) if hasattr(kb, "get") else None
        if p is None:
            continue
        found: list[tuple[int, int]] = []
        for m in _TIER.finditer(p.text):
            t = (int(m.group(1)), int(m.group(2)))
            if t not in found:
                found.append(t)
        if found:
            section = re.sub(r"^\d+[.、]\s*", "", p.section or "").strip()
            shown = found if "阶梯" in section else found[:2]
            tiers = "、".join(f"满{a}减{b}" for a, b in shown)
            return (f"{section}，{tiers}" if section else tiers), pid, found
    return None, None, []


def active(book: FactBook, kb: KBLike) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Promotions in force on the book's date, soonest-ending first, with (evidence, chunk id) pairs."""
    out, evidence = [], []
    for p in sorted(book.active_promotions(), key=lambda x: (x.end or date.max, x.title)):
        label, pid, _ = offer(kb, p)
        if label is None or pid is None:
            continue
        out.append({"title": title(p.title), "status": "active", "start": day(p.start), "end": day(p.end), "offer": label})
        evidence += [(title(p.title), p.passage_ids[0]), (label, pid)]
    return out[:MAX_SHOWN], evidence


def asked(book: FactBook, convo: str) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """The promotion the customer named (longest alias wins), with status ended / upcoming / active."""
    best: tuple[int, Promotion] | None = None
    for p in book.promotions:
        score = max((len(a) for a in p.aliases if a in convo), default=0)
        if score and (best is None or score > best[0]):
            best = (score, p)
    if best is None:
        return None, []
    p, today = best[1], book.as_of
    status = "ended" if p.end and p.end < today else "upcoming" if p.start and p.start > today else "active"
    value = {"title": title(p.title), "status": status, "start": day(p.start), "end": day(p.end), "offer": None}
    return value, [(title(p.title), p.passage_ids[0])]


def best_deal(book: FactBook, kb: KBLike, price: float | None) -> tuple[str | None, str | None, str | None]:
    """(deal price, label, chunk id) of the best store-wide 满减 tier a single item at `price` reaches today."""
    if price is None:
        return None, None, None
    best: tuple[float, str, str] | None = None
    for p in book.active_promotions():
        label, pid, tiers = offer(kb, p)
        if pid is None or not label or "满减" not in label:
            continue  # coupons need claiming or membership: only store-wide 满减 applies to everyone
        for threshold, cut in tiers:
            if price >= threshold and (best is None or price - cut < best[0]):
                best = (price - cut, f"{title(p.title)}满{threshold}减{cut}", pid)
    if best is None:
        return None, None, None
    return f"{best[0]:g}", best[1], best[2]
