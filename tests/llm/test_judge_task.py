"""The judge eval task against the loopback server scripted to answer judgements: a judge that agrees with the golden
labels gets a high κ and its gate is used; one that disagrees gets a low κ and its gate is refused with a note.
Tokens and cost per case come from the usage log and the prices file (unknown model: n/a)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.errors import InputError
from coach.evaluation import RunResult, run_suite
from coach.llm.fake_server import FakeOpenAI, Reply
from coach.services import Services
from coach.settings import Settings

# 8 labelled cases, no personal data in them; the judge finds each case by its draft
CASES = [
    ("J1", "快递怎么还没到", "这是快递的问题，您自己联系快递吧。", ["no_blame_shifting", "empathy"]),
    ("J2", "在吗", "您好，请问有什么可以帮您？", []),
    ("J3", "衣服起球了", "亲，非常抱歉给您带来不好的体验，麻烦拍张照片，我马上为您处理。", []),
    ("J4", "退款什么时候到", "等着吧。", ["empathy", "solution_timeline"]),
    ("J5", "能便宜点吗", "最后一件了，现在不买马上就没了！", ["honest_urgency"]),
    ("J6", "尺码偏大吗", "亲，这款版型正常，按平时尺码选就好，有问题随时找我～", []),
    ("J7", "包装破了", "这不是我们的问题。", ["no_blame_shifting", "empathy"]),
    ("J8", "什么时候发货", "亲，付款后48小时内发货哦，发出后会同步物流单号给您～", []),
]
GOLD = {draft: labels for _, _, draft, labels in CASES}
PRINCIPLES = ["empathy", "no_blame_shifting", "solution_timeline", "honest_urgency", "privacy"]


def judge_model(flip: bool) -> Callable[[dict[str, Any]], Reply]:
    """Agrees with the golden labels, or (flip) says the opposite for every principle."""

    def answer(body: dict[str, Any]) -> Reply:
        draft = re.search(r"<draft_reply>(.*?)</draft_reply>", body["messages"][1]["content"], re.S)
        assert draft is not None, "the judge prompt carries the draft in <draft_reply>"
        gold = GOLD[draft.group(1).strip()]
        judgements = [{"principle": p, "verdict": "violated" if (p in gold) != flip else "applied",
                       "evidence": "", "reason": "脚本"} for p in PRINCIPLES]
        return Reply(content=json.dumps({"judgements": judgements}, ensure_ascii=False), prompt_tokens=300,
                     completion_tokens=100)

    return answer


@pytest.fixture
def project(settings: Settings, tmp_path: Path, fake: FakeOpenAI) -> Settings:
    eval_dir = tmp_path / "proj" / "eval"
    (eval_dir / "suites").mkdir(parents=True)
    (eval_dir / "baselines").mkdir()
    rows = [{"id": i, "customer": c, "draft": d, "violations": v} for i, c, d, v in CASES]
    (eval_dir / "cases.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    (tmp_path / "prices.yaml").write_text("models:\n  priced-model: {input_per_mtok: 2.0, output_per_mtok: 8.0}\n",
                                          "utf-8")
    (eval_dir / "suites" / "j.yaml").write_text(
        f"name: j\ntask: judge\ndataset: eval/cases.jsonl\nbootstrap: 100\noptions:\n  prices: {tmp_path / 'prices.yaml'}\n"
        "gates:\n  judged_clean_rate: {min: 0.9}\n  errors: {max: 0}\n", encoding="utf-8")
    return settings.model_copy(update={"eval_dir": eval_dir, "llm_base_url": fake.base_url, "llm_timeout_s": 2.0,
                                       "llm_max_retries": 0})


@pytest.fixture
def run(project: Settings, demo_kb_factory: Any) -> Iterator[Callable[[str | None], RunResult]]:
    made: list[Services] = []

    def go(model: str | None) -> RunResult:
        services = Services(project.model_copy(update={"llm_model": model}))
        services.__dict__["kb"] = demo_kb_factory("hash")
        made.append(services)
        return run_suite(services, "j")

    yield go
    for s in made:
        if s.llm is not None:
            s.llm.close()


def test_an_agreeing_judge_is_trusted_and_its_gate_used(run: Callable[[str | None], RunResult],
                                                        fake: FakeOpenAI) -> None:
    fake.default = judge_model(flip=False)
    report = run("priced-model").report
    t = report["tasks"]["judge"]
    assert t["metrics"]["kappa"]["value"] == pytest.approx(1.0)
    assert t["details"]["kappa_by_principle"]["empathy"]["kappa"] == pytest.approx(1.0)
    assert t["metrics"]["judged_clean_rate"]["value"] == pytest.approx(0.5)
    gate = next(g for g in t["gates"] if g["metric"] == "judged_clean_rate")
    assert not gate["passed"] and "judge trusted: κ=1.00" in gate["note"]  # used: 0.5 < 0.9 fails the run
    assert report["passed"] is False
    # 1 call per case, 300 + 100 tokens each, priced 2 and 8 per million
    assert t["metrics"]["tokens_per_case"]["value"] == pytest.approx(400)
    assert t["metrics"]["cost_per_case"]["value"] == pytest.approx((300 * 2.0 + 100 * 8.0) / 1e6)
    assert {row["calls"] for row in t["details"]["per_case_usage"]} == {1}


def test_a_disagreeing_judge_is_not_trusted_and_its_gate_refused(run: Callable[[str | None], RunResult],
                                                                 fake: FakeOpenAI) -> None:
    fake.default = judge_model(flip=True)
    result = run("unpriced-model")
    report = result.report
    t = report["tasks"]["judge"]
    kappa = t["metrics"]["kappa"]["value"]
    assert kappa is not None and kappa < 0  # worse than chance
    gate = next(g for g in t["gates"] if g["metric"] == "judged_clean_rate")
    assert gate["passed"] and gate["used"] is False
    assert gate["note"].startswith(f"judge not trusted: κ={kappa:.2f}")
    assert report["passed"] is True  # the refused gate does not decide; errors: 0 still does
    assert t["metrics"]["cost_per_case"]["value"] is None and t["details"]["total_cost"] == "n/a"
    assert "judge not trusted" in result.paths["md"].read_text(encoding="utf-8")


def test_rules_mode_refuses_the_judge_task_before_a_run_is_recorded(run: Callable[[str | None], RunResult],
                                                                    project: Settings) -> None:
    from coach.evaluation import list_runs

    with pytest.raises(InputError, match="needs an LLM"):
        run(None)
    assert list_runs(project) == []


def test_every_task_reports_cost_per_case_by_model(project: Settings) -> None:
    from coach.evaluation.runner import llm_usage
    from coach.llm.usage import UsageRecord

    services = Services(project.model_copy(update={"llm_model": "gpt-4o-mini"}))  # priced in prompts/llm/prices.yaml
    assert services.llm is not None
    for model in ("gpt-4o-mini", "gpt-4o-mini"):
        services.llm.usage.add(UsageRecord(prompt="judge@1", model=model, outcome="ok", latency_ms=1.0,
                                           input_tokens=1000, output_tokens=500))
    usage = llm_usage(services, since=0.0, cases=2)
    assert usage is not None and usage["currency"] == "USD"
    assert usage["cost_per_case"] == pytest.approx((1000 * 0.15 + 500 * 0.60) / 1e6)
    services.llm.usage.add(UsageRecord(prompt="judge@1", model="mystery", outcome="ok", latency_ms=1.0))
    usage = llm_usage(services, since=0.0, cases=3)
    assert usage is not None and usage["cost_per_case"] == "n/a"
    services.llm.close()


def test_subject_drafts_judges_the_coachs_own_drafts(run: Callable[[str | None], RunResult], fake: FakeOpenAI,
                                                     project: Settings) -> None:
    suite = project.eval_dir / "suites" / "j.yaml"
    suite.write_text(suite.read_text("utf-8").replace("options:\n", "options:\n  subject: drafts\n"), "utf-8")
    judge = judge_model(flip=False)
    coach_draft = "亲，您好！非常抱歉给您添麻烦了，我马上为您查看处理，请稍等～"

    def model(body: dict[str, Any]) -> Reply:
        system = body["messages"][0]["content"]
        if "质检" in system:  # the judge: golden drafts as labelled, the coach's drafts clean
            return judge(body) if coach_draft not in body["messages"][1]["content"] else Reply(
                content=json.dumps({"judgements": []}))
        return Reply(content=json.dumps({"draft": coach_draft, "rewrite": coach_draft}, ensure_ascii=False))

    fake.default = model
    t = run("priced-model").report["tasks"]["judge"]
    assert t["errors"] == 0 and t["metrics"]["kappa"]["value"] == pytest.approx(1.0)
    assert t["metrics"]["judged_clean_rate"]["value"] == pytest.approx(1.0)  # the golden drafts' rate is 0.5
    assert min(row["calls"] for row in t["details"]["per_case_usage"]) >= 3  # judge, draft, judge
