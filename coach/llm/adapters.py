"""LLM mode for drafting and roleplay, shaped to the plug points those packages expose:

- `LLMDraftStrategy` is coach.drafting's `DraftStrategy` (coach/drafting/service.py `llm_strategy` builds it);
- `LLMCustomer` is coach.roleplay's customer "llm" (registered lazily in coach/roleplay/customer.py).

Both raise a typed `LLMError` on any failure so the callers' own fallbacks (templates, the scripted customer) take over
and show its `.notice`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from coach.drafting.drafter import CRITICAL
from coach.drafting.grounding import Grounding
from coach.drafting.models import Candidate
from coach.llm.draft import draft_candidates
from coach.llm.errors import LLMNotConfigured, LLMRejected
from coach.llm.inputs import RedactedRequest
from coach.llm.roleplay import llm_customer_reply
from coach.llm.schemas import DraftOutput
from coach.models import Mode, Passage, Turn

if TYPE_CHECKING:
    from coach.services import Services

log = logging.getLogger(__name__)


class LLMDraftStrategy:
    """Candidates from the draft prompt, grounded in the passages the drafting grounding found plus the KB's best
    matches; each rewrite is fed the rules critic's findings (bounded by `rounds`). The Drafter verifies every
    candidate again and falls back to the templates; when every candidate still broke a critical rule this raises
    `LLMRejected` at the end so the Drafter can say why the template draft is shown. `first` is a draft already
    obtained (the streaming path) with the `req` that redacted its prompt, used instead of a new first call."""

    name: Mode = "llm"

    def __init__(self, services: Services, rounds: int = 2, k: int = 6, first: DraftOutput | None = None,
                 req: RedactedRequest | None = None) -> None:
        self.services = services
        self.rounds = rounds
        self.k = k
        self.first = first
        self.req = req

    def passages(self, grounding: Grounding) -> list[Passage]:
        kb = self.services.kb
        found: dict[str, Passage] = {}
        for cid in grounding.passage_ids():
            p = kb.get(cid)
            if p is not None:
                found[cid] = p
        query = grounding.case.customer or ""
        if query.strip():
            for p in kb.search(query, k=self.k):
                found.setdefault(p.id, p)
        return list(found.values())

    def candidates(self, grounding: Grounding) -> Iterator[Candidate]:
        llm = self.services.llm
        if llm is None:
            raise LLMNotConfigured("no LLM for drafting")
        tried = critical = 0
        for cand in draft_candidates(llm, self.services.critic, grounding.case, self.passages(grounding),
                                     rounds=self.rounds, first=self.first, req=self.req):
            critical += bool(CRITICAL & set(cand.verdict.violations))
            yield Candidate(text=cand.text, citations=cand.citations,
                            template="llm" if not tried else f"llm.rewrite{tried}")
            tried += 1
        if tried and critical == tried:
            raise LLMRejected(f"every LLM draft ({tried}) broke a critical rule")


def _persona(brief: dict[str, Any]) -> str:
    persona = brief.get("persona") or {}
    facts = {"人设": persona, "商品": brief.get("product"), "订单": brief.get("order"), "场景": brief.get("scene")}
    return json.dumps(facts, ensure_ascii=False, default=str)


def _instruction(brief: dict[str, Any]) -> str:
    parts = []
    if brief.get("react_to"):
        parts.append(f"你对客服刚才的话的反应：{brief['react_to']}")
    for note in brief.get("caught") or []:
        parts.append(f"你发现客服说错了：{note}")
    if brief.get("reveal_now"):
        parts.append("这一轮自然地说出：" + "；".join(brief["reveal_now"]))
    if brief.get("offer_made"):
        parts.append("客服已经给出了方案，你在考虑是否接受")
    if brief.get("outcome"):
        parts.append(f"对话到此结束（{brief['outcome']}），说一句符合结局的话")
    return "。".join(parts)


class LLMCustomer:
    """A roleplay customer (coach.roleplay.customer.Customer) speaking through the customer prompt. It only knows
    `view.brief()`: hidden facts not yet uncovered are never in its prompt."""

    mode = "llm"

    def __init__(self, services: Services) -> None:
        if services.llm is None:
            raise LLMNotConfigured("no LLM configured for the roleplay customer")
        self.services = services

    @classmethod
    def factory(cls, deps: Any) -> LLMCustomer:
        return cls(deps.services)

    def opening(self, view: Any) -> str:
        return self._say(view, opening=True)

    def reply(self, view: Any) -> str:
        return self._say(view, opening=False)

    def _say(self, view: Any, opening: bool) -> str:
        brief = view.brief()
        transcript: list[Turn] = list(view.transcript)
        trainee = "" if opening or not transcript else transcript[-1].text
        history = transcript if opening else transcript[:-1]
        mood = f"{brief.get('band_label', '')}（心情 {brief.get('mood')}，信任 {brief.get('trust')}）"
        instruction = "这是对话的开场：说出你来找客服的原因" if opening else _instruction(brief)
        assert self.services.llm is not None
        return llm_customer_reply(self.services.llm, persona=_persona(brief), goal=str(brief.get("goal") or ""),
                                  mood=mood, mood_instruction=instruction,
                                  known_facts=list(brief.get("revealed_facts") or []), hidden_facts=[],
                                  history=history, trainee=trainee)
