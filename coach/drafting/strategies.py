"""Drafting strategies: each proposes candidate replies from the same Grounding; the Drafter verifies them all.

`RulesStrategy` fills the trainers' templates (rules mode, offline). An LLM strategy (issue 5) implements the same
`DraftStrategy` protocol — e.g. generate from `grounding.values`/`grounding.facts` with citations — and the Drafter
runs its candidates through the very same critic check before rules candidates are tried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Protocol

from jinja2 import TemplateError as JinjaError

from coach.drafting.grounding import Grounding
from coach.drafting.models import Candidate, FactUse
from coach.drafting.templates import Library, Template
from coach.models import Mode

log = logging.getLogger(__name__)
SNIPPETS = ("opening", "ack", "closing")
HOLDING = "common.holding"


class DraftStrategy(Protocol):
    name: Mode

    def candidates(self, grounding: Grounding) -> Iterator[Candidate]:
        """Candidate replies, best first. The Drafter stops pulling once one is clean (bounded)."""
        ...


class RulesStrategy:
    name: Mode = "rules"

    def __init__(self, library: Library) -> None:
        self.library = library

    def candidates(self, grounding: Grounding) -> Iterator[Candidate]:
        values = self.values(grounding)
        for t in self.library.for_scene(grounding.scene):
            cand = self._try(t, values, grounding)
            if cand is not None:
                yield cand

    def holding(self, grounding: Grounding) -> Candidate | None:
        """The safe reply when no template fits or none passes: acknowledge, ask, promise a check-back."""
        return self._try(self.library.get(HOLDING), self.values(grounding), grounding)

    def values(self, grounding: Grounding) -> dict[str, object]:
        values = dict(grounding.values)
        for name in SNIPPETS:  # common.opening etc. are templates too: trainers word them per emotion/scene
            t = self.library.get(f"common.{name}")
            text = self._render(t, values, grounding)
            values[name] = text if text is not None else ""
        return values

    def _try(self, t: Template, values: dict[str, object], g: Grounding) -> Candidate | None:
        if any(values.get(v) is None for v in t.variables):
            return None  # a needed fact/value is missing: this branch cannot be written truthfully
        try:
            if not self.library.condition(t, values, g.said):
                return None
        except (JinjaError, TypeError, ValueError) as exc:
            log.warning("template %s: condition failed: %s", t.id, type(exc).__name__)
            return None
        text = self._render(t, values, g)
        if not text:
            return None
        uses = self.library.uses(t)
        facts = [FactUse(name=n, value=f.value, citation=f.citation) for n, f in g.facts.items()
                 if (n in uses and f.citation in g.cited(text, {n})) or n in t.cites]
        citations = g.cited(text, uses)
        citations += [f.citation for f in facts if f.name in t.cites and f.citation not in citations]
        return Candidate(text=text, citations=citations, template=t.id, facts=facts)

    def _render(self, t: Template, values: dict[str, object], g: Grounding) -> str | None:
        try:
            return self.library.render(t, values, g.said)
        except (JinjaError, TypeError, ValueError, KeyError, AttributeError) as exc:
            # a value of an unexpected shape; logged without values (they may hold customer data)
            log.warning("template %s could not be rendered: %s", t.id, type(exc).__name__)
            return None
