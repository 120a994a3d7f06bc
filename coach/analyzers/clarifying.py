"""clarifying_question 确认需求: when information needed to help is missing (size data, a photo of the defect, which
order), the draft must ask or confirm instead of guessing or answering generically."""

from __future__ import annotations

import re

from coach.analyzers.base import Ctx, finding, first_sentence_span, not_applicable, sentence_span
from coach.models import Finding

P = "clarifying_question"


def _asks_for(ctx: Ctx, ask_pattern: str) -> re.Match[str] | None:
    request = ctx.lex.rx("clarifying.request")
    for sent in ctx.draft.sentences:
        m = re.search(ask_pattern, sent.text)
        if m and request.search(sent.text):
            return m
    return None


def _needs(ctx: Ctx) -> list[str]:
    """Missing information that matters for this draft: order facts only when the draft asserts something about
    the order; the product only when the customer points at "this one" and nothing identifies it."""
    needs = ctx.lex.get("clarifying.needs") or {}
    out = []
    for name in ctx.situation.missing_info:
        asserts, moot = needs[name].get("draft_asserts"), needs[name].get("moot")
        if asserts and not re.search(asserts, ctx.draft.norm):
            continue
        if asserts and _echoes_customer(ctx, asserts):
            continue
        if moot and re.search(moot, ctx.draft.norm):
            continue
        if name == "size_data" and _sizeless_product(ctx):
            continue
        out.append(name)
    item = needs.get("which_item")
    if (item and ctx.situation.scene in item.get("scenes", []) and ctx.facts is not None
            and not (ctx.case.order and ctx.case.order.product_id)
            and re.search(item["deictic"], ctx.customer.norm)
            and ctx.facts.find_product(None, ctx.convo + "\n" + "\n".join(t.text for t in ctx.case.context)) is None):
        out.append("which_item")
    order = needs.get("which_order")
    case = ctx.case
    if (order and ctx.situation.scene in order.get("scenes", [])
            and not (case.order and (case.order.product_id or case.order.order_id))
            and _opening_names_nothing(ctx, order["generic"])
            and not re.search(order.get("how_to", "^$"), ctx.customer.norm.strip())
            and not any(t.role == "agent" for t in case.context)
            and not re.search(r"(?<!\d)\d{8,}(?!\d)|订单号", ctx.convo)
            and (ctx.facts is None or ctx.facts.find_product(None, ctx.convo + "\n" + ctx.draft.norm) is None)):
        out.append("which_order")
    return out


def _echoes_customer(ctx: Ctx, asserts: str) -> bool:
    """"物流显示签收了" → "系统显示已经签收了": repeating the status the customer reported is no guess."""
    said = [ctx.draft.norm[m.start():m.end() + 6] for m in re.finditer(asserts, ctx.draft.norm)]
    verbs = {v for s in said for v in re.findall(r"签收|发货|发出|退款|派送|运输|出库|到账", s)}
    return bool(said) and bool(verbs) and all(v in ctx.convo for v in verbs)


def _sizeless_product(ctx: Ctx) -> bool:
    """"沃柑一个多大？" asks about the goods: a product whose page has no size chart, sizes or fitting needs no
    body measurements from the customer."""
    if ctx.facts is None:
        return False
    pid = ctx.case.order.product_id if ctx.case.order else None
    product = ctx.facts.find_product(pid, ctx.convo)
    return product is not None and not any(p.endswith("#size") for p in product.passage_ids) and not re.search(
        r"尺码|码数|(?<![a-z])(xs|s|m|l|xl|xxl)码|适配|型号|兼容|尺寸|size", product.text)


def _opening_names_nothing(ctx: Ctx, generic: str) -> bool:
    """The customer's opening clause is a generic request ("我想退货", "东西坏了"). Judged on that clause only, so
    text appended after it (an injected instruction) cannot switch the need off."""
    first = re.split(r"[，,。！？!?；;~～\s]", ctx.customer.norm.strip(), maxsplit=1)[0]
    return bool(re.search(generic, first))


def analyze(ctx: Ctx) -> Finding:
    missing = _needs(ctx)
    if not missing:
        return not_applicable(ctx, P, "帮助顾客所需的信息已经齐全。")
    needs = ctx.lex.get("clarifying.needs") or {}
    unasked = [n for n in missing if not _asks_for(ctx, needs[n]["ask"])]
    if not unasked:
        return finding(ctx, P, "applied", "回复主动询问了缺少的信息。", suggestion=" ")
    labels = "、".join(needs[n].get("label", n) for n in unasked)
    guess = ctx.lex.rx("clarifying.guess").search(ctx.draft.norm)
    span = sentence_span(ctx.draft, guess.start()) if guess else first_sentence_span(ctx.draft)
    how = "凭猜测给出了答复" if guess else "泛泛作答"
    return finding(ctx, P, "violated", f"还缺少{labels}，回复却{how}，没有先确认。", span=span,
                   suggestion=f"先用一句确认性的问题补齐信息，例如“方便告诉我您的{labels}吗？我好为您准确判断”。")
