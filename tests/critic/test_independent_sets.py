"""Generalisation gate: the critic on case sets written independently from principles.md, each against its own
shop KB (eval/holdout*/). They were held out when written; their first-look scores are in the issue notes, and
they are development data now, so these floors only stop a change from undoing what generalised.

The KBs are indexed with the hashed n-gram embedder: the critic reads facts from the passages and cites with BM25,
so its verdicts do not depend on the dense model, and the five shops index in seconds."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from coach.critic.engine import Critic
from coach.datasets import load_cases
from coach.evaluation.critique_eval import confusion_report, run_critique_eval
from coach.retrieval import KnowledgeBase
from coach.retrieval.embeddings import HashEmbeddings
from coach.settings import REPO_ROOT, Settings

SETS = {  # name: (cases, macro-F1 floor, clean false-alarm ceiling) — floors a few points under today's figures
    "holdout": ("eval/holdout/critique.jsonl", 0.85, 0.15),
    "holdout2": ("eval/holdout2/critique.jsonl", 0.83, 0.15),
    "holdout3": ("eval/holdout3/cases.jsonl", 0.85, 0.10),
    "holdout4": ("eval/holdout4/cases.jsonl", 0.77, 0.10),
    "holdout5": ("eval/holdout5/cases.jsonl", 0.80, 0.15),
    # first look 0.780 (clean false alarms 28 %); tuned on since (odd half first, then all): 0.879
    "holdout6": ("eval/holdout6/cases.jsonl", 0.85, 0.10),
    # first look 0.797 (clean false alarms 27 %); tuned on since (odd half first, then all): 0.862
    "holdout7": ("eval/holdout7/cases.jsonl", 0.83, 0.15),
    # first look 0.801 (clean false alarms 23 %; 0.762 / 32 % with the critic of a709414); greeting fixes since: 0.824
    "holdout8": ("eval/holdout8/cases.jsonl", 0.80, 0.20),
    # first look 0.842 with the critic of 4063787 (clean false alarms 22 %; 0.795 / 39 % with a709414); not tuned on
    "holdout9": ("eval/holdout9/cases.jsonl", 0.82, 0.25),
}


@pytest.fixture(scope="module", params=sorted(SETS))
def run(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    name = request.param
    cases_file, floor, ceiling = SETS[name]
    settings = Settings(data_dir=tmp_path_factory.mktemp(name), today=date(2026, 11, 23),
                        embeddings="hash", chroma_url=None, _env_file=None)  # type: ignore[call-arg]
    kb = KnowledgeBase.open(settings, embeddings=HashEmbeddings())
    report = kb.index([REPO_ROOT / Path(cases_file).parent / "kb"])
    assert report.chunks_total > 0 and not report.failed, report.failed
    critic = Critic.load(kb=kb, as_of=date(2026, 11, 23))
    result = run_critique_eval(load_cases(REPO_ROOT / cases_file), critic.critique,
                               list(critic.rubric.principles), lambda c: kb.get(c) is not None)
    yield name, result, floor, ceiling
    kb.close()


def test_independent_set_keeps_its_floor(run: Any) -> None:
    name, result, floor, ceiling = run
    s = result.scores
    assert not result.errors, result.errors
    assert s.macro_f1 >= floor, f"{name}\n{confusion_report(result)}"
    assert s.clean_false_alarm_rate <= ceiling, f"{name}\n{confusion_report(result)}"


def test_independent_set_evidence_is_verbatim_and_cited_from_its_own_kb(run: Any) -> None:
    _, result, _, _ = run
    d = result.scores.as_dict()
    assert d["evidence_grounding_rate"] == 1.0
    assert d["citation_validity"] == 1.0
