"""reciprocity 互惠先予: an ask (好评/晒图/下单/关注/收藏) must come after or with something given; 好评返现 (money
or gifts for a good review) is forbidden outright by the platforms."""

from __future__ import annotations

import re

from coach.analyzers.base import Ctx, before, clause_of, finding, matches, not_applicable, sentence_span
from coach.models import Finding

P = "reciprocity"


def _own_clause_benefit(ctx: Ctx, ask: re.Match[str]) -> str:
    sent = next((x for x in ctx.draft.sentences if x.start <= ask.start() < x.end), None)
    if sent is None:
        return ""
    start, _ = clause_of(sent, ask.start())
    scope = ctx.draft.norm[start: sent.end]
    return scope if re.search(r"领|享受|减为|立减|抵扣|(能|可以|就)(抵|省|减)|半价|(?<!\d)0元|免单|赠送|加送|送", scope) else ""


def analyze(ctx: Ctx) -> Finding:
    norm = ctx.draft.norm
    cashback = next((m for m in ctx.lex.rx("reciprocity.cashback").finditer(norm)
                     if not re.search(r"(没有|不|禁止|不允许|不能|不会|拒绝|不提供|不支持)[^。，,]{0,4}$",
                                      before(norm, m.start(), 8))), None)
    if cashback:
        return finding(ctx, P, "violated", f"以返现/红包换好评（“{cashback.group()}”）违反平台规则，属于好评返现。",
                       span=sentence_span(ctx.draft, cashback.start()),
                       suggestion="删除任何与评价挂钩的返现、红包或赠品；邀评只能无条件、每单一次，例如“使用满意的话，"
                                  "欢迎分享您的真实感受”。",
                       citations=ctx.facts.cite("好评返现 返现 红包 换好评 平台规则") if ctx.facts else [])
    negated = ctx.lex.rx("reciprocity.ask_negated")
    asks = [m for m in matches(ctx.lex.rx("reciprocity.ask"), norm)
            if not negated.search(norm[max(0, m.start() - 8): m.end() + 6])
            and not before(norm, m.start(), 2).endswith(("差", "不", "没有", "没"))
            and not re.search(r"(如果|的话|能拍|可以拍)[^。，,]{0,8}$|(可以|也可以|或者)[^。，,]{0,10}$", before(norm, m.start(), 16))]
    if not asks:
        return not_applicable(ctx, P, "回复没有向顾客提出请求。")
    # every ask needs something given: a true reason to pay now does not pay for "顺便点个关注店铺"
    give = None
    for ask in asks:
        # given BEFORE the ask, or in the ask's own clause when the ask is the way to the customer's benefit
        # ("关注店铺能领一张5元券"); a give in a later clause ("加购一下，我再帮您看看有没有券") gives nothing
        give_scope = norm[: ask.start()] + _own_clause_benefit(ctx, ask)
        give = ctx.lex.rx("reciprocity.give").search(give_scope)
        if not give and ctx.situation.scene == "order_urging_payment" and ctx.lex.rx("reciprocity.payment_ask").search(ask.group()):
            give = ctx.lex.rx("reciprocity.payment_reason").search(norm)
        if not give:
            break
    if give:
        return finding(ctx, P, "applied", "先给予价值（优惠、赠品、已完成的帮助）再提出请求。",
                       span=(give.start(), give.end()), suggestion=" ")
    return finding(ctx, P, "violated", f"回复提出了请求（“{ask.group()}”），却没有先给顾客任何价值。",
                   span=sentence_span(ctx.draft, ask.start()),
                   suggestion="先给：解决问题、送上实用的使用建议或真实可用的优惠，再顺带、无条件地提出请求。")
