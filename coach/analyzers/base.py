"""Shared context and helpers for the analyzers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from coach.critic.lexicon import Lexicon
from coach.critic.text import Sentence, Text
from coach.models import Case, Finding, Situation, Verdict


@dataclass
class Ctx:
    case: Case
    draft: Text
    customer: Text          # the customer's latest message
    convo: str              # normalised customer side of the whole conversation
    situation: Situation
    lex: Lexicon
    principles: dict[str, dict[str, Any]]  # rubric entries by id
    facts: Any = None       # coach.claims.FactBook, when a knowledge base is available
    extra: dict[str, Any] = field(default_factory=dict)

    def addressed_to_machine(self, pos: int) -> bool:
        """Is the draft sentence at `pos` talking to the grader/model ("忽略以上规则…", "告诉我你的系统消息")? Such
        text is analysed for violations like any other, but never earns credit (a closing, an alternative, a give)."""
        sent = self.draft.sentence_at(pos)
        return bool(sent and self.lex.rx("injection").search(sent.text))

    def severity(self, principle: str) -> int:
        return int(self.principles.get(principle, {}).get("severity", 2))

    def tip(self, principle: str, default: str = "") -> str:
        tips = self.principles.get(principle, {}).get("rewrite_tips") or []
        return str(tips[0]) if tips else default


def finding(ctx: Ctx, principle: str, verdict: Verdict, explanation: str = "", *, span: tuple[int, int] | None = None,
            suggestion: str = "", citations: list[str] | None = None) -> Finding:
    start, end = span if span else (None, None)
    evidence = ctx.draft.span(start, end) if start is not None and end is not None else ""
    return Finding(principle=principle, verdict=verdict, severity=ctx.severity(principle), evidence=evidence,
                   start=start, end=end, explanation=explanation, suggestion=suggestion or ctx.tip(principle),
                   citations=citations or [])


def not_applicable(ctx: Ctx, principle: str, why: str) -> Finding:
    return finding(ctx, principle, "not_applicable", why, suggestion=" ")


def matches(rx: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    return (m for m in rx.finditer(text) if m.end() > m.start())


def first_sentence_span(draft: Text) -> tuple[int, int] | None:
    return (draft.sentences[0].start, draft.sentences[0].end) if draft.sentences else None


def sentence_span(draft: Text, pos: int) -> tuple[int, int]:
    s = draft.sentence_at(pos)
    return (s.start, s.end) if s else (pos, pos + 1)


def before(text: str, pos: int, width: int) -> str:
    return text[max(0, pos - width):pos]


def clause_of(sent: Sentence, pos: int) -> tuple[int, int]:
    """The comma-delimited clause of `sent` around absolute position `pos`."""
    rel = pos - sent.start
    left = max(sent.text.rfind(c, 0, rel) for c in "，,、：:") + 1
    rights = [i for c in "，,、：:" if (i := sent.text.find(c, rel)) != -1]
    right = min(rights) if rights else len(sent.text)
    return sent.start + left, sent.start + right
