"""clarity 简洁清晰: no wall of jargon, no rambling, no contradictions (seed 001: 减少3个专业术语, 理解率+19%)."""

from __future__ import annotations

import re

from coach.analyzers.base import Ctx, finding, not_applicable, sentence_span
from coach.models import Finding

P = "clarity"


def _repeated_sentence(ctx: Ctx) -> tuple[int, int] | None:
    seen: set[str] = set()
    for s in ctx.draft.sentences:
        key = re.sub(r"[\W_]+", "", s.text)
        if len(key) >= 6 and key in seen:
            return (s.start, s.end)
        seen.add(key)
    return None


def _contradiction(ctx: Ctx) -> tuple[int, int] | None:
    norm = ctx.draft.norm
    for yes, no in ctx.lex.get("clarity.contradictions") or []:
        a, b = re.search(yes, norm), re.search(no, norm)
        if a and b and not (a.start() <= b.start() < a.end() or b.start() <= a.start() < b.end()):
            return sentence_span(ctx.draft, b.start())
    return None


def analyze(ctx: Ctx) -> Finding:
    norm = ctx.draft.norm
    jargon = {m.group() for m in ctx.lex.rx("clarity.jargon").finditer(norm)}
    limit = int(ctx.lex.get("clarity.jargon_limit", 3))
    content = len(re.sub(r"\s", "", norm))
    if len(jargon) >= limit:
        first = ctx.lex.rx("clarity.jargon").search(norm)
        assert first is not None
        return finding(ctx, P, "violated", f"术语过多（{'、'.join(sorted(jargon))}），顾客难以理解。",
                       span=sentence_span(ctx.draft, first.start()),
                       suggestion="把内部术语换成顾客的话：“工单”→“售后申请”，“揽收”→“快递取件”，“逆向物流”→“退货寄回”。")
    contra = _contradiction(ctx)
    if contra:
        return finding(ctx, P, "violated", "前后说法矛盾，顾客不知道该信哪句。", span=contra,
                       suggestion="只保留一个确定的结论，并说明条件，如“吊牌完好的可以退；已剪吊牌的可为您换货”。")
    long_sent = next((s for s in ctx.draft.sentences if len(s.text) > int(ctx.lex.get("clarity.max_sentence_chars", 90))), None)
    repeated = _repeated_sentence(ctx)
    if content > int(ctx.lex.get("clarity.max_chars", 260)) or repeated:
        span = repeated or (ctx.draft.sentences[0].start, ctx.draft.sentences[0].end)
        return finding(ctx, P, "violated", f"回复冗长重复（约{content}字），重点被淹没。", span=span,
                       suggestion="删去重复和套话，按“结论—办法—时限”三句话写完，必要时分点列出。")
    if long_sent:
        return finding(ctx, P, "violated", "单句过长、一口气说完多件事，不易读懂。", span=(long_sent.start, long_sent.end),
                       suggestion="一句只说一件事，用句号分开，关键的时间和金额单独成句。")
    if not ctx.draft.has_content:
        return not_applicable(ctx, P, "回复没有文字内容。")
    return finding(ctx, P, "applied", "表述简洁清楚。", suggestion=" ")
