"""The critique task: the critic (`Services.critique`, the app's code path) against gold violation labels.

Dataset: the case schema of interfaces.md §2 (eval/golden/critique.jsonl, or any set in that schema with its own KB
indexed in COACH_DATA_DIR). Every case must carry `violations` ([] = a clean draft): an unlabelled case would
silently count as clean.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.errors import InputError
from coach.evaluation.critique_metrics import micro_f1, score_counts, score_critiques, scores_from_counts
from coach.evaluation.stats import ratio, total
from coach.evaluation.tasks.base import LoadContext, Outcome, Task
from coach.evaluation.tasks.jsonl import load_items
from coach.models import Case
from coach.privacy import mask

if TYPE_CHECKING:
    from coach.services import Services

NONE = "∅"
WARMUP = Case(id="warmup", customer="在吗", draft="您好，请问有什么可以帮您？")  # the confusion heatmap's row/column for "no violation"
MAX_MISSES = 60
EXCERPT = 160


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """Masked first, then cut: cutting first could leave half a phone number that mask() no longer recognises."""
    masked = mask(text or "")
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"


class CritiqueTask(Task[Case]):
    name = "critique"
    description = "critic verdicts vs gold violation labels (interfaces.md case schema)"
    default_dataset = "eval/golden/critique.jsonl"
    needs_kb = True
    lower_is_better = frozenset({"clean_false_alarm_rate"})
    option_keys = frozenset({"splits"})

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.principles: list[str] = []
        self._kb: Any = None
        self._cases: dict[str, Case] = {}
        # `splits: {holdout: "G\\d*[05]"}` reports the cases whose id fully matches each pattern separately (the
        # golden set keeps a self-check holdout); the others are "rest"
        raw = self.options.get("splits") or {}
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            raise InputError("critique option `splits` maps a split name to an id regex")
        try:
            self.splits = {str(k): re.compile(v) for k, v in raw.items()}
        except re.error as exc:
            raise InputError(f"critique option `splits`: bad regex ({exc})") from None

    def load(self, path: Path, ctx: LoadContext) -> list[Case]:
        known = set(ctx.principles)

        def check(case: Case) -> list[str]:
            problems = []
            if case.violations is None:
                problems.append(f"case {case.id}: no `violations` label (use [] for a clean draft)")
            elif known:
                unknown = sorted(set(case.violations) - known)
                if unknown:
                    problems.append(f"case {case.id}: unknown principle id(s) {', '.join(unknown)}")
            if not case.draft.strip():
                problems.append(f"case {case.id}: empty draft")
            return problems

        cases = load_items(path, Case, check)
        self._cases.update({c.id: c for c in cases})  # the misses table masks their text once, at the end
        return cases

    def metric_names(self) -> list[str]:
        return ["macro_f1", "micro_f1", "clean_false_alarm_rate", "exact_match_rate", "evidence_grounding_rate",
                "citation_validity"]

    def prepare(self, services: Services) -> None:
        self.principles = list(services.critic.rubric.principles)
        self._kb = services.kb
        services.critic.facts()  # build the fact book once, before any worker thread asks for it
        services.critique(WARMUP)  # loads the segmenter: the first case's latency should be the critic's, not jieba's

    def _citation_exists(self, cid: str) -> bool:
        return self._kb is not None and self._kb.get(cid) is not None

    def run_case(self, item: Case, services: Services) -> Outcome:
        crit = services.critique(item)
        scored = score_counts(score_critiques([(item, crit)], self.principles, self._citation_exists))
        counts: dict[str, float] = {k: v for k, v in scored.items() if v}  # zeros add nothing to a sum
        gold, pred = sorted(set(item.violations or [])), sorted(set(crit.violations))
        counts.update(n=1, exact=float(gold == pred))
        return Outcome(counts, {"gold": gold, "pred": pred, "score": crit.score, "scene": item.scene or ""})

    def headline(self, counts: Mapping[str, float]) -> dict[str, float | None]:
        principles = sorted({k.rsplit(".", 1)[0] for k in counts if "." in k})  # every principle has tn, tp, fp or fn
        s = scores_from_counts(counts, principles)
        return {
            "macro_f1": s.macro_f1,
            "micro_f1": micro_f1(s),
            "clean_false_alarm_rate": ratio(s.clean_false_alarms, s.clean_cases),
            "exact_match_rate": ratio(counts.get("exact", 0), counts.get("n", 0)),
            "evidence_grounding_rate": ratio(s.evidence_grounded, s.evidence_total),
            "citation_validity": ratio(s.citations_valid, s.citations_total),
        }

    def details(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        ok = [r for r in records if not r.get("error")]
        summed: Counter[str] = Counter()
        for r in ok:
            summed.update(r["counts"])
        principles = self.principles or sorted({k.rsplit(".", 1)[0] for k in summed if "." in k})
        per = scores_from_counts(summed, principles).as_dict()["per_principle"]
        out: dict[str, Any] = {"per_principle": per, "confusion": confusion(ok, principles)}
        if self.splits:
            out["by_split"] = self.by_split(ok)
        return out | {"by_scene": by_scene(ok), "misses": misses(ok, self._cases)}

    def by_split(self, records: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        groups: dict[str, list[Mapping[str, Any]]] = {}
        for r in records:
            name = next((k for k, rx in self.splits.items() if rx.fullmatch(r["id"])), "rest")
            groups.setdefault(name, []).append(r)
        out: dict[str, dict[str, Any]] = {}
        for name, rows in sorted(groups.items()):
            h = self.headline(total([r["counts"] for r in rows]))
            out[name] = {"cases": len({r["id"] for r in rows})} | {
                m: None if h[m] is None else round(float(h[m] or 0.0), 4)
                for m in ("macro_f1", "clean_false_alarm_rate", "exact_match_rate")}
        return out


def confusion(records: Sequence[Mapping[str, Any]], principles: Sequence[str]) -> dict[str, Any]:
    """Multi-label confusion, gold (rows) × predicted (columns), ∅ = none. A principle found and labelled counts on
    the diagonal; a missed one counts against each false alarm of the same case (the critic "saw" something else),
    or against ∅ when there was none; a false alarm on a case with no misses counts in the ∅ row. A perfect run is
    purely diagonal."""
    labels = [*principles, NONE]
    grid = {g: dict.fromkeys(labels, 0) for g in labels}
    for r in records:
        gold, pred = set(r["detail"]["gold"]), set(r["detail"]["pred"])
        tp, fn, fp = gold & pred, gold - pred, pred - gold
        cells = [(g, g) for g in tp]
        if fn and fp:
            cells += [(g, p) for g in fn for p in fp]
        else:
            cells += [(g, NONE) for g in fn] + [(NONE, p) for p in fp]
        if not gold and not pred:
            cells.append((NONE, NONE))
        for g, p in cells:
            if g in grid and p in grid[g]:
                grid[g][p] += 1
    return {"labels": labels, "matrix": [[grid[g][p] for p in labels] for g in labels]}


def misses(records: Sequence[Mapping[str, Any]], cases: Mapping[str, Case]) -> list[dict[str, Any]]:
    """Cases the critic got wrong, with their text masked (records on disk never hold case text)."""
    out, seen = [], set()
    for r in records:
        d = r["detail"]
        if d["gold"] == d["pred"] or r["id"] in seen:  # repeats of one case are listed once
            continue
        seen.add(r["id"])
        out.append({"id": r["id"], "scene": d.get("scene", ""),
                    "missed": sorted(set(d["gold"]) - set(d["pred"])),
                    "false_alarms": sorted(set(d["pred"]) - set(d["gold"])),
                    "customer": excerpt(cases[r["id"]].customer) if r["id"] in cases else "",
                    "draft": excerpt(cases[r["id"]].draft) if r["id"] in cases else ""})
    return out[:MAX_MISSES]


def by_scene(records: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[float]] = {}
    for r in records:
        groups.setdefault(r["detail"].get("scene") or "-", []).append(r["counts"].get("exact", 0.0))
    return {s: {"cases": len(v), "exact_match_rate": round(sum(v) / len(v), 4)} for s, v in sorted(groups.items())}
