"""The data contract shared by the critic, retrieval, drafting, roleplay, eval and the API.

Field names follow shared/design/interfaces.md (the case schema and the critique output object); outside tools rely
on them, so rename nothing here without keeping the old form working.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Verdict = Literal["applied", "violated", "not_applicable"]
Role = Literal["customer", "agent"]
Mode = Literal["rules", "llm"]


class Turn(BaseModel):
    role: Role
    text: str


class Order(BaseModel):
    """Order facts as a shop tool would pass them; unknown keys are kept (e.g. tracking, paid_at)."""

    model_config = ConfigDict(extra="allow")
    order_id: str | None = None
    product_id: str | None = None
    status: str | None = None


class Case(BaseModel):
    """One conversation moment: the customer's latest message and the agent's draft (interfaces.md §2)."""

    model_config = ConfigDict(extra="allow")
    id: str = ""
    scene: str | None = None
    context: list[Turn] = Field(default_factory=list)
    customer: str = ""
    order: Order | None = None
    draft: str = ""
    violations: list[str] | None = None
    notes: str | None = None

    @field_validator("order", mode="before")
    @classmethod
    def _empty_order_is_none(cls, v: Any) -> Any:
        return None if v in ({}, "", None) else v


class Passage(BaseModel):
    """A retrieved knowledge-base chunk. `id` is the citation id, e.g. `policy:returns#3`."""

    id: str
    doc_id: str
    type: str  # policy | promotion | product | template | document
    title: str = ""
    section: str = ""
    text: str
    source: str = ""
    sku: str | None = None
    effective_from: str | None = None
    effective_to: str | None = None
    score: float = 0.0


class Finding(BaseModel):
    principle: str
    verdict: Verdict
    severity: int = 1
    evidence: str = ""
    start: int | None = None
    end: int | None = None
    explanation: str = ""
    suggestion: str = ""
    citations: list[str] = Field(default_factory=list)


class Situation(BaseModel):
    """What the critic understood before judging: it decides which principles apply."""

    scene: str
    emotion: str  # neutral | worried | frustrated | angry
    first_reply: bool
    price_objection: bool = False
    after_sales: bool = False
    missing_info: list[str] = Field(default_factory=list)


class Critique(BaseModel):
    id: str = ""
    score: int
    mode: Mode = "rules"
    violations: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    situation: Situation | None = None
    rewrite: str | None = None
    notices: list[str] = Field(default_factory=list)
    error: str | None = None

    def public(self) -> dict[str, Any]:
        """The critique output object of interfaces.md, plus the optional extras."""
        return self.model_dump(mode="json", exclude_none=True)
