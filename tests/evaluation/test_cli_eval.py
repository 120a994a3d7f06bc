"""`coach eval …` end to end through the console entry: exit codes, JSON summary, list, compare, baseline, resume."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.evaluation import RunInterrupted, run_suite
from coach.services import Services
from coach.settings import Settings

from .conftest import toy_suite

runner = CliRunner()
VALUES = [0.9, 0.2, 0.7, 0.6, 0.1, 0.8, 0.95, 0.3, 0.75, 0.65]


@pytest.fixture
def env(project: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("COACH_DATA_DIR", str(project.data_dir))
    monkeypatch.setenv("COACH_EVAL_DIR", str(project.eval_dir))
    monkeypatch.setenv("COACH_TODAY", "2026-11-23")
    return project


def _run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["eval", *args])
    return res.exit_code, res.stdout


def test_run_exit_codes_follow_the_gates(env: Settings) -> None:
    toy_suite(env, VALUES, gates="  mean: {min: 0.5}\n")
    code, out = _run("run", "toy", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["passed"] is True
    assert summary["tasks"]["toy"]["metrics"]["mean"]["value"] == pytest.approx(0.595, abs=1e-4)
    assert all(json.loads(json.dumps(summary["reports"])).values())
    toy_suite(env, VALUES, gates="  mean: {min: 0.7}\n")
    code, out = _run("run", "toy")
    assert code == 1 and "FAIL" in out
    code, _ = _run("run", "toy", "--limit", "3", "--seed", "1", "--json")
    assert code in (0, 1)


def test_bad_suites_exit_2_with_the_line(env: Settings) -> None:
    (env.eval_dir / "suites" / "broken.yaml").write_text("name: broken\ntask: toy\ndataset: eval/toy.jsonl\n"
                                                         "gates:\n  mean: {minimum: 1}\n", encoding="utf-8")
    toy_suite(env, VALUES)
    res = runner.invoke(app, ["eval", "run", "broken"])
    assert res.exit_code == 2
    assert "broken.yaml:5: gates.mean.minimum" in res.output
    res = runner.invoke(app, ["eval", "validate"])
    assert res.exit_code == 1 and "broken.yaml:5" in res.output
    res = runner.invoke(app, ["eval", "validate", str(env.eval_dir / "suites" / "toy.yaml")])
    assert res.exit_code == 0, res.output


def test_list_compare_and_baseline(env: Settings) -> None:
    toy_suite(env, VALUES * 2)
    _run("run", "toy")
    toy_suite(env, [v - 0.2 for v in VALUES] * 2)
    _run("run", "toy")
    code, out = _run("list", "--json")
    runs = json.loads(out)
    assert code == 0 and len(runs) == 2 and all(r["status"] == "done" for r in runs)
    newer, older = runs[0]["run_id"], runs[1]["run_id"]
    code, out = _run("list")
    assert newer in out and older in out
    code, out = _run("compare", older, newer)
    assert code == 0 and "toy.mean" in out and "-0.2000" in out and "worse" in out
    code, out = _run("compare", older, newer, "--json")
    cmp = json.loads(out)
    row = next(r for r in cmp["rows"] if r["metric"] == "toy.mean")
    assert row["delta"] == pytest.approx(-0.2, abs=1e-4) and row["worse"]
    assert any("different samples" in n for n in cmp["notes"])  # the dataset was rewritten between the runs
    code, out = _run("baseline", older)
    assert code == 0 and (env.eval_dir / "baselines" / "toy.json").exists()
    code, _ = _run("compare", older, "no-such-run")
    assert code == 2


def test_resume_from_the_command_line(env: Settings) -> None:
    toy_suite(env, VALUES)

    def stop(done: int, total: int, label: str) -> None:
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted) as exc:
        run_suite(Services(env), "toy", progress=stop)
    code, out = _run("run", "--resume", exc.value.run_id, "--json")
    assert code == 0 and json.loads(out)["run_id"] == exc.value.run_id
    code, out = _run("list", "--json")
    assert [r["status"] for r in json.loads(out)] == ["done"]
