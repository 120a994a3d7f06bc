"""LLM drafting for the drafting engine (coach/drafting): grounded in the passages it retrieved, verified by the rules
critic, regenerated (bounded) while the critic still finds a violation.

    from coach.llm import LLMError, llm_draft
    try:
        out = llm_draft(services.llm, services.critic, case, passages)   # case.customer/context/order; draft unused
        show(out.draft, out.citations, out.critique, out.notices)
    except LLMError as exc:                 # timeout, breaker, invalid output, leak, or still critical after retries
        show(template_draft(...), notices=[exc.notice])

Guarantee kept here: a draft that still has a critical (severity 3: policy_accuracy, privacy, honest_urgency)
violation after the regenerations raises `LLMRejected` and is never returned; other remaining findings come back in
`critique` for the UI to show next to the draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from coach.critic.engine import Critic
from coach.llm.client import LLM, Deadline
from coach.llm.errors import LLMError, LLMOutputError, LLMRejected
from coach.llm.grounding import Grounding
from coach.llm.inputs import RedactedRequest
from coach.llm.schemas import DraftOutput, RewriteOutput
from coach.models import Case, Critique, Passage

CRITICAL = 3


@dataclass
class LLMDraft:
    draft: str
    citations: list[str]
    critique: Critique                 # the rules critic's verdict on `draft`
    notices: list[str] = field(default_factory=list)
    rounds: int = 0                    # regenerations after the first draft
    mode: str = "llm"


def llm_draft(llm: LLM, critic: Critic, case: Case, passages: Sequence[Passage], *, guidance: Sequence[str] = (),
              rounds: int = 2, deadline: Deadline | None = None) -> LLMDraft:
    deadline = deadline or llm.deadline()
    req = RedactedRequest()
    base = req.case(case)
    shown = req.passages(passages)
    allowed = {p.id for p in passages}
    out: DraftOutput = llm.structured("draft", {"customer": base["customer"], "context": base["context"],
                                               "order": base["order"], "passages": shown,
                                               "guidance": list(guidance)}, deadline)
    grounding = Grounding()
    citations = grounding.citations(out.citations, allowed)
    text = req.restore(out.draft).strip()
    done = 0
    while True:
        if not text:
            raise LLMOutputError("the model returned an empty draft")
        verdict = critic.critique(case.model_copy(update={"draft": text}))
        left = [f for f in verdict.findings if f.verdict == "violated"]
        if not left or done >= rounds or deadline.expired:
            break
        done += 1
        problems = [f"{f.principle}：{req.text(f.explanation)}" for f in left]
        try:
            redo: RewriteOutput = llm.structured("rewrite", {"customer": base["customer"], "context": base["context"],
                                                            "draft": req.text(text), "passages": shown,
                                                            "problems": problems}, deadline)
        except LLMError:
            break
        text = req.restore(redo.rewrite).strip()
    critical = [f.principle for f in left if f.severity >= CRITICAL]
    if critical:
        raise LLMRejected(f"draft still violates {', '.join(critical)} after {done} regeneration(s)")
    notices = grounding.notices()
    if left:
        notices.append("草稿仍有待改进：" + "、".join(f.principle for f in left))
    return LLMDraft(text, citations, verdict, notices, done)
