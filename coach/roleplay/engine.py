"""The scenario state machine: one trainee turn + the critic's verdicts → new mood/trust, released hidden facts,
offer made or not, and whether the conversation ends.

Pure and deterministic (no I/O, no randomness): the same state, text and critique always give the same result,
which is what lets a session be resumed from its stored state and a script be replayed under a seed. The
customer's words are chosen afterwards by a Customer (scripted or LLM) from this result.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, Field

from coach.models import Critique
from coach.roleplay.meter import MeterConfig
from coach.roleplay.scenario import Outcome, Scenario

Status = Literal["active", "resolved", "escalated", "gave_up", "turn_limit", "abandoned"]
OUTCOME_LABELS = {"active": "进行中", "resolved": "已解决", "escalated": "升级投诉", "gave_up": "顾客放弃",
                  "turn_limit": "超出轮数", "abandoned": "中途结束"}
_PUNCT = re.compile(r"[\s~～!！?？。，,.、…:：;；\"'“”‘’()（）\[\]【】<>《》-]+")


class SessionState(BaseModel):
    mood: int
    trust: int
    patience_left: int
    turn: int = 0
    revealed: list[str] = Field(default_factory=list)
    offer_made: bool = False
    status: Status = "active"
    cause: str | None = None  # why it ended, e.g. "violated:privacy" or "mood"
    last_customer: str = ""
    seen: list[str] = Field(default_factory=list)  # fingerprints of earlier trainee turns

    @property
    def ended(self) -> bool:
        return self.status != "active"


class Change(BaseModel):
    source: str          # "empathy:applied", "offer", "fact:<id>", "repeated"
    mood: int = 0
    trust: int = 0
    reason: str = ""     # a short Chinese explanation shown to the trainee


class Effects(BaseModel):
    """What one trainee turn did to the customer; the Customer turns it into words."""

    changes: list[Change] = Field(default_factory=list)
    mood_before: int
    mood_after: int
    trust_before: int
    trust_after: int
    revealed: list[str] = Field(default_factory=list)
    traps: list[str] = Field(default_factory=list)
    offer: bool = False
    repeated: bool = False
    progress: bool = False
    reaction: str | None = None   # the violated principle the customer reacts to
    outcome: Outcome | None = None


def initial_state(scenario: Scenario, meter: MeterConfig) -> SessionState:
    persona = scenario.persona
    return SessionState(mood=meter.initial_mood[persona.emotion], trust=persona.trust,
                        patience_left=meter.patience_turns[persona.patience])


def fingerprint(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text)).lower()


def _clamp(v: float) -> int:
    return int(max(0, min(100, round(v))))


def verdict_changes(scenario: Scenario, meter: MeterConfig, critique: Critique, repeated: bool) -> list[Change]:
    factor = meter.rights_factor[scenario.persona.rights_awareness]
    out = []
    for f in critique.findings:
        if f.verdict == "not_applicable":
            continue
        w = getattr(meter.weights(f.principle, scenario.weights), f.verdict)
        scale = factor if f.verdict == "violated" and f.principle in meter.rights_principles else 1.0
        mood, trust = w.mood * scale, w.trust * scale
        if repeated:  # a pasted repeat earns nothing; its faults still count
            mood, trust = min(mood, 0), min(trust, 0)
        if round(mood) or round(trust):
            out.append(Change(source=f"{f.principle}:{f.verdict}", mood=round(mood), trust=round(trust),
                              reason=("做到" if f.verdict == "applied" else "违反") + f" {f.principle}"))
    return out


def advance(scenario: Scenario, meter: MeterConfig, state: SessionState, text: str,
            critique: Critique) -> tuple[SessionState, Effects]:
    """Apply one trainee turn. `state` is not modified; the new state and what happened are returned."""
    fp = fingerprint(text)
    repeated = bool(fp) and fp in state.seen
    changes = verdict_changes(scenario, meter, critique, repeated)
    revealed = [f.id for f in scenario.hidden_facts
                if f.id not in state.revealed and re.search(f.trigger, text, re.I)]
    for fid in revealed:
        fact = scenario.fact(fid)
        changes.append(Change(source=f"fact:{fid}", mood=fact.mood, trust=fact.trust, reason="问到了关键信息"))
    traps = [t for t in scenario.traps if re.search(t.pattern, text, re.I)]
    for trap in traps:
        changes.append(Change(source=f"trap:{trap.id}", mood=trap.mood, trust=trap.trust, reason=trap.note))
    offer = not state.offer_made and not repeated and re.search(scenario.goal.accepts, text, re.I) is not None
    if offer:
        ev = meter.events.offer
        changes.append(Change(source="offer", mood=ev.mood, trust=ev.trust, reason="给出了顾客想要的方案"))
    if repeated:
        ev = meter.events.repeated
        changes.append(Change(source="repeated", mood=ev.mood, trust=ev.trust, reason="重复了之前说过的话"))
    mood = _clamp(state.mood + sum(c.mood for c in changes))
    trust = _clamp(state.trust + sum(c.trust for c in changes))
    progress = mood > state.mood or bool(revealed) or offer
    new = state.model_copy(deep=True, update={
        "mood": mood, "trust": trust, "turn": state.turn + 1,
        "patience_left": state.patience_left - (0 if progress else 1),
        "revealed": [*state.revealed, *revealed], "offer_made": state.offer_made or offer,
        "seen": [*state.seen, fp] if fp and not repeated else list(state.seen)})
    escalating = next((t.id for t in traps if t.escalate), None)
    outcome, cause = ("escalated", f"trap:{escalating}") if escalating else _outcome(scenario, new, critique)
    if outcome:
        new.status, new.cause = outcome, cause
    effects = Effects(changes=changes, mood_before=state.mood, mood_after=mood, trust_before=state.trust,
                      trust_after=trust, revealed=revealed, traps=[t.id for t in traps], offer=offer, repeated=repeated, progress=progress,
                      reaction=_reaction(changes), outcome=outcome)
    return new, effects


def _outcome(scenario: Scenario, s: SessionState, critique: Critique) -> tuple[Outcome | None, str | None]:
    end = scenario.end
    red = [p for p in critique.violations if p in end.escalate_on]
    if red:
        return "escalated", f"violated:{red[0]}"
    if s.mood <= end.escalate_mood:
        return "escalated", "mood"
    if (s.mood >= end.resolve_mood and s.trust >= end.resolve_trust
            and (s.offer_made or not end.requires_offer)
            and all(f in s.revealed for f in end.requires_facts)):
        return "resolved", "goal"
    if s.patience_left <= 0:
        return "gave_up", "patience"
    if s.turn >= end.max_turns:
        return "turn_limit", "max_turns"
    return None, None


def _reaction(changes: list[Change]) -> str | None:
    """The violation that hurt most: what a real customer would pick up on."""
    hurts = [(c.mood + c.trust, c.source.split(":")[0]) for c in changes if c.source.endswith(":violated")]
    hurts = [h for h in hurts if h[0] < 0]
    return min(hurts)[1] if hurts else None
