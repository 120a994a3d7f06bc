"""The Drafter: ground the request, let each strategy propose candidates, verify every candidate with the critic.

The guarantee (issue 6): no draft is shown with a policy_accuracy, privacy or honest_urgency violation the critic
detects. Candidates are tried in order (bounded); the first fully clean one wins, else the first without those
violations, else the holding reply (itself verified). Remaining findings travel with the draft in `critique`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from itertools import islice

from coach.claims.facts import FactBook, KBLike
from coach.critic.engine import MAX_CUSTOMER_CHARS, Critic
from coach.drafting.facts import FactRetriever
from coach.drafting.grounding import Grounding, ground
from coach.drafting.models import Attempt, Candidate, DraftRequest, DraftResult
from coach.drafting.strategies import DraftStrategy, RulesStrategy
from coach.drafting.templates import Library
from coach.errors import CoachError, InputError
from coach.models import Case, Critique

log = logging.getLogger(__name__)
CRITICAL = frozenset({"policy_accuracy", "privacy", "honest_urgency"})  # never shown (issue 6 "Guarantee")
MAX_ATTEMPTS = 4  # candidates verified per strategy before falling back


class DraftingError(CoachError):
    """No safe reply could be produced (not even the holding reply): nothing is shown."""


class Drafter:
    def __init__(self, critic: Critic, library: Library, *, kb: KBLike | None = None, as_of: date | None = None,
                 llm: DraftStrategy | None = None, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.critic = critic
        self.library = library
        self.kb = kb if kb is not None else critic.kb
        self.as_of = as_of or critic.as_of
        self.rules = RulesStrategy(library)
        self.strategies: list[DraftStrategy] = [s for s in (llm, self.rules) if s is not None]
        self.max_attempts = max_attempts
        self.facts = FactRetriever(self.kb, library.facts, self.as_of) if self.kb is not None else None

    def ground(self, req: DraftRequest) -> Grounding:
        case = _case(req)
        book: FactBook | None = self.critic.facts()
        facts = self.facts.all() if self.facts is not None else {}
        return ground(case, self.critic.lex, book, self.kb, facts, self.library.attributes, self.as_of,
                      self.library.scene_hints)

    def draft(self, req: DraftRequest, *, llm: DraftStrategy | None = None) -> DraftResult:
        """`llm` replaces this Drafter's LLM strategy for one request (the streaming path hands in the draft it
        already streamed)."""
        g = self.ground(req)
        notices = [] if self.kb is not None else ["未连接知识库：只能给出不含具体政策数字的稳妥回复。"]
        attempts: list[Attempt] = []
        fallback: tuple[Candidate, Critique, str] | None = None
        strategies = self.strategies if llm is None else [llm, self.rules]
        for strategy in strategies:
            try:
                for cand in islice(strategy.candidates(g), self.max_attempts):
                    crit = self.verify(g.case, cand.text)
                    if not crit.violations:
                        return self._result(g, cand, crit, strategy.name, attempts, notices)
                    attempts.append(Attempt(template=cand.template, violations=crit.violations))
                    if fallback is None and not CRITICAL & set(crit.violations):
                        fallback = (cand, crit, strategy.name)
            except Exception as exc:  # an optional strategy (the LLM) failed, even by a bug: the templates take over
                if strategy is self.rules:
                    raise
                log.warning("drafting: %s strategy failed: %s", strategy.name, type(exc).__name__)  # no text: PII
                notices.append(str(exc) if isinstance(exc, CoachError) else "大模型拟稿出错，以下为模板草稿。")
            if fallback is not None:
                return self._result(g, fallback[0], fallback[1], fallback[2], attempts, notices)
        hold = self.rules.holding(g)
        if hold is not None:
            crit = self.verify(g.case, hold.text)
            if not CRITICAL & set(crit.violations):
                return self._result(g, hold, crit, "rules", attempts, notices)
            attempts.append(Attempt(template=hold.template, violations=crit.violations))
        log.error("drafting: no safe candidate (%d tried)", len(attempts))
        raise DraftingError("没有生成可以安全展示的草稿（所有候选都有政策/隐私/紧迫感问题），请人工回复。")

    def verify(self, case: Case, text: str) -> Critique:
        return self.critic.critique(case.model_copy(update={"draft": text}))

    def _result(self, g: Grounding, cand: Candidate, crit: Critique, mode: str, attempts: Sequence[Attempt],
                notices: list[str]) -> DraftResult:
        crit.mode = "llm" if mode == "llm" else "rules"
        return DraftResult(draft=cand.text, citations=cand.citations, critique=crit, mode=crit.mode,
                           scene=g.scene, template=cand.template, facts=cand.facts, attempts=list(attempts),
                           notices=notices + crit.notices)


def _case(req: DraftRequest) -> Case:
    customer = req.customer or ""
    if not customer.strip() and not req.context:
        raise InputError("顾客消息为空：请粘贴顾客的最新消息。/ The customer message is empty.")
    if "\x00" in customer or any("\x00" in t.text for t in req.context):
        raise InputError("顾客消息包含二进制内容（NUL 字符），无法拟稿。")
    if len(customer) > MAX_CUSTOMER_CHARS:
        customer = customer[:MAX_CUSTOMER_CHARS]  # the critic reads the same first part (and says so in a notice)
    return Case(customer=customer, context=req.context, order=req.order, scene=req.scene)
