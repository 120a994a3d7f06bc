"""greeting_closing 开场与结束: the first agent reply of a conversation opens politely and closes with an offer of
further help (the seeds' 标准化开场与结束语). Later replies are not judged."""

from __future__ import annotations

import re

from coach.analyzers.base import Ctx, finding, not_applicable
from coach.models import Finding

P = "greeting_closing"


def analyze(ctx: Ctx) -> Finding:
    if not ctx.situation.first_reply:
        return not_applicable(ctx, P, "对话中已有客服回复，不是首次回复。")
    norm = ctx.draft.norm.strip()
    lead = len(ctx.draft.norm) - len(ctx.draft.norm.lstrip())
    open_window = int(ctx.lex.get("greeting.opening_window", 12))
    close_window = int(ctx.lex.get("greeting.closing_window", 30))
    opening = re.search(ctx.lex.rx("greeting.opening").pattern, norm[:open_window])
    # the closing is looked for after the opening, in the last sentences (a short reply's opening is no closing)
    tail_start = max(opening.end() if opening else 0, len(norm) - close_window)
    closing = next((m for m in ctx.lex.rx("greeting.closing").finditer(norm[tail_start:])
                    if not ctx.addressed_to_machine(lead + tail_start + m.start())), None)
    sents = ctx.draft.sentences
    if opening and closing:
        return finding(ctx, P, "applied", "首次回复有礼貌的开场和结束语。", suggestion=" ")
    if not opening:
        first = sents[0] if sents else None
        return finding(ctx, P, "violated", "首次回复缺少礼貌开场（如“您好/亲”）。" + ("" if closing else "也没有结束语。"),
                       span=(first.start, first.end) if first else (lead, lead),
                       suggestion="开头加“亲，您好～”，结尾加“还有其他问题随时找我哦”。")
    last = sents[-1] if sents else None
    return finding(ctx, P, "violated", "首次回复缺少结束语或进一步帮助的表示。",
                   span=(last.start, last.end) if last else None,
                   suggestion="结尾加一句“还有其他需要随时告诉我哦～”。")
