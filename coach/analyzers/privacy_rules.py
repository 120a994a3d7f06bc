"""privacy 隐私合规: never ask for passwords, verification codes, full ID/bank-card numbers; never reveal another
customer's data; never move the customer off-platform. Warning the customer not to share them is the right thing."""

from __future__ import annotations

import re

from coach.analyzers.base import Ctx, before, clause_of, finding, matches, not_applicable, sentence_span
from coach.models import Finding

P = "privacy"
_PLAT_QUERY = "验证码 密码 身份证 银行卡 站外 微信 隐私"


def _secret_ask(ctx: Ctx) -> re.Match[str] | None:
    prohibition, verb = ctx.lex.rx("privacy.prohibition"), ctx.lex.rx("privacy.ask_verb")
    for m in matches(ctx.lex.rx("privacy.secret"), ctx.draft.norm):
        sent = ctx.draft.sentence_at(m.start())
        if sent is None:
            continue
        a, b = clause_of(sent, m.start())
        lead = ctx.draft.norm[max(0, sent.start - 40): m.start()]  # a list item inherits "需要准备：" before it
        if prohibition.search(lead) or prohibition.search(ctx.draft.norm[a:b]):
            continue  # 我们不会索要验证码 / 请勿告诉任何人
        if verb.search(ctx.draft.norm[a:b]) or verb.search(lead):
            return m
    return None


def _off_platform(ctx: Ctx) -> re.Match[str] | None:
    negated = ctx.lex.rx("privacy.off_platform_negated")
    for m in matches(ctx.lex.rx("privacy.off_platform"), ctx.draft.norm):
        if not negated.search(before(ctx.draft.norm, m.start(), 12)):
            return m
    return None


def _third_party_data(ctx: Ctx) -> re.Match[str] | None:
    if not ctx.lex.rx("privacy.third_party_ask").search(ctx.customer.norm):
        return None
    if ctx.lex.rx("privacy.third_party_refusal").search(ctx.draft.norm):
        return None
    return ctx.lex.rx("privacy.third_party_disclosure").search(ctx.draft.norm)


def _other_customer(ctx: Ctx) -> re.Match[str] | None:
    """Another customer's data revealed — "其他顾客的地址我们不能透露" is the refusal, not the leak."""
    for m in matches(ctx.lex.rx("privacy.other_customer"), ctx.draft.norm):
        sent = ctx.draft.sentence_at(m.start())
        if sent is None or not re.search(r"不能|不会|无法|不可以|不便|不方便|不允许|不得|保护", sent.text):
            return m
    return None


def analyze(ctx: Ctx) -> Finding:
    checks = (
        (_third_party_data(ctx), "把别人的订单/收货信息告诉了非下单本人"),
        (_secret_ask(ctx), "向顾客索要验证码/密码/完整证件或卡号，存在账户和资金风险"),
        (_off_platform(ctx), "引导顾客到站外联系或私下交易，违反平台规则且无法保障顾客权益"),
        (_other_customer(ctx), "透露了其他顾客的信息"),
    )
    for m, why in checks:
        if m is not None:
            return finding(ctx, P, "violated", f"回复{why}（“{m.group()}”）。", span=sentence_span(ctx.draft, m.start()),
                           suggestion="核验身份只用订单号、收件人姓名或手机号后四位；全程在平台内沟通，"
                                      "并提醒顾客“任何人索要验证码都不要提供”。",
                           citations=ctx.facts.cite(_PLAT_QUERY) if ctx.facts else [])
    if ctx.lex.rx("privacy.secret").search(ctx.draft.norm):
        return finding(ctx, P, "applied", "提醒顾客保护验证码/密码等敏感信息。", suggestion=" ")
    return not_applicable(ctx, P, "回复不涉及敏感个人信息。")
