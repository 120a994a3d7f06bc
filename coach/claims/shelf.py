"""Durations a product page states about keeping or using the goods, checked in the draft.

"吃不完放冰箱冷藏，能放两个月左右" against the page's "未软化冷藏30天": the draft's figure must match a figure the page
gives under the same topic word (冷藏, 常温, 保质期, 后熟, 开封后, 通风…). A topic the page does not state a figure for
is not judged: we cannot tell.
"""

from __future__ import annotations

import re

from coach.claims.facts import Product
from coach.claims.issue import Issue
from coach.claims.numbers import Duration, durations
from coach.critic.text import Sentence

TOPICS = re.compile(r"冷藏|常温|冷冻|保质期|保鲜期|后熟|催熟|开封后|开袋后|拆封后|通风|散味|续航|充满电")
_WINDOW = 10  # characters before a figure in which its topic word must stand


def _consistent(claim: Duration, facts: list[Duration]) -> bool:
    for f in facts:
        if claim.same(f) or (f.lo < f.hi and claim.within(f)) or (claim.lo < claim.hi and f.within(claim)):
            return True
    return False


def page_figures(product: Product, topic: str) -> list[Duration]:
    out: list[Duration] = []
    for clause in re.split(r"[。；;\n，,、]", product.text):
        for d in durations(clause):
            if topic in clause[max(0, d.start - _WINDOW):d.start]:
                out.append(d)
    return out


def check_shelf(sent: Sentence, product: Product) -> list[Issue]:
    for d in durations(sent.text):
        before = sent.text[max(0, d.start - _WINDOW):d.start]
        topics = TOPICS.findall(before)
        if not topics:
            continue
        topic = topics[-1]
        facts = page_figures(product, topic)
        if not facts or _consistent(d, facts):
            continue
        right = "、".join(sorted({f"{f.lo:g}" if f.lo == f.hi else f"{f.lo:g}-{f.hi:g}" for f in facts}))
        cite = [p for p in product.passage_ids if p.endswith("#specs")][:1] or [product.main_id]
        claimed = sent.text[d.start:d.end]
        return [Issue("policy_accuracy", (sent.start + d.start, sent.start + d.end),
                      f"与商品资料不符：{product.name}的“{topic}”时间资料写的是{right}天，回复说“{claimed}”。",
                      f"按商品资料说明{topic}的时间。", cite)]
    return []
