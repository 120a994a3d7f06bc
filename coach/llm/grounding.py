"""Grounding validators: a model's evidence must be a verbatim span of the draft, and its citations must be passages
retrieved for this very call. What fails is dropped and said (a notice), never silently kept or silently lost."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from coach.llm.prompts import unescape_value

_QUOTES = "「」『』“”\"'‘’ \t\n"


@dataclass
class Span:
    start: int
    end: int
    text: str


def find_evidence(evidence: str, draft: str, restore: Callable[[str], str] = lambda s: s) -> Span | None:
    """Where the model's evidence occurs in the (original, unredacted) draft, or None.

    The model saw the draft redacted (placeholders) and with <, >, & escaped: both are undone before matching, so a
    span that quotes ⟦手机号1⟧ matches the real number in the draft. Only surrounding quote marks are forgiven."""
    text = restore(unescape_value(evidence)).strip(_QUOTES)
    if not text:
        return None
    i = draft.find(text)
    return Span(i, i + len(text), text) if i >= 0 else None


@dataclass
class Grounding:
    """Collects what was dropped while grounding one answer; `notices()` says it in one line per kind."""

    dropped_evidence: list[str] = field(default_factory=list)
    dropped_citations: list[str] = field(default_factory=list)

    def citations(self, cited: Collection[str], allowed: Collection[str]) -> list[str]:
        kept = [c for c in dict.fromkeys(cited) if c in allowed]
        self.dropped_citations += [c for c in cited if c not in allowed]
        return kept

    def evidence(self, principle: str, evidence: str, draft: str, restore: Callable[[str], str]) -> Span | None:
        if not evidence.strip():
            return None
        span = find_evidence(evidence, draft, restore)
        if span is None:
            self.dropped_evidence.append(principle)
        return span

    def notices(self) -> list[str]:
        out = []
        if self.dropped_evidence:
            out.append("大模型给出的部分证据不是草稿原文，已删除（" + "、".join(dict.fromkeys(self.dropped_evidence))
                       + "）。")
        if self.dropped_citations:
            out.append("大模型引用了本次未检索到的知识库段落，已删除（" + "、".join(dict.fromkeys(self.dropped_citations))
                       + "）。")
        return out
