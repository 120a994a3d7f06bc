"""LLM-mode critique: the rules critique first (always), then the model's, grounded and merged.

Merge policy ("LLM mode adds fluency and nuance, never removes a check"):
- every rules violation stays violated (so severity-3 policy/privacy/urgency findings always stay); where the model
  agrees, its explanation and suggestion replace the rules' wording; where it disagrees, the explanation is prefixed
  with the model's opinion and a notice lists the disagreement;
- a violation only the model found is adopted when its evidence is a verbatim span of the draft, marked as the
  model's; without grounded evidence it is shown as a disagreement and not scored;
- the score is the rubric's formula over the merged violations.
The model's rewrite is re-checked by the rules critic and regenerated (bounded) while it still violates something;
a rewrite that still breaks a critical principle is never shown (the rules rewrite is), any other remaining finding
is listed next to it. Any LLM failure returns the rules critique with a notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coach.critic.engine import Critic
from coach.llm.client import LLM, Deadline
from coach.llm.errors import LLMError
from coach.llm.grounding import Grounding
from coach.llm.inputs import RedactedRequest, retrieve
from coach.llm.schemas import CritiqueOutput, LLMFinding, RewriteOutput
from coach.models import Case, Critique, Finding, Passage

VERDICT_ZH = {"violated": "违反", "applied": "做到", "not_applicable": "不适用"}
CRITICAL = 3


@dataclass
class _Merge:
    findings: list[Finding] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)


class LLMCritic:
    def __init__(self, llm: LLM, critic: Critic, kb: Any = None, k: int = 6, rewrite_rounds: int = 1) -> None:
        self.llm = llm
        self.critic = critic
        self.kb = kb
        self.k = k
        self.rewrite_rounds = rewrite_rounds

    def critique(self, case: Case, rules: Critique | None = None) -> Critique:
        rules = rules or self.critic.critique(case)  # bad input fails here, before anything leaves the process
        try:
            return self._critique(case, rules)
        except LLMError as exc:
            out = rules.model_copy(deep=True)
            out.notices.append(exc.notice)
            return out

    # ----------------------------------------------------------------------------------------------------------

    def _critique(self, case: Case, rules: Critique) -> Critique:
        cited = [c for f in rules.findings for c in f.citations]
        passages = retrieve(self.kb, case, self.k, cited)
        deadline = self.llm.deadline()  # the model calls (retries, re-asks, regenerations) share llm_timeout_s
        req = RedactedRequest()
        inputs = {**req.case(case), "passages": req.passages(passages), "rules_findings": self._rules_lines(rules, req)}
        known = set(self.critic.rubric.principles)
        out: CritiqueOutput = self.llm.structured("critique", inputs, deadline, check=lambda o: _unknown(o, known))
        grounding = Grounding()
        merged = self._merge(case, rules, out.findings, grounding, req, {p.id for p in passages})
        violated = [(f.principle, f.severity) for f in merged.findings if f.verdict == "violated"]
        notices = [*rules.notices, *grounding.notices()]
        if merged.disagreements:
            notices.append("大模型与规则判定不一致：" + "；".join(merged.disagreements) + "。规则发现的违规均已保留。")
        critique = Critique(id=case.id, score=self.critic.rubric.score(violated), mode="llm",
                            violations=[p for p, _ in violated], findings=merged.findings, situation=rules.situation,
                            rewrite=rules.rewrite, notices=notices)
        if critique.violations:
            self._rewrite(case, critique, req.restore(out.rewrite), inputs, req, passages, deadline)
        return critique

    def _rules_lines(self, rules: Critique, req: RedactedRequest) -> list[str]:
        lines = []
        for f in rules.findings:
            ev = f"（证据：「{req.text(f.evidence)}」）" if f.evidence else ""
            lines.append(f"{f.principle}: {f.verdict}{ev}")
        return lines

    def _merge(self, case: Case, rules: Critique, llm_findings: list[LLMFinding], grounding: Grounding,
               req: RedactedRequest, allowed: set[str]) -> _Merge:
        theirs: dict[str, LLMFinding] = {}
        for lf in llm_findings:
            theirs.setdefault(lf.principle, lf)
        merge = _Merge()
        for rf in rules.findings:
            if rf.principle not in theirs:
                merge.findings.append(rf)
                continue
            lf = theirs[rf.principle]
            citations = list(dict.fromkeys([*rf.citations, *grounding.citations(lf.citations, allowed)]))
            span = grounding.evidence(rf.principle, lf.evidence, case.draft, req.restore)
            explanation, suggestion = req.restore(lf.explanation).strip(), req.restore(lf.suggestion).strip()
            merge.findings.append(self._one(rf, lf, span, explanation, suggestion, citations, merge))
        return merge

    def _one(self, rf: Finding, lf: LLMFinding, span: Any, explanation: str, suggestion: str, citations: list[str],
             merge: _Merge) -> Finding:
        ours, model = VERDICT_ZH[rf.verdict], VERDICT_ZH[lf.verdict]
        if rf.verdict == "violated" and lf.verdict == "violated":
            return rf.model_copy(update={"explanation": explanation or rf.explanation,
                                         "suggestion": suggestion or rf.suggestion, "citations": citations})
        if rf.verdict == "violated":
            merge.disagreements.append(f"{rf.principle}（规则：{ours}，大模型：{model}）")
            return rf.model_copy(update={"explanation": f"【大模型认为{model}：{explanation}】规则判定：{rf.explanation}",
                                         "citations": citations})
        if lf.verdict != "violated":
            return rf.model_copy(update={"citations": citations})
        merge.disagreements.append(f"{rf.principle}（规则：{ours}，大模型：{model}）")
        if span is None:  # ungrounded: shown, not scored
            return rf.model_copy(update={
                "explanation": f"【大模型认为违反，但未给出草稿原文证据，未采纳：{explanation}】{rf.explanation}"})
        severity = int(self.critic.rubric.principles.get(rf.principle, {}).get("severity", 2))
        return Finding(principle=rf.principle, verdict="violated", severity=severity, evidence=span.text,
                       start=span.start, end=span.end, explanation=f"【大模型补充】{explanation}",
                       suggestion=suggestion, citations=citations)

    def _rewrite(self, case: Case, critique: Critique, rewrite: str, inputs: dict[str, Any], req: RedactedRequest,
                 passages: list[Passage], deadline: Deadline) -> None:
        """Verify the model's rewrite with the rules critic; regenerate while it still violates (bounded)."""
        rounds = 0
        while rewrite.strip():
            check = self.critic.critique(case.model_copy(update={"draft": rewrite}))
            left = [f for f in check.findings if f.verdict == "violated"]
            if not left:
                critique.rewrite = rewrite
                return
            if rounds >= self.rewrite_rounds or deadline.expired:
                break
            rounds += 1
            problems = [f"{f.principle}：{req.text(f.explanation)}" for f in left]
            redo_inputs = {k: inputs[k] for k in ("customer", "context", "passages")}
            try:
                redo: RewriteOutput = self.llm.structured(
                    "rewrite", {**redo_inputs, "draft": req.text(rewrite), "problems": problems}, deadline)
            except LLMError as exc:
                critique.notices.append("改写再生成失败：" + exc.notice)
                break
            rewrite = req.restore(redo.rewrite)
        else:
            return  # the model gave no rewrite: keep the rules one
        if any(f.severity >= CRITICAL for f in left):
            critique.notices.append("大模型改写仍违反关键原则（" + "、".join(f.principle for f in left)
                                    + "），未采用，显示规则模式改写。")
            return
        critique.rewrite = rewrite
        critique.notices.append("建议改写仍有待改进：" + "；".join(f"{f.principle}：{f.explanation}" for f in left))


def _unknown(out: CritiqueOutput, known: set[str]) -> list[str]:
    bad = sorted({f.principle for f in out.findings if f.principle not in known})
    return [f"findings 里有未知的原则 id：{', '.join(bad)}；只能使用：{', '.join(sorted(known))}"] if bad else []
