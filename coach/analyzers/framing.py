"""positive_framing 正向表达: a refusal or negative phrasing must come with what CAN be done.

Negation scope matters: “不是不能退” and “能不能…” are not refusals; a refusal followed (or preceded) anywhere in
the draft by a concrete alternative is fine."""

from __future__ import annotations

import re

from coach.analyzers.base import Ctx, before, clause_of, finding, matches, not_applicable
from coach.models import Finding

P = "positive_framing"
PRESALE = {"presale_product", "presale_size", "order_urging_payment", "promotion_query"}
CONDITIONAL = re.compile(r"(拆封|开封|使用|穿过|洗过|剪(掉)?吊牌|超过|定制|做好|制作|裁剪|安装)[^。，,]{0,6}(后|之后|以后|的话)?(就)?$")


def refusals(ctx: Ctx) -> list[re.Match[str]]:
    norm = ctx.draft.norm
    double_neg = ctx.lex.rx("refusal.double_negation")
    question = ctx.lex.rx("refusal.question_form")
    not_refusal = ctx.lex.rx("refusal.not_refusal")
    found = []
    for m in matches(ctx.lex.rx("refusal.cue"), norm):
        if double_neg.search(before(norm, m.start(), 4)):
            continue  # 不是不能退 / 并非不可以
        window = norm[max(0, m.start() - 2): m.end() + 2]
        if not_refusal.match(norm, m.start()) or not_refusal.search(norm[max(0, m.start() - 6): m.end() + 6]):
            continue  # 水晶砂不能用 (how to use it) / 没法打包票 (honest hedging)
        if re.search(r"怕[^。，,！？]{0,8}$", before(norm, m.start(), 10)):
            continue  # "怕您晚点回来没货" warns, it refuses nothing
        if question.search(window) or _a_not_a(norm, m.start()):
            continue  # 能不能 / 可不可以 are questions, not refusals
        found.append(m)
    return found


def _a_not_a(norm: str, pos: int) -> bool:
    """A-not-A question: the character before 不 equals the one after it (能不能, 行不行)."""
    i = norm.find("不", pos, pos + 2)
    return 0 < i < len(norm) - 1 and norm[i - 1] == norm[i + 1]


def has_alternative(ctx: Ctx, refusal_spans: list[tuple[int, int]]) -> re.Match[str] | None:
    norm = ctx.draft.norm
    bad = ctx.lex.rx("refusal.not_alternative")
    for m in matches(ctx.lex.rx("refusal.alternative"), norm):
        if any(s <= m.start() < e for s, e in refusal_spans) or ctx.addressed_to_machine(m.start()):
            continue
        sent = ctx.draft.sentence_at(m.start())
        if sent and bad.search(sent.text) and not re.search(r"申请|安排|补发|换|退|送|券", sent.text):
            continue
        return m
    return None


def analyze(ctx: Ctx) -> Finding:
    found = refusals(ctx)
    if not found:
        return not_applicable(ctx, P, "回复里没有拒绝或负面表述。")
    if ctx.situation.scene in PRESALE:
        # before the sale, "拆封后不支持无理由" informs the customer of a condition; it refuses nothing asked
        found = [m for m in found if not CONDITIONAL.search(ctx.draft.norm[max(0, m.start() - 14):m.start()])]
        if not found:
            return not_applicable(ctx, P, "售前说明购买条件，没有拒绝顾客的请求。")
    spans = [(m.start(), m.end()) for m in found]
    alt = has_alternative(ctx, spans)
    if alt:
        return finding(ctx, P, "applied", "拒绝之外给出了可行的替代方案。", span=(alt.start(), alt.end()), suggestion=" ")
    m = found[0]
    sent = ctx.draft.sentence_at(m.start())
    span = clause_of(sent, m.start()) if sent else (m.start(), m.end())
    return finding(ctx, P, "violated", f"“{m.group()}”是生硬的拒绝，没有告诉顾客可以怎么做。", span=span,
                   suggestion="把“不能/没办法”改成“可以为您……”：先说能做的（换货、补发、申请优惠、到货提醒等），"
                              "再简要说明限制。")
