"""policy_accuracy 政策准确 and honest_urgency 真实紧迫感: the claim checker's verdicts as findings.

Without a knowledge base the concrete claims cannot be verified; the critique says so in a notice instead of
guessing (the wording rules — 广告法 absolute words, unbounded promises — are still checked)."""

from __future__ import annotations

from coach.analyzers.base import Ctx, finding, not_applicable
from coach.claims.check import Issue
from coach.models import Finding


def _from_issue(ctx: Ctx, principle: str, issue: Issue) -> Finding:
    return finding(ctx, principle, "violated", issue.explanation, span=issue.span, suggestion=issue.suggestion,
                   citations=issue.citations)


def analyze_policy(ctx: Ctx) -> Finding:
    issues: list[Issue] = ctx.extra.get("policy_issues", [])
    if issues:
        f = _from_issue(ctx, "policy_accuracy", issues[0])
        if len(issues) > 1:
            f.explanation += f"（另有{len(issues) - 1}处说法与知识库不符）"
            f.citations = sorted({c for i in issues for c in i.citations})
        return f
    if ctx.extra.get("claims_checked"):
        return finding(ctx, "policy_accuracy", "applied", "回复中的具体承诺与知识库一致（或没有具体承诺）。", suggestion=" ")
    return not_applicable(ctx, "policy_accuracy", "没有可核对的知识库，未核对具体承诺。")


def analyze_urgency(ctx: Ctx) -> Finding:
    issues: list[Issue] = ctx.extra.get("urgency_issues", [])
    if issues:
        return _from_issue(ctx, "honest_urgency", issues[0])
    if ctx.lex.rx("urgency.cue").search(ctx.draft.norm):
        return finding(ctx, "honest_urgency", "applied", "紧迫感与真实的库存/活动截止时间一致。", suggestion=" ")
    return not_applicable(ctx, "honest_urgency", "回复没有制造紧迫感。")
