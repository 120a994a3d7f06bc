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

from collections.abc import Iterator, Sequence
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


@dataclass
class DraftCandidate:
    text: str
    citations: list[str]
    verdict: Critique                  # the rules critic on `text`
    notices: list[str]


def draft_candidates(llm: LLM, critic: Critic, case: Case, passages: Sequence[Passage], *,
                     guidance: Sequence[str] = (), rounds: int = 2, deadline: Deadline | None = None,
                     first: DraftOutput | None = None, req: RedactedRequest | None = None) -> Iterator[DraftCandidate]:
    """The first draft, then up to `rounds` rewrites, each verified by the rules critic and fed its findings.
    Stops after a clean candidate; raises LLMError when the model fails before the first one. `first` (with the
    `req` that redacted its prompt) is a first draft already obtained, e.g. streamed."""
    deadline = deadline or llm.deadline()
    req = req or RedactedRequest()
    base = req.case(case)
    shown = req.passages(passages)
    out: DraftOutput = first or llm.structured("draft", draft_inputs(req, case, passages, guidance), deadline)
    grounding = Grounding()
    citations = grounding.citations(out.citations, {p.id for p in passages})
    text = req.restore(out.draft).strip()
    for done in range(rounds + 1):
        if not text:
            raise LLMOutputError("the model returned an empty draft")
        verdict = critic.critique(case.model_copy(update={"draft": text}))
        yield DraftCandidate(text, citations, verdict, grounding.notices())
        left = [f for f in verdict.findings if f.verdict == "violated"]
        if not left or done >= rounds or deadline.expired:
            return
        problems = [f"{f.principle}：{req.text(f.explanation)}" for f in left]
        try:
            redo: RewriteOutput = llm.structured("rewrite", {"customer": base["customer"], "context": base["context"],
                                                            "draft": req.text(text), "passages": shown,
                                                            "problems": problems}, deadline)
        except LLMError:
            return
        text = req.restore(redo.rewrite).strip()


def draft_inputs(req: RedactedRequest, case: Case, passages: Sequence[Passage],
                 guidance: Sequence[str] = ()) -> dict[str, object]:
    """The draft prompt's inputs, redacted by `req` (whose placeholders restore the answer)."""
    base = req.case(case)
    return {"customer": base["customer"], "context": base["context"], "order": base["order"],
            "passages": req.passages(passages), "guidance": list(guidance)}


def llm_draft(llm: LLM, critic: Critic, case: Case, passages: Sequence[Passage], *, guidance: Sequence[str] = (),
              rounds: int = 2, deadline: Deadline | None = None) -> LLMDraft:
    tried = list(draft_candidates(llm, critic, case, passages, guidance=guidance, rounds=rounds, deadline=deadline))
    if not tried:
        raise LLMOutputError("no draft")
    last, n = tried[-1], len(tried) - 1
    left = [f for f in last.verdict.findings if f.verdict == "violated"]
    critical = [f.principle for f in left if f.severity >= CRITICAL]
    if critical:
        raise LLMRejected(f"draft still violates {', '.join(critical)} after {n} regeneration(s)")
    notices = list(last.notices)
    if left:
        notices.append("草稿仍有待改进：" + "、".join(f.principle for f in left))
    return LLMDraft(last.text, last.citations, last.verdict, notices, n)
