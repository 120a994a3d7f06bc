"""The drafting golden set (eval/drafting/cases.jsonl) and its metrics.

A case: {"id", "scene", "customer", "context"?, "order"?, "must_contain": [...], "must_not": [...]}. Each entry of
must_contain / must_not is a regular expression (plain text is a valid one: "7天", "1-3个工作日", "订单号|订单编号").

Metrics (issue 6): required-fact recall (matched must_contain over all must_contain), forbidden claims (must_not
matches, should be 0), critic-clean rate (drafts with no violation at all), critical-free rate (no policy_accuracy,
privacy or honest_urgency — the guarantee, should be 1.0), citation validity, scene agreement, latency.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator

from coach.datasets import DatasetError, read_jsonl
from coach.drafting.drafter import CRITICAL
from coach.drafting.models import DraftRequest, DraftResult
from coach.errors import CoachError, InputError
from coach.models import Order, Turn


class DraftCase(BaseModel):
    id: str
    scene: str | None = None
    customer: str
    context: list[Turn] = Field(default_factory=list)
    order: Order | None = None
    must_contain: list[str] = Field(default_factory=list)
    must_not: list[str] = Field(default_factory=list)

    @field_validator("must_contain", "must_not")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for pattern in v:
            re.compile(pattern)  # a bad pattern is a ValidationError naming the field, with the line number
        return v

    @field_validator("order", mode="before")
    @classmethod
    def _empty_order(cls, v: object) -> object:
        return None if v in ({}, "", None) else v

    def request(self) -> DraftRequest:
        return DraftRequest(customer=self.customer, context=self.context, order=self.order)


def load_cases(path: Path) -> list[DraftCase]:
    """Every case of the file, or one InputError listing the bad lines (a golden set must be clean)."""
    cases: list[DraftCase] = []
    errors: list[str] = []
    seen: set[str] = set()
    for n, obj in read_jsonl(path):
        if isinstance(obj, DatasetError):
            errors.append(str(obj))
            continue
        try:
            case = DraftCase.model_validate(obj)
        except (ValidationError, re.error) as exc:
            msg = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": str(exc)}
            errors.append(f"{path.name}:{n}: {'.'.join(str(x) for x in msg['loc'])}: {msg['msg']}")
            continue
        if case.id in seen:
            errors.append(f"{path.name}:{n}: duplicate id {case.id}")
        seen.add(case.id)
        cases.append(case)
    if errors:
        raise InputError(f"{len(errors)} bad line(s) in {path}: " + "; ".join(errors[:5]))
    return cases


@dataclass
class CaseResult:
    case: DraftCase
    result: DraftResult | None
    missing: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    bad_citations: list[str] = field(default_factory=list)
    latency_ms: float = 0.0
    error: str | None = None

    @property
    def clean(self) -> bool:
        return self.result is not None and not self.result.critique.violations

    @property
    def critical_free(self) -> bool:
        return self.result is not None and not CRITICAL & set(self.result.critique.violations)


@dataclass
class DraftingScores:
    n: int
    recall: float
    required: int
    forbidden: int
    clean_rate: float
    critical_free_rate: float
    citation_validity: float
    scene_agreement: float
    errors: int
    results: list[CaseResult]

    def figures(self) -> dict[str, float]:
        return {"n": float(self.n), "required_fact_recall": round(self.recall, 3), "forbidden_claims": float(
            self.forbidden), "critic_clean_rate": round(self.clean_rate, 3),
            "critical_free_rate": round(self.critical_free_rate, 3),
            "citation_validity": round(self.citation_validity, 3), "scene_agreement": round(self.scene_agreement, 3),
            "errors": float(self.errors)}


def score_case(case: DraftCase, result: DraftResult, citation_exists: Callable[[str], bool] | None) -> CaseResult:
    text = result.draft
    return CaseResult(case=case, result=result,
                      missing=[p for p in case.must_contain if not re.search(p, text)],
                      forbidden=[p for p in case.must_not if re.search(p, text)],
                      bad_citations=[c for c in result.citations if citation_exists and not citation_exists(c)])


def run(cases: Sequence[DraftCase], draft: Callable[[DraftRequest], DraftResult],
        citation_exists: Callable[[str], bool] | None = None) -> DraftingScores:
    out: list[CaseResult] = []
    for case in cases:
        t0 = time.perf_counter()
        try:
            result = draft(case.request())
        except CoachError as exc:
            out.append(CaseResult(case=case, result=None, missing=list(case.must_contain), error=str(exc)))
            continue
        scored = score_case(case, result, citation_exists)
        scored.latency_ms = (time.perf_counter() - t0) * 1000
        out.append(scored)
    return summarise(out)


def summarise(out: list[CaseResult]) -> DraftingScores:
    required = sum(len(r.case.must_contain) for r in out)
    found = required - sum(len(r.missing) for r in out)
    cites = [c for r in out if r.result for c in r.result.citations]
    bad = sum(len(r.bad_citations) for r in out)
    labelled = [r for r in out if r.case.scene and r.result]
    agree = sum(1 for r in labelled if r.result and r.result.scene == r.case.scene)
    n = len(out) or 1
    return DraftingScores(
        n=len(out), recall=found / required if required else 1.0, required=required,
        forbidden=sum(len(r.forbidden) for r in out), clean_rate=sum(r.clean for r in out) / n,
        critical_free_rate=sum(r.critical_free for r in out) / n,
        citation_validity=1 - bad / len(cites) if cites else 1.0,
        scene_agreement=agree / len(labelled) if labelled else 1.0, errors=sum(1 for r in out if r.error),
        results=out)


def report(scores: DraftingScores) -> str:
    """Plain text: the figures, then every case that missed a fact, made a forbidden claim or was not clean.
    Drafts and customer messages are not printed (they may hold personal data); ids and patterns are."""
    lines = [", ".join(f"{k}={v:g}" for k, v in scores.figures().items())]
    for r in scores.results:
        problems = []
        if r.error:
            problems.append(f"error: {r.error}")
        if r.missing:
            problems.append(f"missing {r.missing}")
        if r.forbidden:
            problems.append(f"forbidden {r.forbidden}")
        if r.result and r.result.critique.violations:
            problems.append(f"violations {r.result.critique.violations}")
        if r.bad_citations:
            problems.append(f"unknown citations {r.bad_citations}")
        if problems:
            tpl = r.result.template if r.result else "-"
            lines.append(f"{r.case.id} [{r.case.scene} -> {tpl}] " + "; ".join(problems))
    return "\n".join(lines)
