"""评测 tab handlers on a tiny PII suite in the test's own eval/ folder (no KB needed, runs in about a second)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.services import Services
from coach.settings import REPO_ROOT, Settings
from coach.web.tabs.evaluation import compare_handler, run_choices, run_handler, show_run, suite_choices

PII = REPO_ROOT / "eval" / "privacy" / "pii_corpus.jsonl"


@pytest.fixture
def qa(settings: Settings, tmp_path: Path) -> Services:
    eval_dir = tmp_path / "proj" / "eval"
    (eval_dir / "suites").mkdir(parents=True)
    (eval_dir / "suites" / "tiny.yaml").write_text(
        f"name: tiny\ndescription: 隐私小样\ntask: pii\ndataset: {PII}\nlimit: 25\nbootstrap: 200\nseed: 3\n"
        "gates:\n  overall.recall: {min: 0.5}\n", encoding="utf-8")
    (eval_dir / "suites" / "broken.yaml").write_text("name: broken\ntask: nope\n", encoding="utf-8")
    return Services(settings.model_copy(update={"eval_dir": eval_dir}))


def test_suites_listed_with_broken_ones_flagged(qa: Services) -> None:
    choices = dict((v, label) for label, v in suite_choices(qa)["choices"])
    assert choices["tiny"].startswith("tiny — 隐私小样") and "文件有误" in choices["broken"]


def test_run_shows_summary_tables_report_and_downloads(qa: Services) -> None:
    ticks: list[tuple[int, int]] = []
    view = run_handler(qa, "tiny", lambda done, total, label: ticks.append((done, total)))
    assert ticks and ticks[-1][0] == ticks[-1][1] == 25
    assert view.summary.startswith("### tiny：✅ 全部门槛通过")
    assert "overall.recall" in set(view.metrics["指标"])
    assert view.principles.empty  # no critique task in this suite
    assert "还没有基线" in view.baseline.iloc[0, 0]
    assert view.report.startswith("<iframe") and 'sandbox=""' in view.report
    assert view.files is not None and sorted(Path(f).suffix for f in view.files) == [".html", ".json", ".md"]
    assert all(not Path(f).is_relative_to(qa.settings.data_dir) for f in view.files)  # the data dir is blocked
    report = json.loads(Path(next(f for f in view.files if f.endswith(".json"))).read_text(encoding="utf-8"))
    assert report["suite"] == "tiny"
    assert [v for _, v in view.runs["choices"]] == [report["run_id"]]


def test_baseline_comparison_and_run_comparison(qa: Services) -> None:
    first = run_handler(qa, "tiny")
    run_a = first.runs["value"]
    baseline = qa.settings.eval_dir / "baselines" / "tiny.json"
    baseline.parent.mkdir()
    baseline.write_text(json.dumps({"metrics": {"pii.overall.recall": {"value": 1.0, "ci": [1.0, 1.0]},
                                                "pii.errors": {"value": 0, "ci": None}}}), encoding="utf-8")
    second = run_handler(qa, "tiny")
    rows = {r["指标"]: r for _, r in second.baseline.iterrows()}
    assert set(rows) == {"pii.overall.recall", "pii.errors"}
    recall = float(rows["pii.overall.recall"]["本次"])
    assert (rows["pii.overall.recall"]["显著变差"] == "⚠️ 是") == (recall < 1.0)
    run_b = run_choices(qa)["value"]
    assert run_b != run_a
    note, table = compare_handler(qa, run_a, run_b)
    assert run_a in note and "pii.overall.recall" in set(table["指标"])
    assert compare_handler(qa, run_a, None)[0] == "**请选择两次运行。**"


def test_bad_suite_and_unknown_run_are_messages(qa: Services) -> None:
    assert "评测无法运行" in run_handler(qa, "broken").summary
    assert run_handler(qa, None).summary == "**请先选择评测集。**"
    assert "没有报告" in show_run(qa, "20260101-000000-x-0000").summary
    assert "not a run id" in show_run(qa, "../etc").summary
