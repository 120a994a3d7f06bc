"""A roleplay scenario as data (prompts/scenarios/*.yaml): who the customer is, what the order is, what they hide,
what they want, when the conversation ends, and what they say in each state and mood.

Validated strictly at load time (unknown keys are typos, regexes must compile, referenced ids must exist) so a
trainer's mistake is reported with its line instead of surfacing mid-session.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from coach.critic.rubric import CANONICAL
from coach.critic.situation import SCENES

Band = Literal["angry", "upset", "neutral", "pleased"]
BANDS: tuple[Band, ...] = ("angry", "upset", "neutral", "pleased")
Emotion = Literal["angry", "frustrated", "worried", "neutral", "calm"]
Outcome = Literal["resolved", "escalated", "gave_up", "turn_limit"]
OUTCOMES: tuple[Outcome, ...] = ("resolved", "escalated", "gave_up", "turn_limit")
SLUG = r"^[a-z][a-z0-9_]{1,48}$"
MAX_LINE_CHARS = 300

Line = Annotated[str, Field(min_length=1, max_length=MAX_LINE_CHARS)]


def _principles(info: ValidationInfo) -> set[str]:
    ctx = info.context or {}
    return set(ctx.get("principles") or CANONICAL)


def _variants(lines: list[str], what: str) -> list[str]:
    """Several distinct variants: the scripted customer must not repeat itself word for word."""
    cleaned = [s.strip() for s in lines]
    if len(cleaned) < 2:
        raise ValueError(f"{what} needs at least 2 variants (got {len(cleaned)})")
    if any(not s for s in cleaned):
        raise ValueError(f"{what} has an empty line")
    if len(set(cleaned)) != len(cleaned):
        raise ValueError(f"{what} repeats a variant")
    return cleaned


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression ({exc})") from None
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Persona(Strict):
    name: str = Field(min_length=1, max_length=20)
    emotion: Emotion
    patience: int = Field(ge=1, le=5, description="1 = leaves after two unhelpful replies, 5 = very patient")
    trust: int = Field(ge=0, le=100, description="initial trust in the shop, 0–100")
    rights_awareness: int = Field(ge=1, le=5, description="how well they know consumer rights and shop policy")
    speaking_style: str = Field(min_length=2, max_length=200)


class OrderFacts(BaseModel):
    """The order as the shop system shows it; extra keys (paid_at, carrier, …) are passed on to the critic."""

    model_config = ConfigDict(extra="allow", frozen=True)
    order_id: str = Field(min_length=1, max_length=40)
    product_id: str = Field(pattern=r"^[A-Z]{2}-[A-Z]{2}-\d{3}$")
    status: str = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _scalar_extras(self) -> OrderFacts:
        for key, value in (self.model_extra or {}).items():
            if not isinstance(value, (str, int, float, bool)):
                raise ValueError(f"order.{key} must be a plain value (text or number)")
        return self


class HiddenFact(Strict):
    id: str = Field(pattern=SLUG)
    fact: str = Field(min_length=2, max_length=300, description="what is true, for the trainer and the debrief")
    trigger: str = Field(min_length=1, description="regex on the trainee's turn: the question that reveals it")
    lines: list[Line]
    mood: int = Field(0, ge=-50, le=50)
    trust: int = Field(0, ge=-50, le=50)

    _trigger = field_validator("trigger")(_regex)

    @field_validator("lines")
    @classmethod
    def _lines(cls, v: list[str]) -> list[str]:
        return _variants(v, "a hidden fact's lines")


class Trap(Strict):
    """A wrong promise or red-line move this customer recognises (from the shop's own pages or experience).
    It adds to the critic's verdicts: the customer reacts even where a generic rule cannot know the fact."""

    id: str = Field(pattern=SLUG)
    pattern: str = Field(min_length=1, description="regex on the trainee's turn")
    note: str = Field(min_length=2, max_length=300, description="what is wrong, shown to the trainee")
    lines: list[Line]
    mood: int = Field(-10, ge=-100, le=0)
    trust: int = Field(-15, ge=-100, le=0)
    escalate: bool = False

    _pattern = field_validator("pattern")(_regex)

    @field_validator("lines")
    @classmethod
    def _lines(cls, v: list[str]) -> list[str]:
        return _variants(v, "a trap's lines")


class Goal(Strict):
    description: str = Field(min_length=2, max_length=300)
    accepts: str = Field(min_length=1, description="regex on the trainee's turn: an offer the customer accepts")

    _accepts = field_validator("accepts")(_regex)


class EndConditions(Strict):
    max_turns: int = Field(ge=2, le=40)
    resolve_mood: int = Field(65, ge=0, le=100)
    resolve_trust: int = Field(50, ge=0, le=100)
    requires_offer: bool = True
    requires_facts: list[str] = Field(default_factory=list)
    escalate_mood: int = Field(5, ge=0, le=100, description="mood at or below this after a turn: escalated")
    escalate_on: list[str] = Field(default_factory=list, description="violating any of these principles escalates")

    @field_validator("escalate_on")
    @classmethod
    def _known(cls, v: list[str], info: ValidationInfo) -> list[str]:
        unknown = [p for p in v if p not in _principles(info)]
        if unknown:
            raise ValueError(f"unknown principle id(s): {', '.join(unknown)}")
        return v


def _band_lines(value: Any) -> Any:
    # A plain list means "the same variants in every mood": stored under the key "any".
    return {"any": value} if isinstance(value, list) else value


BandLines = dict[Literal["any", "angry", "upset", "neutral", "pleased"], list[Line]]


def _band_variants(v: BandLines | None) -> BandLines | None:
    if v is None:
        return v
    if not v:
        raise ValueError("give a list of lines, or lines per mood band (angry, upset, neutral, pleased)")
    return {band: _variants(lines, f"band {band!r}") for band, lines in v.items()}


class Lines(Strict):
    opening: BandLines
    follow_up: BandLines
    offer_pending: BandLines | None = None
    reactions: dict[str, list[Line]] = Field(default_factory=dict)
    end: dict[Outcome, list[Line]]

    @field_validator("opening", "follow_up", "offer_pending", mode="before")
    @classmethod
    def _lists_are_any(cls, v: Any) -> Any:
        return _band_lines(v)

    @field_validator("opening", "follow_up", "offer_pending")
    @classmethod
    def _each_band(cls, v: BandLines | None) -> BandLines | None:
        return _band_variants(v)

    @field_validator("follow_up")
    @classmethod
    def _all_bands(cls, v: BandLines) -> BandLines:
        missing = [b for b in BANDS if b not in v] if "any" not in v else []
        if missing:
            raise ValueError(f"follow_up has no lines for mood band(s) {', '.join(missing)} (or give an 'any' list)")
        return v

    @field_validator("reactions")
    @classmethod
    def _reactions(cls, v: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        unknown = [p for p in v if p not in _principles(info)]
        if unknown:
            raise ValueError(f"reactions to unknown principle id(s): {', '.join(unknown)}")
        return {p: _variants(lines, f"reactions.{p}") for p, lines in v.items()}

    @field_validator("end")
    @classmethod
    def _ends(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        missing = [o for o in OUTCOMES if o not in v]
        if missing:
            raise ValueError(f"end lines missing for: {', '.join(missing)}")
        return {o: _variants(lines, f"end.{o}") for o, lines in v.items()}


class Delta(Strict):
    mood: int = Field(0, ge=-100, le=100)
    trust: int = Field(0, ge=-100, le=100)


class VerdictWeights(Strict):
    applied: Delta = Field(default_factory=lambda: Delta(mood=0, trust=0))
    violated: Delta = Field(default_factory=lambda: Delta(mood=0, trust=0))


class Scenario(Strict):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=2, max_length=60)
    scene: str
    stage: Literal["presale", "insale", "aftersale"]
    difficulty: int = Field(ge=1, le=5)
    focus: list[str] = Field(min_length=1, description="the principles this scenario trains")
    product_name: str = Field(min_length=2, max_length=80)
    briefing: str = Field(min_length=2, max_length=600, description="what the trainee sees before the first turn")
    persona: Persona
    order: OrderFacts
    goal: Goal
    hidden_facts: list[HiddenFact] = Field(default_factory=list)
    traps: list[Trap] = Field(default_factory=list)
    end: EndConditions
    lines: Lines
    weights: dict[str, VerdictWeights] = Field(default_factory=dict, description="overrides of the meter weights")

    @field_validator("scene")
    @classmethod
    def _scene(cls, v: str) -> str:
        if v not in SCENES:
            raise ValueError(f"unknown scene {v!r}; use one of: {', '.join(SCENES)}")
        return v

    @field_validator("focus", "weights")
    @classmethod
    def _principle_ids(cls, v: Any, info: ValidationInfo) -> Any:
        unknown = [p for p in v if p not in _principles(info)]
        if unknown:
            raise ValueError(f"unknown principle id(s): {', '.join(unknown)}")
        return v

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        for name, items in (("hidden_facts", self.hidden_facts), ("traps", self.traps)):
            ids = [x.id for x in items]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{name}: duplicate id(s) {', '.join(dupes)}")
        ids = [f.id for f in self.hidden_facts]
        unknown = [f for f in self.end.requires_facts if f not in ids]
        if unknown:
            raise ValueError(f"end.requires_facts names no hidden fact: {', '.join(unknown)}")
        if self.end.resolve_mood <= self.end.escalate_mood:
            raise ValueError("end.resolve_mood must be above end.escalate_mood")
        return self

    def fact(self, fact_id: str) -> HiddenFact:
        return next(f for f in self.hidden_facts if f.id == fact_id)

    def trap(self, trap_id: str) -> Trap:
        return next(t for t in self.traps if t.id == trap_id)

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "scene": self.scene, "stage": self.stage,
                "difficulty": self.difficulty, "focus": list(self.focus), "product": self.product_name,
                "sku": self.order.product_id, "persona": self.persona.name, "emotion": self.persona.emotion}
