"""Data shapes of drafting: the request, a candidate reply, and the result shown to the agent (interfaces.md §3)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from coach.models import Critique, Mode, Order, Turn


class DraftRequest(BaseModel):
    customer: str
    context: list[Turn] = Field(default_factory=list)
    order: Order | None = None
    scene: str | None = None  # optional hint; by default the critic's own scene detection decides


class FactUse(BaseModel):
    name: str
    value: str
    citation: str


class Candidate(BaseModel):
    """One reply a strategy proposes; the drafter verifies it with the critic before anyone sees it."""

    text: str
    citations: list[str] = Field(default_factory=list)
    template: str = ""
    facts: list[FactUse] = Field(default_factory=list)


class Attempt(BaseModel):
    template: str
    violations: list[str]


class DraftResult(BaseModel):
    draft: str
    citations: list[str] = Field(default_factory=list)
    critique: Critique
    mode: Mode = "rules"
    scene: str = ""  # the scene whose templates were used (the critic's own reading is critique.situation.scene)
    template: str = ""
    facts: list[FactUse] = Field(default_factory=list)
    attempts: list[Attempt] = Field(default_factory=list)  # candidates rejected before this one, and why
    notices: list[str] = Field(default_factory=list)

    def public(self) -> dict[str, Any]:
        """{"draft", "citations", "critique", "mode"} of interfaces.md §3, plus the optional extras."""
        out = self.model_dump(mode="json", exclude={"critique"})
        out["critique"] = self.critique.public()
        return out


class DraftChunk(BaseModel):
    """Streaming (LLM mode): the next piece of the preview, already passed by the critic on the critical principles
    together with everything shown before it. Append it to the preview."""

    text: str


class DraftFinal(BaseModel):
    """Streaming: the verified result, always the last event. When `replaces_preview`, the UI replaces the preview
    with `result.draft` (the streamed draft was regenerated, or the template draft is shown with a notice)."""

    result: DraftResult
    replaces_preview: bool = False
