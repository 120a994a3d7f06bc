"""LLM-as-judge for the eval harness: per-principle verdicts from the judge prompt, with grounded evidence.

    from coach.llm import llm_judge
    judged = llm_judge(services.llm, case, passages)     # raises LLMError on failure
    judged.verdicts["empathy"]  -> "violated" | "applied" | "not_applicable"

The eval harness compares these with the golden labels (Cohen's κ) before trusting the judge as a gate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from coach.llm.client import LLM, Deadline
from coach.llm.grounding import Grounding
from coach.llm.inputs import RedactedRequest
from coach.llm.schemas import JudgeOutput
from coach.models import Case, Passage


@dataclass
class Judged:
    verdicts: dict[str, str]
    evidence: dict[str, str] = field(default_factory=dict)   # grounded spans of the draft only
    reasons: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    prompt: str = ""


def llm_judge(llm: LLM, case: Case, passages: Sequence[Passage] = (), deadline: Deadline | None = None) -> Judged:
    req = RedactedRequest()
    known = set(llm.library.rubric.principles)

    def check(out: JudgeOutput) -> list[str]:
        bad = sorted({j.principle for j in out.judgements if j.principle not in known})
        return [f"未知的原则 id：{', '.join(bad)}"] if bad else []

    out: JudgeOutput = llm.structured("judge", {**req.case(case), "passages": req.passages(passages)}, deadline,
                                      check=check)
    grounding = Grounding()
    judged = Judged({}, prompt=llm.library.get("judge").ref)
    for j in out.judgements:
        judged.verdicts.setdefault(j.principle, j.verdict)
        span = grounding.evidence(j.principle, j.evidence, case.draft, req.restore)
        if span is not None:
            judged.evidence.setdefault(j.principle, span.text)
        judged.reasons.setdefault(j.principle, req.restore(j.reason))
    judged.notices = grounding.notices()
    return judged
