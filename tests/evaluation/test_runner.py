"""The runner: resume after an interruption, selection, repeats, concurrency, errors, history, gates, baselines."""

from __future__ import annotations

import json

import pytest

from coach.errors import InputError
from coach.evaluation import (
    Overrides,
    RunInterrupted,
    compare_runs,
    list_runs,
    report_paths,
    run_dir,
    run_suite,
    write_baseline_for,
)
from coach.evaluation.history import get_run
from coach.services import Services
from coach.settings import Settings

from .conftest import ToyTask, toy_suite

VALUES = [0.9, 0.2, 0.7, 0.6, 0.1, 0.8, 0.95, 0.3, 0.75, 0.65]


def test_an_interrupted_run_resumes_where_it_stopped(project: Settings, services: Services) -> None:
    toy_suite(project, VALUES)

    def stop_after_four(done: int, total: int, label: str) -> None:
        if done == 4:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted) as exc:
        run_suite(services, "toy", progress=stop_after_four)
    run_id = exc.value.run_id
    assert ToyTask.calls == ["T00", "T01", "T02", "T03"]
    row = get_run(project, run_id)
    assert row is not None and row.status == "interrupted"
    assert report_paths(project, run_id) == {}

    # the process died while writing a fifth line: the torn line is ignored and its item runs again
    with (run_dir(project, run_id) / "results.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"task": "toy", "id": "T04", "re')
    ToyTask.calls.clear()
    resumed = run_suite(services, resume=run_id)
    assert ToyTask.calls == [f"T{i:02d}" for i in range(4, 10)]
    assert resumed.run_id == run_id
    fresh = run_suite(services, "toy")
    assert resumed.report["tasks"]["toy"]["metrics"] == fresh.report["tasks"]["toy"]["metrics"]
    assert resumed.report["tasks"]["toy"]["metrics"]["mean"]["value"] == pytest.approx(sum(VALUES) / 10, abs=1e-4)
    with pytest.raises(InputError, match="is complete"):
        run_suite(services, resume=run_id)


def test_resume_is_refused_when_the_dataset_changed(project: Settings, services: Services) -> None:
    toy_suite(project, VALUES)
    with pytest.raises(RunInterrupted) as exc:
        run_suite(services, "toy", progress=lambda d, t, label: (_ for _ in ()).throw(KeyboardInterrupt) if d else None)
    toy_suite(project, [*VALUES, 0.5])
    with pytest.raises(InputError, match="changed since the run started"):
        run_suite(services, resume=exc.value.run_id)


def test_limit_and_seed_pick_a_reproducible_subset_in_file_order(project: Settings, services: Services) -> None:
    toy_suite(project, VALUES)
    a = run_suite(services, "toy", overrides=Overrides(limit=4, seed=5))
    first = list(ToyTask.calls)
    ToyTask.calls.clear()
    b = run_suite(services, "toy", overrides=Overrides(limit=4, seed=5))
    assert ToyTask.calls == first and len(first) == 4 and first == sorted(first)
    assert a.report["tasks"]["toy"]["cases"] == 4
    assert a.run_id != b.run_id and run_dir(project, a.run_id) != run_dir(project, b.run_id)


def test_repeat_and_concurrency_give_the_same_metrics(project: Settings, services: Services) -> None:
    toy_suite(project, VALUES)
    one = run_suite(services, "toy")
    many = run_suite(services, "toy", overrides=Overrides(repeat=3, concurrency=4))
    for name, m in one.report["tasks"]["toy"]["metrics"].items():  # repeats of an item are resampled together
        other = many.report["tasks"]["toy"]["metrics"][name]
        assert other["value"] == m["value"] and other["ci"] == pytest.approx(m["ci"], abs=2e-4)
    assert len(many.report["tasks"]["toy"]["latency_ms"]) == 30
    lines = (run_dir(project, many.run_id) / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted((json.loads(x)["id"], json.loads(x)["rep"]) for x in lines) == sorted(
        (f"T{i:02d}", r) for i in range(10) for r in range(3))


def test_a_failing_item_is_recorded_masked_and_gated(project: Settings, services: Services) -> None:
    toy_suite(project, VALUES, labels={3: "boom"}, gates="  errors: {max: 0}\n")
    result = run_suite(services, "toy")
    t = result.report["tasks"]["toy"]
    assert t["errors"] == 1 and t["error_list"][0]["id"] == "T03"
    assert "13812345678" not in t["error_list"][0]["error"] and "⟦手机号⟧" in t["error_list"][0]["error"]
    assert t["metrics"]["mean"]["value"] == pytest.approx((sum(VALUES) - 0.6) / 9, abs=1e-4)
    assert not result.passed
    assert [g["passed"] for g in t["gates"]] == [False]


def test_threshold_and_baseline_gates(project: Settings, services: Services) -> None:
    toy_suite(project, VALUES * 3, gates="  mean: {min: 0.4, baseline: true}\n  positive_rate: {max: 0.9}\n")
    first = run_suite(services, "toy")
    kinds = {(g["metric"], g["kind"]): g for g in first.report["tasks"]["toy"]["gates"]}
    assert first.passed and "no baseline yet" in kinds[("mean", "baseline")]["note"]
    path = write_baseline_for(project, first.run_id)
    baseline = json.loads(path.read_text(encoding="utf-8"))
    lo, hi = baseline["metrics"]["toy.mean"]["ci"]
    assert lo < baseline["metrics"]["toy.mean"]["value"] < hi

    # same data and system: inside its own interval -> pass; the system scores every item 0.15 lower -> below the
    # interval -> fail, although the threshold (0.4) still holds
    assert run_suite(services, "toy").passed
    ToyTask.offset = 0.15
    worse = run_suite(services, "toy")
    gates = {(g["metric"], g["kind"]): g for g in worse.report["tasks"]["toy"]["gates"]}
    assert gates[("mean", "min")]["passed"] and not gates[("mean", "baseline")]["passed"]
    assert not worse.passed
    cmp = compare_runs(project, first.run_id, worse.run_id)
    row = next(r for r in cmp["rows"] if r["metric"] == "toy.mean")
    assert row["delta"] == pytest.approx(-0.15, abs=1e-3) and row["significant"] and row["worse"]

    # a baseline of another sample (edited dataset) is not compared, and the report says why
    toy_suite(project, [*VALUES, 0.5] * 3, gates="  mean: {min: 0.4, baseline: true}\n")
    other = run_suite(services, "toy")
    gate = next(g for g in other.report["tasks"]["toy"]["gates"] if g["kind"] == "baseline")
    assert gate["passed"] and "not comparable" in gate["note"]


def test_runs_are_listed_newest_first_with_their_provenance(project: Settings, services: Services) -> None:
    toy_suite(project, VALUES)
    a = run_suite(services, "toy")
    b = run_suite(services, "toy")
    rows = list_runs(project, suite="toy")
    assert [r.run_id for r in rows][:2] == [b.run_id, a.run_id]
    row = rows[0]
    assert row.status == "done" and row.passed is True and row.cases == 10
    assert row.settings["mode"] == "rules" and "rubric" in row.prompts
    assert row.metrics["toy"]["metrics"]["mean"]["value"] == b.report["tasks"]["toy"]["metrics"]["mean"]["value"]
    assert b.report["provenance"]["git"].keys() == {"commit", "dirty"}


def test_settings_summary_never_carries_secrets(project: Settings) -> None:
    from pydantic import SecretStr

    from coach.evaluation.provenance import settings_summary

    s = project.model_copy(update={"llm_base_url": "https://user:sk-secret@llm.example.com/v1?key=sk-2",
                                   "llm_api_key": SecretStr("sk-3"), "llm_model": "qwen"})
    text = json.dumps(settings_summary(s))
    assert "sk-" not in text and "llm.example.com/v1" in text and '"mode": "llm"' in text


def test_bad_run_ids_are_refused(project: Settings) -> None:
    for bad in ("../etc", "a/b", "", ".hidden"):
        with pytest.raises(InputError):
            report_paths(project, bad)
