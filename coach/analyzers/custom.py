"""Principles a trainer adds in the rubric without Python: a `detect` block of patterns.

    detect:
      scenes: [presale_product]        # optional: where it applies (default everywhere)
      violated_if: ["正则1", "正则2"]    # any match in the draft = violated, quoting the match
      applied_if: ["正则"]              # optional: a match = applied
"""

from __future__ import annotations

import re

from coach.analyzers.base import Ctx, finding, not_applicable, sentence_span
from coach.models import Finding


def analyze(ctx: Ctx, pid: str) -> Finding:
    detect = ctx.principles[pid].get("detect") or {}
    scenes = detect.get("scenes")
    if scenes and ctx.situation.scene not in scenes:
        return not_applicable(ctx, pid, "不适用于当前场景。")
    for pattern in detect.get("violated_if") or []:
        m = re.search(pattern, ctx.draft.norm)
        if m:
            why = ctx.principles[pid].get("violated_when") or ctx.principles[pid].get("definition", "")
            return finding(ctx, pid, "violated", f"“{m.group()}”：{why}", span=sentence_span(ctx.draft, m.start()))
    for pattern in detect.get("applied_if") or []:
        m = re.search(pattern, ctx.draft.norm)
        if m:
            return finding(ctx, pid, "applied", "符合该原则。", span=(m.start(), m.end()), suggestion=" ")
    return not_applicable(ctx, pid, "未发现相关内容。")
