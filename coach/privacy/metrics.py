"""Corpus metrics for the redactor: per-type recall and precision against gold spans.

A predicted span matches a gold span of the same type when they are identical or overlap by at least 80 % of the
longer of the two (so "浙江省杭州市…501室" vs the same without "浙江省" still counts, a phone number that lost
half its digits does not). Matching is one-to-one, best overlap first. `leaked` counts gold spans that no predicted
span of any type covers at 80 % — the privacy figure; a type confusion is an error for the per-type scores but
not a leak.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from coach.privacy.detect import PII_TYPES, Span, detect

MIN_OVERLAP = 0.8


@dataclass(frozen=True)
class GoldExample:
    id: str
    text: str
    spans: tuple[Span, ...]


@dataclass
class TypeScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class CorpusScore:
    per_type: dict[str, TypeScore] = field(default_factory=lambda: {t: TypeScore() for t in PII_TYPES})
    overall: TypeScore = field(default_factory=TypeScore)
    leaked: int = 0
    gold_total: int = 0
    errors: list[str] = field(default_factory=list)  # "id  miss|extra  type  'span text'" for debugging

    def as_dict(self) -> dict[str, float]:
        out = {f"{t}.{m}": round(getattr(s, m), 4) for t, s in self.per_type.items() for m in ("recall", "precision")}
        out.update({"overall.recall": round(self.overall.recall, 4), "overall.precision": round(self.overall.precision, 4),
                    "leak_rate": round(self.leaked / self.gold_total, 4) if self.gold_total else 0.0})
        return out


def load_corpus(path: Path) -> list[GoldExample]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [GoldExample(r["id"], r["text"], tuple(Span(s["type"], s["start"], s["end"]) for s in r["spans"]))
            for r in rows]


def overlap(a: Span, b: Span) -> float:
    inter = min(a.end, b.end) - max(a.start, b.start)
    return max(0, inter) / max(a.end - a.start, b.end - b.start, 1)


def _match(gold: list[Span], pred: list[Span]) -> list[tuple[int, int]]:
    pairs = sorted(((overlap(g, p), i, j) for i, g in enumerate(gold) for j, p in enumerate(pred)), reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for ratio, i, j in pairs:
        if ratio >= MIN_OVERLAP and i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            out.append((i, j))
    return out


def score(examples: Iterable[GoldExample], predict: Callable[[str], list[Span]] = detect) -> CorpusScore:
    result = CorpusScore()
    for ex in examples:
        pred = predict(ex.text)
        for t in PII_TYPES:
            g = [s for s in ex.spans if s.type == t]
            p = [s for s in pred if s.type == t]
            matched = _match(g, p)
            s = result.per_type[t]
            s.tp += len(matched)
            s.fn += len(g) - len(matched)
            s.fp += len(p) - len(matched)
            hit_g, hit_p = {i for i, _ in matched}, {j for _, j in matched}
            result.errors += [f"{ex.id}  miss   {t}  {ex.text[x.start:x.end]!r}" for i, x in enumerate(g) if i not in hit_g]
            result.errors += [f"{ex.id}  extra  {t}  {ex.text[x.start:x.end]!r}" for j, x in enumerate(p) if j not in hit_p]
        covered = {i for i, _ in _match(list(ex.spans), pred)} if pred else set()
        result.gold_total += len(ex.spans)
        result.leaked += len(ex.spans) - len(covered)
    for s in result.per_type.values():
        result.overall.tp += s.tp
        result.overall.fp += s.fp
        result.overall.fn += s.fn
    return result
