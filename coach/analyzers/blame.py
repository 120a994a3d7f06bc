"""no_blame_shifting 不推诿: no pushing responsibility onto the customer, courier, platform, warehouse or another
department, and no arguing. Stating a third party's part neutrally is fine while the shop owns the next step."""

from __future__ import annotations

import re

from coach.analyzers.base import Ctx, before, clause_of, finding, matches, not_applicable, sentence_span
from coach.models import Finding

P = "no_blame_shifting"
_NEGATED = re.compile(r"(不是|并非|不怪|不能怪|不会怪|不用|无需|别|非|排除|不)$")  # "不是您用得不对": 不 + 是您…


_CONDITIONAL = re.compile(r"(如果|若|要是|假如|万一|如是|若是)[^。，,！？]{0,6}$")


def _blames_customer(ctx: Ctx) -> re.Match[str] | None:
    for m in matches(ctx.lex.rx("blame.customer"), ctx.draft.norm):
        # "如果是人为损坏的话就不在保修范围" states the rule; it does not say this customer did it
        if not _NEGATED.search(before(ctx.draft.norm, m.start(), 3)) and not _CONDITIONAL.search(
                before(ctx.draft.norm, m.start(), 10)):
            return m
    return None


def _third_party_attribution(ctx: Ctx) -> tuple[int, int] | None:
    """The clause that names a third party as the cause (快递的问题 / 物流原因导致), if any."""
    third, attribution = ctx.lex.rx("blame.third_party"), ctx.lex.rx("blame.attribution")
    for sent in ctx.draft.sentences:
        for m in matches(third, sent.text):
            a, b = clause_of(sent, sent.start + m.start())
            if attribution.search(ctx.draft.norm[sent.start + m.end(): b]):
                return a, b
    return None


def _disowns(ctx: Ctx) -> re.Match[str] | None:
    m = ctx.lex.rx("blame.disown").search(ctx.draft.norm)
    # "价格是公司定的，客服也改不了" answers a bargain: a refusal (framing/anchoring judge it), not blame
    if m and ctx.situation.price_objection and re.search(r"改不了|做不了主|决定不了|没(有)?权限", m.group()):
        return None
    return m


def analyze(ctx: Ctx) -> Finding:
    norm = ctx.draft.norm
    owns = ctx.lex.rx("blame.ownership").search(norm)
    def span(m: re.Match[str] | None) -> tuple[int, int] | None:
        return (m.start(), m.end()) if m else None

    redirect_m = ctx.lex.rx("blame.redirect").search(norm)
    # "您也可以拿着交易号去问银行" offers an extra route; it is no redirect when the shop keeps the case
    if redirect_m and re.search(r"(也|还)(可以|能)|或者", norm[max(0, redirect_m.start() - 12):redirect_m.start()]):
        redirect_m = None if owns else redirect_m
    # "我现在就去联系中通催查": the shop is the one going
    if redirect_m and re.search(r"(我|我们|这边|本店|店铺|客服)[^。，,！？]{0,5}$", before(norm, redirect_m.start(), 8)):
        redirect_m = None
    redirect = span(redirect_m)
    handoff = None if owns else span(ctx.lex.rx("blame.handoff").search(norm))
    attribution = _third_party_attribution(ctx)
    checks: list[tuple[str, tuple[int, int] | None]] = [
        ("把责任推给了顾客", span(_blames_customer(ctx))),
        ("撇清责任/与顾客争辩", span(_disowns(ctx))),
        # sending the customer to the courier/bank is pushing the case away even if the shop acts later;
        # an optional extra route ("您也可以…") was already dropped above when the shop keeps the case
        ("让顾客自己去找第三方处理", redirect),
        ("把问题归咎于第三方，却没有说明店铺接下来做什么", None if owns else attribution),
        ("把下一步交给了第三方", handoff),
        ("为产品辩解，却没有承担下一步", None if owns else span(ctx.lex.rx("blame.defend").search(norm))),
    ]
    for why, found in checks:
        if found is not None:
            start, end = found
            return finding(ctx, P, "violated", f"回复{why}：“{ctx.draft.span(start, end)}”。",
                           span=sentence_span(ctx.draft, start),
                           suggestion="不评判谁的错，直接承担下一步：“这边马上为您联系快递核实，并在今天18点前给您答复”。")
    if attribution or redirect:
        return finding(ctx, P, "applied", "客观说明了第三方情况，同时由店铺负责跟进。",
                       span=attribution or redirect, suggestion=" ")
    if owns:
        return finding(ctx, P, "applied", "由店铺主动承担下一步。", span=(owns.start(), owns.end()), suggestion=" ")
    return not_applicable(ctx, P, "回复没有涉及责任归属。")
