"""One problem the claim checker found in a draft."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Issue:
    principle: str
    span: tuple[int, int]
    explanation: str
    suggestion: str
    citations: list[str] = field(default_factory=list)
    fix: tuple[str, str] | None = None  # (wrong text, right text) for the rules-mode rewrite
    concrete: str = ""  # for urgency: the checkable fact it gets wrong (then it is also a policy_accuracy issue)
