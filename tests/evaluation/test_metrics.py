"""Metrics on hand-computed examples, and the bootstrap's determinism and coverage."""

from __future__ import annotations

import pytest

from coach.evaluation.critique_metrics import micro_f1, score_counts, score_critiques, scores_from_counts
from coach.evaluation.stats import bootstrap_ci, percentile, total
from coach.evaluation.tasks.critique import NONE, CritiqueTask, confusion
from coach.evaluation.tasks.pii import PiiTask
from coach.evaluation.tasks.retrieval import RetrievalTask
from coach.models import Case, Critique, Finding

P = ["empathy", "privacy", "clarity"]


def pair(cid: str, gold: list[str], pred: list[str], draft: str = "您自己联系快递吧") -> tuple[Case, Critique]:
    findings = [Finding(principle=p, verdict="violated", evidence=draft[:4], start=0, end=4) for p in pred]
    return Case(id=cid, draft=draft, violations=gold), Critique(id=cid, score=50, violations=pred, findings=findings)


# empathy: tp on A and B, fp on C, fn on D -> P = R = F1 = 2/3
# privacy: tp on D, fn on A -> P = 1, R = 1/2, F1 = 2/3
# clarity: never labelled, never predicted -> left out of macro-F1
# E is clean and flagged (privacy fp) -> clean false alarms 1 of 2 clean cases (C, E)
PAIRS = [pair("A", ["empathy", "privacy"], ["empathy"]), pair("B", ["empathy"], ["empathy"]),
         pair("C", [], ["empathy"]), pair("D", ["empathy", "privacy"], ["privacy"]), pair("E", [], ["privacy"])]


def test_per_principle_precision_recall_f1_by_hand() -> None:
    s = score_critiques(PAIRS, P)
    emp, pri = s.per_principle["empathy"], s.per_principle["privacy"]
    assert (emp.tp, emp.fp, emp.fn, emp.tn) == (2, 1, 1, 1)
    assert emp.precision == pytest.approx(2 / 3) and emp.recall == pytest.approx(2 / 3)
    assert (pri.tp, pri.fp, pri.fn) == (1, 1, 1)
    assert pri.precision == pytest.approx(1 / 2) and pri.recall == pytest.approx(1 / 2)
    assert s.macro_f1 == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert micro_f1(s) == pytest.approx(2 * 3 / (2 * 3 + 2 + 2))  # tp 3, fp 2, fn 2
    assert (s.clean_cases, s.clean_false_alarms) == (2, 2)


def test_counts_round_trip_and_sum_of_cases_equals_the_whole() -> None:
    whole = score_critiques(PAIRS, P)
    per_case = [score_counts(score_critiques([p], P)) for p in PAIRS]
    rebuilt = scores_from_counts(total(per_case), P)
    assert rebuilt.as_dict() == whole.as_dict()
    head = CritiqueTask().headline(total(per_case))
    assert head["macro_f1"] == pytest.approx(whole.macro_f1)
    assert head["clean_false_alarm_rate"] == pytest.approx(1.0)


def test_headline_is_undefined_without_clean_cases() -> None:
    counts = total([score_counts(score_critiques([PAIRS[0]], P))])
    assert CritiqueTask().headline(counts)["clean_false_alarm_rate"] is None


def test_confusion_is_diagonal_when_perfect_and_shows_what_a_miss_became() -> None:
    perfect = [{"detail": {"gold": ["empathy"], "pred": ["empathy"]}}, {"detail": {"gold": [], "pred": []}}]
    grid = confusion(perfect, P)
    labels, m = grid["labels"], grid["matrix"]
    assert labels[-1] == NONE
    assert sum(m[i][j] for i in range(len(labels)) for j in range(len(labels)) if i != j) == 0
    assert m[0][0] == 1 and m[-1][-1] == 1
    swapped = confusion([{"detail": {"gold": ["empathy"], "pred": ["clarity"]}},
                         {"detail": {"gold": ["privacy"], "pred": []}}], P)["matrix"]
    assert swapped[0][2] == 1            # empathy labelled, clarity predicted instead
    assert swapped[1][3] == 1            # privacy missed with nothing in its place
    assert swapped[0][0] == 0


def test_retrieval_hit_rates_and_mrr_by_hand() -> None:
    task = RetrievalTask({"modes": ["hybrid"]})
    rows = []
    for rank in (1, 2, None, 4):  # reciprocal ranks 1, 1/2, 0, 1/4
        rows.append({"n": 1, "hybrid.hit1": float(rank == 1), "hybrid.hit3": float(bool(rank) and rank <= 3),
                     "hybrid.rr": 1 / rank if rank else 0.0})
    h = task.headline(total(rows))
    assert h == {"hybrid.hit@1": 0.25, "hybrid.hit@3": 0.5, "hybrid.mrr": pytest.approx(0.4375)}


def test_pii_recall_precision_by_hand_and_undefined_types() -> None:
    h = PiiTask().headline({"phone.tp": 9, "phone.fn": 1, "phone.fp": 0, "address.tp": 3, "address.fp": 1,
                            "leaked": 1, "gold": 13})
    assert h["phone.recall"] == pytest.approx(0.9) and h["phone.precision"] == 1.0
    assert h["address.precision"] == pytest.approx(0.75)
    assert h["overall.recall"] == pytest.approx(12 / 13) and h["overall.precision"] == pytest.approx(12 / 13)
    assert h["email.recall"] is None  # no e-mail in the sample: not 1.0
    assert h["leak_rate"] == pytest.approx(1 / 13)


def _mean(c: dict[str, float]) -> dict[str, float | None]:
    return {"mean": c["x"] / c["n"] if c.get("n") else None}


ROWS = [{"n": 1, "x": float(v)} for v in [0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1]]


def test_bootstrap_is_deterministic_under_a_seed_and_contains_the_estimate() -> None:
    point = _mean(total(ROWS))["mean"]
    a = bootstrap_ci(ROWS, _mean, seed=7, resamples=1000)["mean"]
    b = bootstrap_ci(ROWS, _mean, seed=7, resamples=1000)["mean"]
    assert a == b and a is not None
    spread = [{"n": 1, "x": (i * 37 % 101) / 100} for i in range(30)]  # continuous values: quantiles move
    assert bootstrap_ci(spread, _mean, seed=7) != bootstrap_ci(spread, _mean, seed=8)  # other resamples
    assert a[0] < point < a[1]
    # a 95 % interval for a proportion of 0.7 on 20 cases is roughly ±0.2 (normal approximation ±0.20)
    assert 0.3 < a[1] - a[0] < 0.5


def test_bootstrap_of_constant_data_is_a_point_and_of_critique_macro_f1_contains_the_estimate() -> None:
    same = [{"n": 1, "x": 1.0}] * 10
    assert bootstrap_ci(same, _mean, seed=1)["mean"] == (1.0, 1.0)
    rows = [score_counts(score_critiques([p], P)) for p in PAIRS * 8]
    task = CritiqueTask()
    point = task.headline(total(rows))["macro_f1"]
    lo, hi = bootstrap_ci(rows, task.headline, seed=3)["macro_f1"] or (0, 0)
    assert point is not None and lo <= point <= hi and lo < hi


def test_nearest_rank_percentiles() -> None:
    samples = [float(x) for x in range(1, 101)]
    assert percentile(samples, 50) == 50.0
    assert percentile(samples, 95) == 95.0
    assert percentile([3.0], 95) == 3.0
    assert percentile([], 50) is None
