"""The pii task: per-type recall and precision of the redactor, scored by coach.privacy.metrics (issue 5's rules:
same type and exact or ≥ 80 % overlap; a gold span no prediction covers is a leak).

Dataset lines: {"id", "text", "spans": [{"type", "start", "end"}]} (eval/privacy/pii_corpus.jsonl). The misses table
never shows a gold span — by definition the redactor missed it, so masking alone would print it: gold spans are
replaced by their type before anything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from coach.evaluation.stats import ratio
from coach.evaluation.tasks.base import LoadContext, Outcome, Task
from coach.evaluation.tasks.jsonl import load_items
from coach.privacy import LABELS, PII_TYPES, Span, mask
from coach.privacy.metrics import GoldExample, score

if TYPE_CHECKING:
    from coach.services import Services


class GoldSpan(BaseModel):
    type: str
    start: int = Field(ge=0)
    end: int = Field(ge=1)


class PiiExample(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    text: str = Field(min_length=1, max_length=20_000)
    spans: list[GoldSpan] = Field(default_factory=list)


def _check(ex: PiiExample) -> list[str]:
    problems = []
    for s in ex.spans:
        if s.type not in PII_TYPES:
            problems.append(f"{ex.id}: unknown PII type {s.type!r} (known: {', '.join(PII_TYPES)})")
        if not s.start < s.end <= len(ex.text):
            problems.append(f"{ex.id}: span {s.start}-{s.end} is outside the text (length {len(ex.text)})")
    return problems


def hide_gold(ex: PiiExample) -> str:
    """The text with every gold span replaced by its type label, then masked."""
    out, pos = [], 0
    for s in sorted(ex.spans, key=lambda s: s.start):
        if s.start < pos:
            continue
        out += [ex.text[pos:s.start], f"⟦{LABELS.get(s.type, s.type)}⟧"]  # type: ignore[call-overload]
        pos = s.end
    out.append(ex.text[pos:])
    return mask("".join(out))


class PiiTask(Task[PiiExample]):
    name = "pii"
    description = "redactor per-type recall/precision and leak rate (coach.privacy.metrics)"
    default_dataset = "eval/privacy/pii_corpus.jsonl"
    lower_is_better = frozenset({"leak_rate"})

    def load(self, path: Path, ctx: LoadContext) -> list[PiiExample]:
        return load_items(path, PiiExample, _check)

    def metric_names(self) -> list[str]:
        return [f"{t}.{m}" for t in PII_TYPES for m in ("recall", "precision")] + [
            "overall.recall", "overall.precision", "leak_rate"]

    def run_case(self, item: PiiExample, services: Services) -> Outcome:
        gold = GoldExample(item.id, item.text, tuple(Span(s.type, s.start, s.end)  # type: ignore[arg-type]
                                                     for s in item.spans))
        result = score([gold])
        counts: dict[str, float] = {"n": 1, "leaked": result.leaked, "gold": result.gold_total}
        for t, ts in result.per_type.items():
            counts.update({f"{t}.tp": ts.tp, f"{t}.fp": ts.fp, f"{t}.fn": ts.fn})
        detail: dict[str, Any] = {}
        if result.errors:
            kinds = [e.split()[1:3] for e in result.errors]  # "id  miss  type  'text'" -> [miss, type]
            detail = {"errors": [f"{k} {t}" for k, t in kinds], "text": hide_gold(item)[:200]}
        return Outcome(counts, detail)

    def headline(self, counts: Mapping[str, float]) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        tp = fp = fn = 0.0
        for t in PII_TYPES:
            a, b, c = counts.get(f"{t}.tp", 0), counts.get(f"{t}.fp", 0), counts.get(f"{t}.fn", 0)
            out[f"{t}.recall"] = ratio(a, a + c)
            out[f"{t}.precision"] = ratio(a, a + b)
            tp, fp, fn = tp + a, fp + b, fn + c
        out["overall.recall"] = ratio(tp, tp + fn)
        out["overall.precision"] = ratio(tp, tp + fp)
        out["leak_rate"] = ratio(counts.get("leaked", 0), counts.get("gold", 0))
        return out

    def details(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        misses = [{"id": r["id"], "errors": ", ".join(r["detail"]["errors"]), "text": r["detail"]["text"]}
                  for r in records if r.get("detail", {}).get("errors")]
        return {"misses": misses[:60]}
