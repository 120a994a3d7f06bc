"""The rules-mode critic: understand the situation, check claims against the KB, run one analyzer per principle,
score with the rubric, and propose a rewrite.

Deterministic and offline. Text inside the customer message or draft is only ever data: nothing in it can change
which checks run or how they score (an injection attempt is analysed like any other sentence)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from coach.analyzers import (
    anchoring,
    blame,
    clarifying,
    clarity,
    custom,
    empathy,
    framing,
    greeting,
    policy,
    privacy_rules,
    reciprocity,
    timeline,
)
from coach.analyzers.base import Ctx
from coach.claims.check import ClaimChecker
from coach.claims.facts import FactBook, KBLike
from coach.critic.lexicon import Lexicon
from coach.critic.rewrite import rewrite
from coach.critic.rubric import Rubric
from coach.critic.situation import customer_text, understand
from coach.critic.text import Text
from coach.errors import InputError
from coach.models import Case, Critique, Finding

ANALYZERS: dict[str, Callable[[Ctx], Finding]] = {
    "empathy": empathy.analyze,
    "positive_framing": framing.analyze,
    "no_blame_shifting": blame.analyze,
    "policy_accuracy": policy.analyze_policy,
    "anchoring": anchoring.analyze,
    "reciprocity": reciprocity.analyze,
    "clarifying_question": clarifying.analyze,
    "solution_timeline": timeline.analyze,
    "greeting_closing": greeting.analyze,
    "privacy": privacy_rules.analyze,
    "honest_urgency": policy.analyze_urgency,
    "clarity": clarity.analyze,
}
MAX_DRAFT_CHARS = 5000      # longer drafts are judged on their first 5,000 characters (and flagged as too long)
MAX_CUSTOMER_CHARS = 5000
_INJECTION = re.compile(r"忽略(以上|之前|上面|前面|所有)?的?(规则|指令|要求|设定)|ignore (all|previous|the above)|"
                        r"system prompt|系统提示词|给(我)?满分|打满分|score\s*[:=]?\s*100|你现在是|扮演", re.I)
PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"


def _signed_at(case: Case) -> date | None:
    """The order's delivery date when the shop tool passes one (`order.signed_at`, ISO); else None."""
    raw = getattr(case.order, "signed_at", None) if case.order else None
    try:
        return raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None


class Critic:
    def __init__(self, rubric: Rubric, lexicon: Lexicon, kb: KBLike | None = None, as_of: date | None = None) -> None:
        self.rubric = rubric
        self.lex = lexicon
        self.kb = kb
        self.as_of = as_of or date.today()
        self._book: FactBook | None = None
        self._book_version: str | None = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, kb: KBLike | None = None, as_of: date | None = None, prompts_dir: Path = PROMPTS_DIR) -> Critic:
        return cls(Rubric.load(prompts_dir / "rubric.yaml"), Lexicon.load(prompts_dir / "lexicon.yaml"), kb, as_of)

    def facts(self) -> FactBook | None:
        """The FactBook, built on first use (reads every KB passage once); `refresh()` after re-indexing."""
        if self.kb is None:
            return None
        version = str(getattr(self.kb, "version", ""))
        with self._lock:
            if self._book is None or version != self._book_version:
                self._book = FactBook(self.kb, self.as_of)
                self._book_version = version
            return self._book

    def refresh(self) -> None:
        with self._lock:
            self._book = None

    def critique(self, case: Case) -> Critique:
        notices: list[str] = []
        raw = case.draft or ""
        if not raw.strip():
            raise InputError("草稿为空：请粘贴要点评的客服回复。/ The draft is empty.")
        if "\x00" in raw or "\x00" in (case.customer or ""):
            raise InputError("草稿或顾客消息包含二进制内容（NUL 字符），无法点评。")
        if len(raw) > MAX_DRAFT_CHARS:
            notices.append(f"草稿共{len(raw)}字，远超正常回复长度；只点评了前{MAX_DRAFT_CHARS}字。")
            raw = raw[:MAX_DRAFT_CHARS]
        if len(case.customer or "") > MAX_CUSTOMER_CHARS:
            notices.append(f"顾客消息过长，只读取了前{MAX_CUSTOMER_CHARS}字。")
            case = case.model_copy(update={"customer": case.customer[:MAX_CUSTOMER_CHARS]})
        draft = Text(raw)
        if not draft.has_content:
            raise InputError("草稿里没有可分析的文字（只有表情或符号）。/ The draft has no text to critique.")
        if _INJECTION.search(draft.norm) or _INJECTION.search(case.customer or ""):
            notices.append("文本中含有疑似指令（如“忽略规则/给满分”），已作为普通文本处理，不影响评分。")
        ctx = self._context(case, draft)
        findings = [self._run(pid, ctx) for pid in self.rubric.principles]
        violated = [(f.principle, f.severity) for f in findings if f.verdict == "violated"]
        if self.kb is None:
            notices.append("未连接知识库：具体承诺（时效、运费、价格、活动）没有核对。")
        critique = Critique(id=case.id, score=self.rubric.score(violated), mode="rules",
                            violations=[p for p, _ in violated], findings=findings, situation=ctx.situation,
                            notices=notices)
        critique.rewrite = rewrite(ctx, critique, ctx.extra.get("policy_issues", []))
        return critique

    def _context(self, case: Case, draft: Text) -> Ctx:
        situation = understand(self.lex, case)
        convo = customer_text(case)
        extra: dict[str, Any] = {}
        book = self.facts()
        if book is not None:
            checker = ClaimChecker(book, self.lex)
            pid = case.order.product_id if case.order else None
            pol, urg = checker.check(draft, convo, pid, situation.scene, _signed_at(case))
            extra.update(policy_issues=pol, urgency_issues=urg, claims_checked=True)
        else:
            extra.update(policy_issues=[], urgency_issues=[], claims_checked=False)
        return Ctx(case=case, draft=draft, customer=Text(case.customer or ""), convo=convo, situation=situation,
                   lex=self.lex, principles=self.rubric.principles, facts=book, extra=extra)

    def _run(self, pid: str, ctx: Ctx) -> Finding:
        analyzer = ANALYZERS.get(pid)
        if analyzer is not None:
            return analyzer(ctx)
        return custom.analyze(ctx, pid)
