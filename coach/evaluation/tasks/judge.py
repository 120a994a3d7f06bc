"""The judge task (LLM-as-judge, LLM mode only): the judge prompt's per-principle verdicts on each golden case, with
their agreement with the golden labels (Cohen's κ) reported next to the judge's score.

- `kappa` (pooled over every case × principle, violated vs not) and `kappa_macro` (mean of the per-principle κ
  that are defined) say how far the judge can be trusted; `details.kappa_by_principle` has each principle's κ.
- `judged_clean_rate` is the judge's score: the share of judged drafts with no violation. `subject: golden` (default)
  judges the labelled drafts themselves; `subject: drafts` judges the coach's own draft for each customer message
  (Services.draft), the use a judge is for: scoring outputs nobody labelled.
- A gate on a judge-derived metric is only used when κ ≥ 0.6; otherwise it is reported as
  "judge not trusted: κ=…" and does not decide the run (gate κ itself with `kappa: {min: 0.6}` to fail on that).
- Tokens and cost per case come from the LLM usage log (`usage_scope`), priced by prompts/llm/prices.yaml
  (option `prices`); a model without a price gives cost "n/a".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.errors import InputError
from coach.evaluation.agreement import TRUSTED_KAPPA, kappa_from_table
from coach.evaluation.stats import ratio
from coach.evaluation.tasks.base import LoadContext, Outcome, Task
from coach.evaluation.tasks.critique import CritiqueTask
from coach.models import Case

if TYPE_CHECKING:
    from coach.llm.usage import Prices
    from coach.services import Services

VIOLATED, OTHER = "v", "o"  # the binary labels κ is computed on: violated vs applied / not applicable
JUDGED = frozenset({"judged_clean_rate"})  # metrics that rest on the judge's verdicts about the subject
SUBJECTS = ("golden", "drafts")
MAX_DISAGREEMENTS = 60


def _table(counts: Mapping[str, float], principle: str | None = None) -> dict[tuple[str, str], float]:
    """The (gold, judge) table of one principle, or pooled over all, from counts `t.<principle>.<gold>.<judge>`."""
    table: dict[tuple[str, str], float] = {}
    for key, v in counts.items():
        if not key.startswith("t."):
            continue
        p, gold, judge = key[2:].rsplit(".", 2)
        if principle is None or p == principle:
            table[(gold, judge)] = table.get((gold, judge), 0.0) + v
    return table


def _principles(counts: Mapping[str, float]) -> list[str]:
    return sorted({k[2:].rsplit(".", 2)[0] for k in counts if k.startswith("t.")})


class JudgeTask(Task[Case]):
    name = "judge"
    description = "LLM-as-judge per-principle verdicts vs golden labels (Cohen's κ), tokens and cost per case"
    default_dataset = "eval/golden/critique.jsonl"
    needs_kb = True
    needs_llm = True
    option_keys = frozenset({"subject", "prices"})

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.subject = str(self.options.get("subject", "golden"))
        if self.subject not in SUBJECTS:
            raise InputError(f"judge option `subject` is one of {', '.join(SUBJECTS)}, not {self.subject!r}")
        self.principles: list[str] = []
        self.prices: Prices | None = None
        self._loader = CritiqueTask()  # the same golden-set schema and checks

    def load(self, path: Path, ctx: LoadContext) -> list[Case]:
        return self._loader.load(path, ctx)

    def metric_names(self) -> list[str]:
        return ["kappa", "kappa_macro", "judged_clean_rate", "tokens_per_case", "cost_per_case"]

    def prepare(self, services: Services) -> None:
        if services.llm is None:  # the runner refuses earlier; this guards the plain run() form
            raise InputError("the judge task needs an LLM: set COACH_LLM_BASE_URL and COACH_LLM_MODEL")
        from coach.llm.usage import Prices

        self.principles = list(services.critic.rubric.principles)
        default = services.settings.prompts_dir / "llm" / "prices.yaml"
        self.prices = Prices.load(Path(self.options.get("prices") or default))
        services.critic.facts()

    def run_case(self, item: Case, services: Services) -> Outcome:
        from coach.llm import llm_judge, retrieve
        from coach.llm.usage import usage_scope

        assert services.llm is not None  # prepare() refused rules mode
        with usage_scope() as calls:
            judged = llm_judge(services.llm, item, retrieve(services.kb, item))
            subject = judged
            if self.subject == "drafts":
                draft = services.draft(item.customer, context=list(item.context), order=item.order).draft
                subject = llm_judge(services.llm, item.model_copy(update={"draft": draft}),
                                    retrieve(services.kb, item.model_copy(update={"draft": draft})))
        gold = set(item.violations or [])
        said = {p for p, v in judged.verdicts.items() if v == "violated"}
        counts: dict[str, float] = {}
        for p in self.principles or sorted(gold | said):
            key = f"t.{p}.{VIOLATED if p in gold else OTHER}.{VIOLATED if p in said else OTHER}"
            counts[key] = 1.0
        clean = not any(v == "violated" for v in subject.verdicts.values())
        tokens_in, tokens_out = sum(r.input_tokens for r in calls), sum(r.output_tokens for r in calls)
        counts.update(n=1.0, judged_clean=float(clean), calls=float(len(calls)), input_tokens=float(tokens_in),
                      output_tokens=float(tokens_out))
        priced = self.prices.cost(calls) if self.prices is not None else None
        if priced is not None:
            counts.update(priced=1.0, cost=priced[0])
        detail = {"gold": sorted(gold), "judge": sorted(said), "judged_clean": clean, "calls": len(calls),
                  "tokens": tokens_in + tokens_out, "cost": "n/a" if priced is None else round(priced[0], 6),
                  "currency": priced[1] if priced else "", "notices": judged.notices}
        return Outcome(counts, detail)

    def headline(self, counts: Mapping[str, float]) -> dict[str, float | None]:
        n = counts.get("n", 0.0)
        per = [kappa_from_table(_table(counts, p)) for p in _principles(counts)]
        defined = [k for k in per if k is not None]
        priced_all = n > 0 and counts.get("priced", 0.0) == n
        return {
            "kappa": kappa_from_table(_table(counts)),
            "kappa_macro": sum(defined) / len(defined) if defined else None,
            "judged_clean_rate": ratio(counts.get("judged_clean", 0.0), n),
            "tokens_per_case": ratio(counts.get("input_tokens", 0.0) + counts.get("output_tokens", 0.0), n),
            "cost_per_case": ratio(counts.get("cost", 0.0), n) if priced_all else None,
        }

    def details(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        ok = [r for r in records if not r.get("error")]
        summed: dict[str, float] = {}
        for r in ok:
            for k, v in r["counts"].items():
                summed[k] = summed.get(k, 0.0) + v
        per = {}
        for p in _principles(summed):
            t = _table(summed, p)
            k = kappa_from_table(t)
            per[p] = {"kappa": None if k is None else round(k, 4), "pairs": int(sum(t.values())),
                      "gold_violated": int(t.get((VIOLATED, VIOLATED), 0) + t.get((VIOLATED, OTHER), 0)),
                      "judge_violated": int(t.get((VIOLATED, VIOLATED), 0) + t.get((OTHER, VIOLATED), 0)),
                      "agree": int(t.get((VIOLATED, VIOLATED), 0) + t.get((OTHER, OTHER), 0))}
        costs = [r["detail"].get("cost") for r in ok]
        currencies = {r["detail"].get("currency", "") for r in ok}
        per_case = [{"id": r["id"], "calls": r["detail"].get("calls"), "tokens": r["detail"].get("tokens"),
                     "cost": r["detail"].get("cost"), "currency": r["detail"].get("currency", "")} for r in ok]
        disagreements = [{"id": r["id"], "missed": sorted(set(r["detail"]["gold"]) - set(r["detail"]["judge"])),
                          "extra": sorted(set(r["detail"]["judge"]) - set(r["detail"]["gold"]))}
                         for r in ok if r["detail"]["gold"] != r["detail"]["judge"]]
        unpriced = any(c == "n/a" for c in costs) or len(currencies) > 1
        total_cost = "n/a" if unpriced else f"{sum(c for c in costs if c):.6f} {''.join(currencies)}".strip()
        return {"kappa_by_principle": per, "per_case_usage": per_case,
                "disagreements": disagreements[:MAX_DISAGREEMENTS], "total_cost": total_cost}

    def review_gates(self, gates: list[dict[str, Any]], values: Mapping[str, float | None]) -> list[dict[str, Any]]:
        """A gate on what the judge says is only used when the judge agrees with the golden labels (κ ≥ 0.6)."""
        kappa = values.get("kappa")
        trusted = kappa is not None and kappa >= TRUSTED_KAPPA
        shown = "n/a" if kappa is None else f"{kappa:.2f}"
        out = []
        for g in gates:
            if g["metric"] not in JUDGED:
                out.append(g)
            elif trusted:
                out.append(g | {"note": f"judge trusted: κ={shown} (≥ {TRUSTED_KAPPA}) " + (g.get("note") or "")})
            else:
                out.append(g | {"passed": True, "used": False,
                                "note": f"judge not trusted: κ={shown} (< {TRUSTED_KAPPA}); gate not used"})
        return out
