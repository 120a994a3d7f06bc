"""Critique metrics: per-principle confusion counts, precision/recall/F1, macro-F1, clean-draft false alarms,
evidence grounding and citation validity. Pure functions over (gold, predicted) pairs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from coach.models import Case, Critique


@dataclass
class Confusion:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else (1.0 if not self.fn else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass
class CritiqueScores:
    per_principle: dict[str, Confusion] = field(default_factory=dict)
    clean_cases: int = 0
    clean_false_alarms: int = 0
    evidence_total: int = 0
    evidence_grounded: int = 0
    citations_total: int = 0
    citations_valid: int = 0

    @property
    def macro_f1(self) -> float:
        scored = [c.f1 for c in self.per_principle.values() if c.support or c.fp]
        return sum(scored) / len(scored) if scored else 0.0

    @property
    def clean_false_alarm_rate(self) -> float:
        return self.clean_false_alarms / self.clean_cases if self.clean_cases else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "macro_f1": round(self.macro_f1, 4),
            "clean_false_alarm_rate": round(self.clean_false_alarm_rate, 4),
            "clean_cases": self.clean_cases,
            "evidence_grounding_rate": round(self.evidence_grounded / self.evidence_total, 4) if self.evidence_total else 1.0,
            "citation_validity": round(self.citations_valid / self.citations_total, 4) if self.citations_total else 1.0,
            "per_principle": {p: {"precision": round(c.precision, 4), "recall": round(c.recall, 4), "f1": round(c.f1, 4),
                                  "tp": c.tp, "fp": c.fp, "fn": c.fn, "tn": c.tn, "support": c.support}
                              for p, c in self.per_principle.items()},
        }


def score_critiques(pairs: Iterable[tuple[Case, Critique]], principles: Sequence[str],
                    citation_exists: Callable[[str], bool] | None = None) -> CritiqueScores:
    scores = CritiqueScores(per_principle={p: Confusion() for p in principles})
    for case, crit in pairs:
        gold = set(case.violations or [])
        pred = set(crit.violations)
        if not gold:
            scores.clean_cases += 1
            scores.clean_false_alarms += bool(pred)
        for p in principles:
            c = scores.per_principle[p]
            if p in gold and p in pred:
                c.tp += 1
            elif p in pred:
                c.fp += 1
            elif p in gold:
                c.fn += 1
            else:
                c.tn += 1
        for f in crit.findings:
            if f.verdict != "violated":
                continue
            if f.evidence:
                scores.evidence_total += 1
                ok = f.start is not None and f.end is not None and case.draft[f.start:f.end] == f.evidence
                scores.evidence_grounded += ok
            for cid in f.citations:
                scores.citations_total += 1
                scores.citations_valid += bool(citation_exists(cid)) if citation_exists else 1
    return scores


# ---------------------------------------------------------------------------------------------------------------------
# Additive counts: the eval runner stores one case's scores as flat counts, sums them over any subset of cases (the
# bootstrap resamples cases) and rebuilds CritiqueScores from the sum, so every figure comes from the code above.

_SCALARS = ("clean_cases", "clean_false_alarms", "evidence_total", "evidence_grounded", "citations_total",
            "citations_valid")


def score_counts(scores: CritiqueScores) -> dict[str, int]:
    """Flat, additive counts: `{principle}.tp|fp|fn|tn` and the scalar totals."""
    out = {f"{p}.{k}": getattr(c, k) for p, c in scores.per_principle.items() for k in ("tp", "fp", "fn", "tn")}
    out.update({k: getattr(scores, k) for k in _SCALARS})
    return out


def scores_from_counts(counts: Mapping[str, float], principles: Sequence[str]) -> CritiqueScores:
    """The inverse of `score_counts` (for a sum of several cases' counts)."""
    per = {p: Confusion(*(int(counts.get(f"{p}.{k}", 0)) for k in ("tp", "fp", "fn", "tn"))) for p in principles}
    return CritiqueScores(per_principle=per, **{k: int(counts.get(k, 0)) for k in _SCALARS})


def micro_f1(scores: CritiqueScores) -> float:
    """F1 over all principles' pooled counts: weighs frequent principles more than macro-F1 does."""
    tp = sum(c.tp for c in scores.per_principle.values())
    fp = sum(c.fp for c in scores.per_principle.values())
    fn = sum(c.fn for c in scores.per_principle.values())
    return Confusion(tp, fp, fn).f1
