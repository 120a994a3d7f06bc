"""The simulated customer: turns the state machine's result into the customer's words.

The engine (coach.roleplay.engine) decides everything that matters — mood, trust, which hidden facts are released,
whether the conversation ends — from the critic's verdicts. A Customer only speaks. So the scripted customer (this
module) and the LLM customer (coach.llm.adapters.LLMCustomer, registered here as "llm") are interchangeable and
driven by the same meter. `choose_customer` picks one for a new session from COACH_ROLEPLAY_CUSTOMER.

`view.brief()` is everything an LLM customer may know this turn: the persona, the mood band and what moved it,
the facts the trainee has uncovered (never the hidden ones still to be found), the goal and what to do now. A
customer that raises CoachError is replaced by the scripted one for that turn (the session never stalls).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from coach.errors import InputError
from coach.models import Turn
from coach.roleplay.engine import Effects, SessionState
from coach.roleplay.meter import CommonLines, MeterConfig
from coach.roleplay.scenario import BANDS, BandLines, Scenario


@dataclass(frozen=True)
class CustomerView:
    scenario: Scenario
    meter: MeterConfig
    state: SessionState           # after this turn
    transcript: Sequence[Turn]    # the conversation so far, the trainee's latest turn last
    effects: Effects | None       # None for the opening line
    seed: str

    def brief(self) -> dict[str, Any]:
        """What the customer knows and feels now (for an LLM persona prompt). Hidden facts not yet uncovered
        are deliberately absent: a prompt cannot leak what it never contains."""
        sc, st = self.scenario, self.state
        band = self.meter.band(st.mood)
        e = self.effects
        return {
            "persona": sc.persona.model_dump(), "product": sc.product_name, "order": sc.order.model_dump(),
            "goal": sc.goal.description, "scene": sc.scene,
            "mood": st.mood, "trust": st.trust, "band": band.id, "band_label": band.label,
            "revealed_facts": [sc.fact(f).fact for f in st.revealed],
            "reveal_now": [sc.fact(f).fact for f in (e.revealed if e else [])],
            "react_to": e.reaction if e else None,
            "caught": [sc.trap(t).note for t in (e.traps if e else [])],
            "offer_made": st.offer_made,
            "outcome": e.outcome if e else None,
            "turn": st.turn, "max_turns": sc.end.max_turns,
        }


class Customer(Protocol):
    mode: str

    def opening(self, view: CustomerView) -> str: ...

    def reply(self, view: CustomerView) -> str: ...


def band_lines(lines: BandLines, band: str) -> list[str]:
    """The variants for a mood band: its own, else the 'any' list, else the nearest band's."""
    if band in lines:
        return lines[band]  # type: ignore[index]
    if "any" in lines:
        return lines["any"]
    order = list(BANDS)
    pos = order.index(band) if band in order else 0
    nearest = sorted((b for b in lines if b in order), key=lambda b: (abs(order.index(b) - pos), order.index(b)))
    return lines[nearest[0]]  # type: ignore[index]


class ScriptedCustomer:
    """Lines from the scenario file, chosen by a seeded RNG per turn; a line already said is avoided while
    another variant is left, so two sessions with one seed are identical and one session rarely repeats."""

    mode = "scripted"

    def __init__(self, common: CommonLines) -> None:
        self.common = common

    def opening(self, view: CustomerView) -> str:
        return self._pick(view, "opening", band_lines(view.scenario.lines.opening, self._band(view)))

    def reply(self, view: CustomerView) -> str:
        e, sc = view.effects, view.scenario
        if e is None:
            return self.opening(view)
        if e.outcome:
            return self._pick(view, "end", sc.lines.end[e.outcome])
        parts = []
        if e.traps:  # the customer caught a specific wrong promise: that is what they answer first
            parts.append(self._pick(view, "trap", sc.trap(e.traps[0]).lines))
        elif e.reaction:
            options = sc.lines.reactions.get(e.reaction) or self.common.reactions.get(e.reaction)
            if options:
                parts.append(self._pick(view, "reaction", options))
        for fid in e.revealed:
            parts.append(self._pick(view, f"fact:{fid}", sc.fact(fid).lines))
        if not parts:
            if view.state.offer_made:
                pending = sc.lines.offer_pending or self.common.offer_pending
                parts.append(self._pick(view, "offer", band_lines(pending, self._band(view))))
            else:
                parts.append(self._pick(view, "follow", band_lines(sc.lines.follow_up, self._band(view))))
        return "".join(parts)

    def _band(self, view: CustomerView) -> str:
        return view.meter.band(view.state.mood).id

    def _pick(self, view: CustomerView, slot: str, options: Sequence[str]) -> str:
        said = "\n".join(t.text for t in view.transcript if t.role == "customer")
        fresh = [o for o in options if o not in said] or list(options)
        rng = random.Random(f"{view.seed}|{view.scenario.id}|{view.state.turn}|{slot}")
        return rng.choice(fresh)


@dataclass(frozen=True)
class CustomerDeps:
    """What a customer factory gets: the shared lines, and the service container (an LLM customer takes its
    chat model and prompt files from there)."""

    common: CommonLines
    services: Any = None


CustomerFactory = Callable[[CustomerDeps], Customer]


def _llm_customer(deps: CustomerDeps) -> Customer:
    # imported on use: rules mode never loads the LLM stack
    from coach.llm.adapters import LLMCustomer

    return LLMCustomer.factory(deps)


_FACTORIES: dict[str, CustomerFactory] = {"scripted": lambda deps: ScriptedCustomer(deps.common)}


def register_customer(mode: str, factory: CustomerFactory) -> None:
    """Make a customer mode available to new sessions (the LLM mode registers itself here)."""
    _FACTORIES[mode] = factory


register_customer("llm", _llm_customer)
NO_LLM = "未配置大模型（或大模型不可用），模拟顾客使用脚本台词。"


def choose_customer(requested: str | None, setting: str, llm_ready: bool) -> tuple[str, list[str]]:
    """The customer mode of a new session and any notice: an explicit request wins, else the setting (auto = the
    LLM customer when an LLM is configured). Asking for the LLM customer without an LLM gets the scripted one and
    says so, rather than a session whose every turn falls back."""
    mode = requested or setting
    if mode == "auto":
        return ("llm" if llm_ready else "scripted"), []
    if mode == "llm" and not llm_ready:
        return "scripted", [NO_LLM]
    return mode, []


def customer_modes() -> list[str]:
    return sorted(_FACTORIES)


def make_customer(mode: str, deps: CustomerDeps) -> Customer:
    factory = _FACTORIES.get(mode)
    if factory is None:
        raise InputError(f"unknown customer mode {mode!r}; available: {', '.join(customer_modes())}")
    return factory(deps)
