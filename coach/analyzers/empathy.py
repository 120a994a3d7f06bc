"""empathy 共情安抚: a frustrated, worried or angry customer (or one with a problem) must hear their feeling named or
an apology before the solution. Downplaying the trouble ("正常现象") without acknowledgement is judged here."""

from __future__ import annotations

import re

import jieba

from coach.analyzers.base import Ctx, finding, first_sentence_span, not_applicable, sentence_span
from coach.critic.situation import PROBLEM_SCENES, detect_emotion
from coach.critic.text import normalize
from coach.models import Finding

P = "empathy"
_REASSURE = re.compile(r"(请|您|可以|尽管|大可)?放心|(不用|别|无需|不必)(太|过于)?(担心|着急|紧张|焦虑)")
_FEELING = {"angry": "很生气", "frustrated": "不满/受了折腾", "worried": "担心/着急", "neutral": "遇到了问题"}


def _already_acknowledged(ctx: Ctx) -> bool:
    rx = ctx.lex.rx("empathy.acknowledge")
    return any(t.role == "agent" and rx.search(normalize(t.text)) for t in ctx.case.context)


def _answers_the_worry(ctx: Ctx) -> re.Match[str] | None:
    """"怕放坏了" answered with "一般不会放坏的": before a sale, meeting the worry head-on is the acknowledgement."""
    if ctx.situation.scene in PROBLEM_SCENES:
        return None
    for w in re.finditer(r"(?:怕|担心|害怕|万一|会不会)([^。，,！!？?\n]{2,12})", ctx.customer.norm):
        for word in jieba.lcut(w.group(1)):
            if len(word) >= 2 and (m := re.search(re.escape(word), ctx.draft.norm)):
                return m
    return None


def analyze(ctx: Ctx) -> Finding:
    sit = ctx.situation
    if sit.emotion == "neutral" and sit.scene not in PROBLEM_SCENES:
        return not_applicable(ctx, P, "顾客情绪平稳、只是普通咨询，无需额外安抚。")
    if detect_emotion(ctx.lex, ctx.customer.norm) == "neutral" and _already_acknowledged(ctx):
        return not_applicable(ctx, P, "之前的回复已经安抚过，顾客这条消息情绪平稳。")
    norm = ctx.draft.norm
    ack = ctx.lex.rx("empathy.acknowledge").search(norm)
    dismiss = ctx.lex.rx("empathy.dismissive").search(norm)
    if ack is None and sit.emotion == "worried" and not dismiss:
        ack = _REASSURE.search(norm) or _answers_the_worry(ctx)  # "放心用就行" after "是正常现象" waves it away
    feeling = _FEELING.get(sit.emotion, "遇到了问题")
    if ack:
        return finding(ctx, P, "applied", "回复先回应了顾客的感受。", span=(ack.start(), ack.end()), suggestion=" ")
    if dismiss:
        return finding(ctx, P, "violated", f"顾客{feeling}，回复却淡化问题（“{dismiss.group()}”），没有任何安抚或致歉。",
                       span=sentence_span(ctx.draft, dismiss.start()),
                       suggestion="先承认给顾客带来的困扰并致歉，再解释原因和处理办法，例如“非常抱歉给您添麻烦了，"
                                  "我先帮您看看具体情况”。")
    return finding(ctx, P, "violated", f"顾客{feeling}，回复直接进入事务，没有致歉或回应情绪。",
                   span=first_sentence_span(ctx.draft),
                   suggestion="开头先共情：如“非常理解您的着急，给您添麻烦了，实在抱歉”，再给出处理方案。")
