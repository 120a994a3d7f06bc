"""Regression gate on the golden critique set (eval/golden) against the indexed demo shop: the critic must keep
the issue's targets, every evidence string must be a verbatim span, every citation a chunk of the KB."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from coach.critic.engine import Critic
from coach.datasets import load_cases
from coach.evaluation.critique_eval import confusion_report, run_critique_eval
from coach.settings import REPO_ROOT


@pytest.fixture(scope="module")
def golden_run(demo_kb_factory: Any) -> Any:
    kb = demo_kb_factory("bundled")
    critic = Critic.load(kb=kb, as_of=date(2026, 11, 23))
    cases = load_cases(REPO_ROOT / "eval" / "golden" / "critique.jsonl")
    return run_critique_eval(cases, critic.critique, list(critic.rubric.principles), lambda c: kb.get(c) is not None)


def test_golden_macro_f1_and_clean_false_alarms(golden_run: Any) -> None:
    s = golden_run.scores
    report = confusion_report(golden_run)
    assert not golden_run.errors, golden_run.errors
    assert s.macro_f1 >= 0.88, report
    assert s.clean_false_alarm_rate <= 0.10, report
    assert min(c.f1 for c in s.per_principle.values()) >= 0.75, report  # the per-principle floor


def test_evidence_is_verbatim_and_citations_exist(golden_run: Any) -> None:
    d = golden_run.scores.as_dict()
    assert d["evidence_grounding_rate"] == 1.0
    assert d["citation_validity"] == 1.0


def test_policy_findings_cite_the_knowledge_base(golden_run: Any) -> None:
    cited = [f for _, c in golden_run.results for f in c.findings
             if f.verdict == "violated" and f.principle == "policy_accuracy"]
    assert cited and sum(bool(f.citations) for f in cited) / len(cited) >= 0.9
