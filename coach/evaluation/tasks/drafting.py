"""The drafting task: `Services.draft` (the app's code path) against the drafting golden set.

Dataset: eval/drafting/cases.jsonl — {"id", "scene", "customer", "context"?, "order"?, "must_contain", "must_not"},
each entry a regular expression (coach/drafting/evaluate.py). Headline metrics (issue 6): required-fact recall,
forbidden claims (a count: lower is better), critic-clean rate, critical-free rate (the guarantee), citation
validity, scene agreement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.drafting.evaluate import DraftCase, score_case
from coach.evaluation.stats import ratio
from coach.evaluation.tasks.base import LoadContext, Outcome, Task
from coach.evaluation.tasks.jsonl import load_items
from coach.privacy import mask

if TYPE_CHECKING:
    from coach.services import Services

MAX_MISSES = 60


class DraftingTask(Task[DraftCase]):
    name = "drafting"
    description = "drafted replies vs required facts and forbidden claims, verified by the critic"
    default_dataset = "eval/drafting/cases.jsonl"
    needs_kb = True
    lower_is_better = frozenset({"forbidden_claims"})

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self._kb: Any = None

    def load(self, path: Path, ctx: LoadContext) -> list[DraftCase]:
        def check(case: DraftCase) -> list[str]:
            return [] if case.customer.strip() else [f"case {case.id}: empty customer message"]

        return load_items(path, DraftCase, check)

    def metric_names(self) -> list[str]:
        return ["required_fact_recall", "forbidden_claims", "critic_clean_rate", "critical_free_rate",
                "citation_validity", "scene_agreement"]

    def prepare(self, services: Services) -> None:
        self._kb = services.kb
        services.critic.facts()
        services.draft("在吗")  # loads the template library, the fact cache and the segmenter once

    def run_case(self, item: DraftCase, services: Services) -> Outcome:
        result = services.draft(item.customer, context=item.context, order=item.order)
        scored = score_case(item, result, lambda cid: self._kb is not None and self._kb.get(cid) is not None)
        counts = {"n": 1.0, "required": float(len(item.must_contain)),
                  "found": float(len(item.must_contain) - len(scored.missing)),
                  "forbidden": float(len(scored.forbidden)), "clean": float(scored.clean),
                  "critical_free": float(scored.critical_free), "citations": float(len(result.citations)),
                  "citations_valid": float(len(result.citations) - len(scored.bad_citations)),
                  "labelled": float(item.scene is not None), "scene_agree": float(item.scene == result.scene)}
        detail: dict[str, Any] = {"scene": item.scene or "", "drafted_scene": result.scene,
                                  "template": result.template, "violations": list(result.critique.violations),
                                  "missing": scored.missing, "forbidden": scored.forbidden}
        if scored.missing or scored.forbidden or not scored.clean:
            detail["draft"] = mask(result.draft)  # drafts echo order numbers: masked before any report
        return Outcome(counts, detail)

    def headline(self, counts: Mapping[str, float]) -> dict[str, float | None]:
        return {
            "required_fact_recall": ratio(counts.get("found", 0), counts.get("required", 0)),
            "forbidden_claims": counts.get("forbidden", 0.0),
            "critic_clean_rate": ratio(counts.get("clean", 0), counts.get("n", 0)),
            "critical_free_rate": ratio(counts.get("critical_free", 0), counts.get("n", 0)),
            "citation_validity": ratio(counts.get("citations_valid", 0), counts.get("citations", 0)),
            "scene_agreement": ratio(counts.get("scene_agree", 0), counts.get("labelled", 0)),
        }

    def details(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        misses: list[dict[str, Any]] = []
        by_template: dict[str, int] = {}
        for r in records:
            if r.get("error"):
                continue
            d = r["detail"]
            by_template[d["template"]] = by_template.get(d["template"], 0) + 1
            if d["missing"] or d["forbidden"] or d["violations"]:
                misses.append({"id": r["id"], "scene": d["scene"], "template": d["template"],
                               "missing": d["missing"], "forbidden": d["forbidden"],
                               "violations": d["violations"], "draft": d.get("draft", "")})
        return {"misses": misses[:MAX_MISSES], "templates_used": dict(sorted(by_template.items()))}
