"""The retrieval task: hit@1, hit@3 and MRR of `KnowledgeBase.search` in dense, BM25 and hybrid mode.

Dataset lines: {"id", "question", "relevant": [chunk ids], "kind", "as_of"}. Searches run as callers run them
(validity "auto" on the question's `as_of` day): a question about an ended promotion ("双11的券还能用吗") is answered
by that promotion's chunks, which must come back marked as ended. `inactive_unmarked` counts returned chunks that are
out of force on the day yet not marked — a chunk presented as active when it is not; the suite gates it at 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coach.evaluation.stats import ratio
from coach.evaluation.tasks.base import LoadContext, Outcome, Task
from coach.evaluation.tasks.jsonl import load_items
from coach.privacy import mask
from coach.retrieval.validity import status

if TYPE_CHECKING:
    from coach.services import Services

MODES = ("dense", "bm25", "hybrid")
DEPTH = 10  # MRR is MRR@10: a relevant chunk below rank 10 counts as not found


class Question(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    question: str = Field(min_length=1, max_length=2000)
    relevant: list[str] = Field(min_length=1)
    kind: str = ""
    as_of: date | None = None

    @field_validator("question")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the question is blank")
        return v


class RetrievalTask(Task[Question]):
    name = "retrieval"
    description = "hit@1 / hit@3 / MRR@10 of KB search, per mode"
    default_dataset = None
    needs_kb = True
    option_keys = frozenset({"modes"})

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        from coach.errors import InputError

        super().__init__(options)
        self.modes: list[str] = list(self.options.get("modes") or MODES)
        bad = [m for m in self.modes if m not in MODES]
        if bad:
            raise InputError(f"retrieval modes must be among {', '.join(MODES)}, not {', '.join(map(str, bad))}")

    def load(self, path: Path, ctx: LoadContext) -> list[Question]:
        return load_items(path, Question)

    def metric_names(self) -> list[str]:
        return [f"{m}.{x}" for m in self.modes for x in ("hit@1", "hit@3", "mrr")] + ["inactive_unmarked"]

    def prepare(self, services: Services) -> None:
        services.kb.warmup()

    def run_case(self, item: Question, services: Services) -> Outcome:
        counts: dict[str, float] = {"n": 1, "inactive_unmarked": 0.0}
        ranks: dict[str, int | None] = {}
        top3: dict[str, list[str]] = {}
        day = item.as_of or services.settings.as_of()
        for mode in self.modes:
            hits = services.kb.search(item.question, DEPTH, as_of=day, mode=mode)  # type: ignore[arg-type]
            counts["inactive_unmarked"] += sum(1 for h in hits if status(h, day) != "active" and not _marked(h.title))
            rank = next((i + 1 for i, h in enumerate(hits) if h.id in item.relevant), None)
            ranks[mode] = rank
            top3[mode] = [h.id for h in hits[:3]]
            counts[f"{mode}.hit1"] = float(rank == 1)
            counts[f"{mode}.hit3"] = float(rank is not None and rank <= 3)
            counts[f"{mode}.rr"] = 1.0 / rank if rank else 0.0
        detail: dict[str, Any] = {"ranks": ranks, "kind": item.kind}
        if any(r is None or r > 3 for r in ranks.values()):
            detail.update(question=mask(item.question)[:160], relevant=item.relevant,
                          got={m: top3[m] for m in self.modes if (ranks[m] or DEPTH + 1) > 3})
        return Outcome(counts, detail)

    def headline(self, counts: Mapping[str, float]) -> dict[str, float | None]:
        n = counts.get("n", 0)
        out: dict[str, float | None] = {}
        for m in self.modes:
            out[f"{m}.hit@1"] = ratio(counts.get(f"{m}.hit1", 0), n)
            out[f"{m}.hit@3"] = ratio(counts.get(f"{m}.hit3", 0), n)
            out[f"{m}.mrr"] = ratio(counts.get(f"{m}.rr", 0), n)
        if "inactive_unmarked" in counts:
            out["inactive_unmarked"] = counts["inactive_unmarked"]
        return out

    def details(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        ok = [r for r in records if not r.get("error")]
        by_kind: dict[str, dict[str, list[float]]] = {}
        for r in ok:
            kind = r["detail"].get("kind") or "-"
            for m in self.modes:
                by_kind.setdefault(kind, {}).setdefault(m, []).append(r["counts"].get(f"{m}.hit3", 0.0))
        table = {k: {m: round(sum(v) / len(v), 4) for m, v in modes.items()} | {"cases": len(next(iter(modes.values())))}
                 for k, modes in sorted(by_kind.items())}
        misses = [{"id": r["id"], **{k: v for k, v in r["detail"].items() if k != "kind"}}
                  for r in ok if "question" in r["detail"]]
        return {"hit@3_by_kind": table, "misses": misses[:60]}


def _marked(title: str) -> bool:
    return title.startswith(("〔已结束", "〔未开始"))
