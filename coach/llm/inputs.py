"""Prompt inputs from a request, redacted on the way out and restored on the way back.

One `RedactedRequest` per request: the same phone number in the customer message, the order and the draft gets the
same placeholder (⟦手机号1⟧), so the model can refer to it and `restore()` puts the original back in its answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from coach.models import Case, Order, Passage, Turn
from coach.privacy import Redactor

MAX_PASSAGE_CHARS = 1200  # a chunk is short already; this bounds a pathological one


class RedactedRequest:
    def __init__(self) -> None:
        self.redactor = Redactor()

    def text(self, value: str | None) -> str:
        return self.redactor.redact(value or "").text

    def turns(self, turns: Iterable[Turn]) -> list[dict[str, str]]:
        return [{"role": t.role, "text": self.text(t.text)} for t in turns]

    def order(self, order: Order | None) -> str:
        if order is None:
            return ""
        fields = {k: v for k, v in order.model_dump(mode="json").items() if v not in (None, "")}
        return self.text(json.dumps(fields, ensure_ascii=False))

    def passages(self, passages: Sequence[Passage]) -> list[dict[str, str]]:
        return [{"id": p.id, "text": self.text(f"{p.title}｜{p.section}\n{p.text}"[:MAX_PASSAGE_CHARS])}
                for p in passages]

    def case(self, case: Case) -> dict[str, Any]:
        """customer, context, order, draft of a case."""
        return {"customer": self.text(case.customer), "context": self.turns(case.context),
                "order": self.order(case.order), "draft": self.text(case.draft)}

    def restore(self, text: str) -> str:
        return self.redactor.restore(text)


def retrieve(kb: Any, case: Case, k: int = 6, cited: Iterable[str] = ()) -> list[Passage]:
    """Passages for one call: the KB's top k for the conversation and draft, plus every clause the rules critic
    cited (so the model sees the facts the rules judgement rests on). No KB = no passages."""
    if kb is None:
        return []
    query = "\n".join(x for x in (case.customer, case.draft) if x)[:2000]
    found: dict[str, Passage] = {p.id: p for p in kb.search(query, k=k)} if query.strip() else {}
    for cid in cited:
        if cid not in found and hasattr(kb, "get"):
            p = kb.get(cid)
            if p is not None:
                found[cid] = p
    return list(found.values())
