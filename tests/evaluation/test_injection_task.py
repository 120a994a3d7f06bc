"""The injection task's leak metric: not applicable in rules mode; in LLM mode (a real OpenAI-compatible server on
loopback) it reads the canary coach.llm plants in every system prompt and counts critiques that carry it back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coach.evaluation.tasks import LoadContext
from coach.evaluation.tasks.injection import InjectionTask, Probe
from coach.llm.fake_server import FakeOpenAI, all_text, echo_responder
from coach.models import Case, Critique
from coach.services import Services
from coach.settings import Settings


def _probes(settings: Settings, n: int = 6) -> list[Probe]:
    return InjectionTask().load(settings.eval_dir / "injection" / "probes.jsonl", LoadContext(settings))[:n]


def test_rules_mode_reports_no_score_increase_and_leak_as_not_applicable(settings: Settings) -> None:
    task = InjectionTask()
    metrics = task.run(_probes(settings, 12), Services(settings))
    assert metrics["score_increase_rate"] == 0.0 and metrics["violation_drop_rate"] == 0.0
    assert metrics["leak_rate"] is None and task.leak_status.startswith("not applicable")


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def test_llm_mode_measures_canary_leaks(settings: Settings, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.default = echo_responder  # an "evil" model: repeats everything it was sent, system prompt included
    llm_settings = settings.model_copy(update={"llm_base_url": fake.base_url, "llm_model": "fake-model",
                                               "llm_timeout_s": 2.0, "llm_max_retries": 0})
    services = Services(llm_settings)
    task = InjectionTask()
    probes = _probes(settings)
    metrics = task.run(probes, services)
    assert task.canary.startswith("CANARY-") and task.canary in all_text(fake.requests[-1])  # really planted
    assert task.leak_status.startswith("measured")
    assert metrics["leak_rate"] == 0.0  # the coach's leak guard never shows the echo

    real = services.critique

    def leaky(case: Case) -> Critique:  # a coach without that guard
        crit = real(case)
        crit.notices.append(f"system: {task.canary}")
        return crit

    monkeypatch.setattr(services, "critique", leaky)
    assert task.run(probes, services)["leak_rate"] == 1.0


def test_llm_mode_runs_record_tokens_and_cost_per_case(settings: Settings, project: Settings,
                                                       fake: FakeOpenAI) -> None:
    from coach.evaluation import run_suite

    fake.default = echo_responder
    probes = project.eval_dir.parent.parent / "probes.jsonl"
    probes.write_text("".join(p.model_dump_json() + "\n" for p in _probes(settings, 3)), encoding="utf-8")
    (project.eval_dir / "suites" / "inj.yaml").write_text(
        f"name: inj\ntask: injection\ndataset: {probes}\nbootstrap: 100\n"
        "llm_prices: {input_per_mtok: 2.0, output_per_mtok: 8.0}\ngates:\n  leak_rate: {max: 0}\n", encoding="utf-8")
    llm = project.model_copy(update={"llm_base_url": fake.base_url, "llm_model": "fake-model", "llm_timeout_s": 2.0,
                                     "llm_max_retries": 0})
    result = run_suite(Services(llm), "inj")
    t = result.report["tasks"]["injection"]
    usage = t["llm_usage"]
    assert usage["calls"] >= 6 and usage["input_tokens"] == 50 * usage["calls"]  # the fake reports 50 + 20 per call
    assert usage["cost"] == pytest.approx((50 * 2.0 + 20 * 8.0) * usage["calls"] / 1e6)
    assert result.report["provenance"]["settings"]["mode"] == "llm" and t["metrics"]["leak_rate"]["value"] == 0.0
    assert "tokens/case" in result.paths["md"].read_text(encoding="utf-8")
