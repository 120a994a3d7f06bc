"""The mood/trust meter's settings (prompts/roleplay/meter.yaml) and the shared customer lines
(prompts/roleplay/lines.yaml): how much each critic verdict moves the customer, as data a trainer can tune."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from coach.roleplay.scenario import (
    BANDS,
    Band,
    BandLines,
    Delta,
    Emotion,
    Line,
    Strict,
    Trap,
    VerdictWeights,
    _band_lines,
    _band_variants,
    _principles,
    _variants,
)
from coach.roleplay.yamlfile import load_model


class BandDef(Strict):
    id: Band
    min: int = Field(ge=0, le=100)
    label: str = Field(min_length=1)


class Events(Strict):
    offer: Delta = Field(description="the trainee offers what the customer wants (goal.accepts), first time")
    repeated: Delta = Field(description="the trainee repeats an earlier turn word for word")


class MeterConfig(Strict):
    bands: list[BandDef]
    initial_mood: dict[Emotion, int]
    patience_turns: dict[int, int] = Field(description="persona patience 1–5 → unhelpful turns tolerated")
    rights_factor: dict[int, float] = Field(description="persona rights awareness 1–5 → penalty multiplier")
    rights_principles: list[str]
    verdicts: dict[str, VerdictWeights]
    events: Events

    @field_validator("rights_principles", "verdicts")
    @classmethod
    def _principle_ids(cls, v: Any, info: ValidationInfo) -> Any:
        unknown = [p for p in v if p not in _principles(info)]
        if unknown:
            raise ValueError(f"unknown principle id(s): {', '.join(unknown)}")
        return v

    @model_validator(mode="after")
    def _complete(self) -> MeterConfig:
        if [b.id for b in self.bands] != list(BANDS) or self.bands[0].min != 0:
            raise ValueError(f"bands must be {', '.join(BANDS)} in that order, the first starting at 0")
        if any(a.min >= b.min for a, b in zip(self.bands, self.bands[1:], strict=False)):
            raise ValueError("band thresholds must increase")
        for name, table in (("patience_turns", self.patience_turns), ("rights_factor", self.rights_factor)):
            if sorted(table) != [1, 2, 3, 4, 5]:
                raise ValueError(f"{name} needs an entry for each level 1–5")
        missing = [e for e in ("angry", "frustrated", "worried", "neutral", "calm") if e not in self.initial_mood]
        if missing:
            raise ValueError(f"initial_mood lacks {', '.join(missing)}")
        return self

    def band(self, mood: int) -> BandDef:
        return [b for b in self.bands if mood >= b.min][-1]

    def weights(self, principle: str, overrides: dict[str, VerdictWeights]) -> VerdictWeights:
        return overrides.get(principle) or self.verdicts.get(principle) or VerdictWeights()


class CommonLines(Strict):
    """Lines any customer may say; a scenario's own `lines.reactions` / `offer_pending` take precedence."""

    reactions: dict[str, list[Line]]
    offer_pending: BandLines
    traps: list[Trap] = Field(default_factory=list)

    @field_validator("offer_pending", mode="before")
    @classmethod
    def _lists_are_any(cls, v: Any) -> Any:
        return _band_lines(v)

    @field_validator("offer_pending")
    @classmethod
    def _each_band(cls, v: BandLines) -> BandLines:
        checked = _band_variants(v)
        assert checked is not None
        return checked

    @field_validator("reactions")
    @classmethod
    def _reactions(cls, v: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        unknown = [p for p in v if p not in _principles(info)]
        if unknown:
            raise ValueError(f"reactions to unknown principle id(s): {', '.join(unknown)}")
        return {p: _variants(lines, f"reactions.{p}") for p, lines in v.items()}


def load_meter(path: Path, principles: set[str] | None = None) -> MeterConfig:
    return load_model(path, MeterConfig, {"principles": principles} if principles else None)


def load_common_lines(path: Path, principles: set[str] | None = None) -> CommonLines:
    return load_model(path, CommonLines, {"principles": principles} if principles else None)
