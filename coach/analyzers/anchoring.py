"""anchoring 价格锚定: a price objection or bargaining needs the price framed against a reference (original price,
value per use, what is included, comparison, quality) — not a bare no and not a bare discount."""

from __future__ import annotations

from coach.analyzers.base import Ctx, finding, first_sentence_span, not_applicable, sentence_span
from coach.models import Finding

P = "anchoring"


def analyze(ctx: Ctx) -> Finding:
    if not ctx.situation.price_objection:
        return not_applicable(ctx, P, "对话里没有价格异议或议价。")
    norm = ctx.draft.norm
    ref = ctx.lex.rx("anchoring.reference").search(norm)
    if ref:
        return finding(ctx, P, "applied", "用参照点（原价/包含的价值/对比/品质）来说明价格。",
                       span=(ref.start(), ref.end()), suggestion=" ")
    bare = ctx.lex.rx("anchoring.bare_no").search(norm) or ctx.lex.rx("anchoring.bare_discount").search(norm)
    span = sentence_span(ctx.draft, bare.start()) if bare else first_sentence_span(ctx.draft)
    kind = "直接拒绝议价" if bare and ctx.lex.rx("anchoring.bare_no").search(bare.group()) else "只回应了价格本身"
    return finding(ctx, P, "violated", f"顾客嫌贵/议价，回复{kind}，没有用原价、包含的价值、单次使用成本或同类对比来锚定价格。",
                   span=span,
                   suggestion="先认可顾客对价格的关注，再给参照：原价与到手价、包含的赠品/服务、折合每天/每次的花费、"
                              "同类产品的用料差异；可以推荐正在进行的真实活动。")
