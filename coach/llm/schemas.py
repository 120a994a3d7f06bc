"""What the model must answer: pydantic models, sent as JSON schema (or spelled out in the prompt for JSON mode) and
validated on the way back. Field descriptions are part of the prompt, so they say what a good value is."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["applied", "violated", "not_applicable"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")  # tolerate chatty extra keys; the fields we need are validated


class LLMFinding(_Out):
    principle: str = Field(description="原则 id，必须是给定原则列表中的一个")
    verdict: Verdict = Field(description="applied=做到 / violated=违反 / not_applicable=不适用")
    evidence: str = Field("", description="violated 时必填：从草稿中逐字复制的原文片段（不改一个字）；否则为空")
    explanation: str = Field("", description="为什么这样判定（中文，一两句）")
    suggestion: str = Field("", description="violated 时：具体怎么改（中文）")
    citations: list[str] = Field(default_factory=list, description="依据的知识库段落 id（只能用给定段落的 id）")


class CritiqueOutput(_Out):
    findings: list[LLMFinding] = Field(description="每条原则一个判定")
    rewrite: str = Field("", description="改写后的完整回复（中文）；草稿没有问题时为空字符串")


class RewriteOutput(_Out):
    rewrite: str = Field(description="改写后的完整回复（中文）")


class DraftOutput(_Out):
    draft: str = Field(description="给顾客的完整回复（中文）")
    citations: list[str] = Field(default_factory=list, description="回复中事实所依据的知识库段落 id")


class Judgement(_Out):
    principle: str
    verdict: Verdict
    evidence: str = Field("", description="violated 时从草稿逐字复制的片段")
    reason: str = ""


class JudgeOutput(_Out):
    judgements: list[Judgement]


OUTPUTS: dict[str, type[BaseModel]] = {
    "CritiqueOutput": CritiqueOutput,
    "RewriteOutput": RewriteOutput,
    "DraftOutput": DraftOutput,
    "JudgeOutput": JudgeOutput,
}
