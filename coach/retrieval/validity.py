"""Which chunks a search may return on a given day, and how a chunk that is not in force is shown.

A customer who asks "双十一的券还能用吗" on 11-23 needs the ended 双11 clause — that is the answer ("it ended on
11-11") — but nothing out of force may ever look active. So searches choose one of three validities:

- "active": only chunks in force on the day (facts to state as current: the critic's and drafting's lookups);
- "auto" (default): chunks in force, plus the out-of-force chunks of a dated document the question names
  (双11, 双12, 会员日 …: a word of its title), so a question about an ended promotion finds it and a general
  question ("最近有什么活动") does not get ended ones;
- "any": every chunk.

Every out-of-force chunk a search returns carries its status in front of its title (〔已结束 …〕 / 〔未开始 …〕):
the title is what the web app, the API and the LLM prompts all show with the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Literal

from coach.models import Passage

Validity = Literal["auto", "active", "any"]
VALIDITIES: tuple[Validity, ...] = ("auto", "active", "any")
Status = Literal["active", "expired", "upcoming"]

# Title words that name no particular document: "活动" or "福利" in a question does not mean an ended promotion.
GENERIC_TITLE_WORDS = frozenset({
    "活动", "优惠", "促销", "专享", "福利", "狂欢", "好价", "年终", "季度", "第四", "会员", "店铺", "旗舰店",
    "直播", "直播间", "抖音", "淘宝", "京东", "天猫", "11月", "12月", "冬季", "春季", "夏季", "秋季"})
_BRACKETS = re.compile(r"[（(][^（()）]*[)）]")


def status(p: Passage, day: date) -> Status:
    iso = day.isoformat()
    if p.effective_to and p.effective_to < iso:
        return "expired"
    if p.effective_from and p.effective_from > iso:
        return "upcoming"
    return "active"


def mark(p: Passage, day: date) -> Passage:
    """The passage as a search returns it on `day`: unchanged when in force, else its status before the title."""
    s = status(p, day)
    if s == "active":
        return p
    note = (f"〔已结束：{p.effective_to}截止，{day.isoformat()}不可用〕" if s == "expired"
            else f"〔未开始：{p.effective_from}起，{day.isoformat()}尚不可用〕")
    return p.model_copy(update={"title": note + p.title})


def title_aliases(title: str, words: Iterable[str]) -> set[str]:
    """The words of a dated document's title that name it (双11, 会员日, 焕新季): its segmented title without the
    bracketed year, single characters, bare numbers and generic words."""
    stripped = _BRACKETS.sub("", title)
    return {w for w in words if len(w) >= 2 and w in stripped and not w.isdigit() and w not in GENERIC_TITLE_WORDS}
