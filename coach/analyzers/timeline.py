"""solution_timeline 方案与时限: an after-sales problem needs a concrete next step AND a timeframe; 请耐心等待 / 我们
会处理的 are neither."""

from __future__ import annotations

import re

from coach.analyzers.base import Ctx, finding, first_sentence_span, matches, not_applicable, sentence_span
from coach.analyzers.framing import has_alternative, refusals
from coach.critic.situation import detect_emotion
from coach.models import Finding

P = "solution_timeline"
# numbers that are policy windows, not a time for this problem's next step
_POLICY_WINDOW_AFTER = re.compile(r"^\s*(无理由|保修|质保|保价|价保|内无理由|的无理由|运费险)")


def _timeframe(ctx: Ctx) -> re.Match[str] | None:
    norm = ctx.draft.norm
    for m in matches(ctx.lex.rx("timeline.time"), norm):
        if _POLICY_WINDOW_AFTER.search(norm[m.end(): m.end() + 5]):
            continue
        return m
    return None


def analyze(ctx: Ctx) -> Finding:
    sit = ctx.situation
    scenes = ctx.lex.get("timeline.applies_scenes") or []
    # the whole customer side counts: "看到了吗" after "退款一周了还没到！" is still an unresolved problem
    upset = (sit.emotion in ("frustrated", "angry") or detect_emotion(ctx.lex, ctx.convo) in ("frustrated", "angry")
             or bool(re.search(ctx.lex.get("timeline.problem_cues", "^$"), ctx.customer.norm)))
    norm = ctx.draft.norm
    if sit.scene in (ctx.lex.get("timeline.applies_if_upset") or []) and not upset and sit.scene not in scenes:
        # a calm return/refund question: only a refusal or a brush-off with no way forward fails it
        step = ctx.lex.rx("timeline.step").search(norm)
        found = refusals(ctx)
        # a calm shipping question ("能发京东吗" → "不支持") is a pre-sale answer: framing judges its refusal
        refusal_scenes = ctx.lex.get("timeline.refusal_scenes") or [sit.scene]
        blocked = (found and sit.scene in refusal_scenes
                   and not has_alternative(ctx, [(m.start(), m.end()) for m in found]))
        brush_off = ctx.lex.rx("timeline.vague").search(norm)
        if step is None and (blocked or brush_off):
            where = (brush_off or found[0]).start()
            return finding(ctx, P, "violated", "售后诉求被拒绝或搪塞，没有给出任何可走的下一步。",
                           span=sentence_span(ctx.draft, where),
                           suggestion="即使不能按顾客的方式办，也给出可走的路径和时间：如质量问题通道、换货、"
                                      "或“我现在为您登记，今天内答复”。")
        return not_applicable(ctx, P, "售后咨询，顾客未遇到需要处理的问题。")
    if sit.scene not in scenes and not (upset and sit.scene in (ctx.lex.get("timeline.applies_if_upset") or [])):
        return not_applicable(ctx, P, "不是售后问题场景，无需给出处理时限。")
    step = ctx.lex.rx("timeline.step").search(norm)
    time = _timeframe(ctx)
    vague = ctx.lex.rx("timeline.vague").search(norm)
    overdue = re.search(r"(一|两|三|四|五|几|好几|\d+)\s*(周|天|个星期)|这么久|好久|半个月|一个月", ctx.convo)
    if step is None and time and sit.scene in ("logistics_delay", "logistics_query") and not (upset and overdue):
        # a parcel that is simply on its way: where it is plus when it arrives is the whole answer — unless the
        # customer has waited long already ("下单都一周了"): then someone must chase it
        step = re.search(r"(已经|已|正在|目前)?(在路上|运输中|派送中|派件中|配送中|发出|揽收|到达|中转)", norm)
    if step and time:
        return finding(ctx, P, "applied", "给出了具体的下一步和时限。", span=(time.start(), time.end()), suggestion=" ")
    missing = "具体的处理步骤和时限" if not step and not time else ("时限" if step else "具体的下一步")
    anchor = vague or step
    span = sentence_span(ctx.draft, anchor.start()) if anchor else first_sentence_span(ctx.draft)
    said = f"只说了“{vague.group()}”，" if vague else ""
    return finding(ctx, P, "violated", f"售后问题{said}缺少{missing}。", span=span,
                   suggestion="写清“谁、做什么、多久”：如“我现在为您登记补发，今天18点前发出，发出后把单号同步给您”。")
