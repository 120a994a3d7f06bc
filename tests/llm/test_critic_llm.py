"""Services.critique in LLM mode against the loopback server: merge with the rules critique, grounding, rewrite
re-check, fallback to rules on failure, and redaction of everything that is sent."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from coach.llm.fake_server import FakeOpenAI, Reply
from coach.models import Case, Order
from coach.services import Services
from coach.settings import Settings

from .conftest import CANARY, critique_json, finding

BLAME = Case(customer="快递五天了还没到！到底怎么回事？", draft="这是快递的问题，您自己联系快递吧。")
CLEAN = Case(customer="你们家发什么快递？", draft="亲，您好！我们默认发中通快递，付款后48小时内发货，还有其他问题随时找我哦～")
RETURN_WRONG = Case(customer="衣服穿了一次不喜欢，还能退吗？", draft="亲，签收30天内都可以无理由退货哦。")


@pytest.fixture
def services(llm_settings: Settings, demo_kb_factory: Any) -> Iterator[Services]:
    s = Services(llm_settings)
    s.__dict__["kb"] = demo_kb_factory("hash")  # the demo shop, hashed embedder: no model to load
    assert s.llm is not None
    s.llm.options.canary = CANARY
    s.critic.critique(BLAME)  # warm the fact book so timings below measure the LLM path only
    yield s
    s.llm.close()


def rules_of(services: Services, case: Case) -> Any:
    return services.critic.critique(case)


def test_agreement_uses_the_models_wording_and_keeps_rules_evidence(services: Services, fake: FakeOpenAI) -> None:
    rules = rules_of(services, BLAME)
    assert "no_blame_shifting" in rules.violations
    fake.enqueue(Reply(content=critique_json(
        [finding("no_blame_shifting", "violated", "您自己联系快递吧", "把责任推给了快递和顾客", "改为由店铺跟进")],
        "亲，非常抱歉让您久等了！我马上联系快递为您催件，今天18:00前给您回复。")))
    crit = services.critique(BLAME)
    assert crit.mode == "llm"
    f = next(f for f in crit.findings if f.principle == "no_blame_shifting")
    r = next(f for f in rules.findings if f.principle == "no_blame_shifting")
    assert f.verdict == "violated" and f.explanation == "把责任推给了快递和顾客" and f.suggestion == "改为由店铺跟进"
    assert (f.evidence, f.start, f.end) == (r.evidence, r.start, r.end)
    assert set(rules.violations) <= set(crit.violations)


def test_the_model_cannot_clear_a_rules_violation_but_its_disagreement_is_shown(
        services: Services, fake: FakeOpenAI) -> None:
    rules = rules_of(services, RETURN_WRONG)
    assert "policy_accuracy" in rules.violations  # 30天 contradicts 7天无理由
    everything_fine = [finding(p, "applied", explanation="完全正确") for p in services.critic.rubric.principles]
    fake.enqueue(Reply(content=critique_json(everything_fine)))
    crit = services.critique(RETURN_WRONG)
    assert set(rules.violations) <= set(crit.violations)
    assert crit.score == rules.score <= 59  # the critical cap still applies
    f = next(f for f in crit.findings if f.principle == "policy_accuracy")
    assert f.explanation.startswith("【大模型认为做到") and f.severity == 3
    assert any("大模型与规则判定不一致" in n and "policy_accuracy" in n for n in crit.notices)


def test_a_grounded_extra_violation_is_adopted_with_offsets(services: Services, fake: FakeOpenAI) -> None:
    rules = rules_of(services, CLEAN)
    assert rules.violations == []
    fake.enqueue(Reply(content=critique_json([finding("clarity", "violated", "默认发中通快递", "表述可以更清楚")],
                                             rewrite="")))
    crit = services.critique(CLEAN)
    f = next(f for f in crit.findings if f.principle == "clarity")
    assert f.verdict == "violated" and f.explanation.startswith("【大模型补充】")
    assert CLEAN.draft[f.start:f.end] == "默认发中通快递"  # type: ignore[index]
    assert crit.violations == ["clarity"] and crit.score < rules.score


def test_evidence_that_is_not_in_the_draft_is_dropped_and_not_scored(services: Services, fake: FakeOpenAI) -> None:
    rules = rules_of(services, CLEAN)
    fake.enqueue(Reply(content=critique_json([finding("clarity", "violated", "我们默认发顺丰快递", "啰嗦")])))
    crit = services.critique(CLEAN)
    assert "clarity" not in crit.violations and crit.score == rules.score
    assert any("不是草稿原文" in n and "clarity" in n for n in crit.notices)
    f = next(f for f in crit.findings if f.principle == "clarity")
    assert "未采纳" in f.explanation


def test_citations_must_be_passages_retrieved_for_this_call(services: Services, fake: FakeOpenAI) -> None:
    fake.enqueue(Reply(content=critique_json([finding("no_blame_shifting", "violated", "您自己联系快递吧",
                                                      citations=["policy:made-up#9"])])))
    crit = services.critique(BLAME)
    assert all("policy:made-up#9" not in f.citations for f in crit.findings)
    assert any("policy:made-up#9" in n for n in crit.notices)
    assert "<kb_passage id=" in fake.requests[0]["messages"][1]["content"]  # passages were retrieved and sent


def test_a_rewrite_that_still_violates_is_regenerated(services: Services, fake: FakeOpenAI) -> None:
    fake.enqueue(
        Reply(content=critique_json([finding("no_blame_shifting", "violated", "您自己联系快递吧")],
                                    rewrite="这是快递的问题，您自己联系快递吧。")),  # still blames
        Reply(content=json.dumps({"rewrite": "亲，非常抱歉让您久等了！这边马上联系快递为您催件，今天18:00前给您回复进展，"
                                  "请您放心。"}, ensure_ascii=False)))
    crit = services.critique(BLAME)
    assert len(fake.requests) == 2
    assert "改写成合格的回复" in fake.requests[1]["messages"][0]["content"]  # the rewrite prompt, with the problems
    assert "no_blame_shifting" in fake.requests[1]["messages"][1]["content"]
    assert crit.rewrite and "您自己联系快递" not in crit.rewrite
    recheck = services.critic.critique(BLAME.model_copy(update={"draft": crit.rewrite}))
    assert "no_blame_shifting" not in recheck.violations


def test_a_rewrite_still_breaking_a_critical_rule_is_never_shown(services: Services, fake: FakeOpenAI) -> None:
    bad_rewrite = "亲，签收30天内都可以无理由退货哦，放心购买。"
    fake.enqueue(Reply(content=critique_json([finding("policy_accuracy", "violated", "签收30天内都可以无理由退货")],
                                             rewrite=bad_rewrite)),
                 Reply(content=json.dumps({"rewrite": bad_rewrite}, ensure_ascii=False)))
    rules = rules_of(services, RETURN_WRONG)
    crit = services.critique(RETURN_WRONG)
    assert crit.rewrite == rules.rewrite and crit.rewrite != bad_rewrite
    assert any("未采用" in n for n in crit.notices)


def test_timeout_falls_back_to_rules_within_one_second(services: Services, fake: FakeOpenAI) -> None:
    fake.default = Reply(content=critique_json(), delay_s=5)
    rules = rules_of(services, BLAME)
    t0 = time.perf_counter()
    crit = services.critique(BLAME)
    elapsed = time.perf_counter() - t0
    assert elapsed < services.settings.llm_timeout_s + 1.0
    assert crit.mode == "rules" and crit.score == rules.score and crit.violations == rules.violations
    assert any("超时" in n for n in crit.notices)


@pytest.mark.parametrize("reply", [Reply(status=500), Reply(content="不是 JSON"), Reply(status=401)])
def test_any_failure_gives_the_rules_answer_and_a_notice(services: Services, fake: FakeOpenAI, reply: Reply) -> None:
    fake.default = reply
    crit = services.critique(BLAME)
    assert crit.mode == "rules" and crit.violations == rules_of(services, BLAME).violations
    assert any("规则模式" in n for n in crit.notices)


def test_an_open_breaker_answers_from_rules_at_once(services: Services, fake: FakeOpenAI) -> None:
    fake.default = Reply(status=503)
    assert services.llm is not None
    services.llm.breaker.threshold = 1
    services.critique(BLAME)
    sent = len(fake.requests)
    t0 = time.perf_counter()
    crit = services.critique(BLAME)
    assert time.perf_counter() - t0 < 1.0 and len(fake.requests) == sent
    assert any("熔断" in n for n in crit.notices)


PHONE, ID_CARD, ORDER_NO, EMAIL = "13812345678", "11010519491231002X", "2026112312345678", "zhang.wei@example.com"


def test_no_raw_pii_reaches_the_server_and_the_answer_is_restored(services: Services, fake: FakeOpenAI) -> None:
    case = Case(customer=f"我的订单 {ORDER_NO} 五天了还没到！电话{PHONE}，身份证{ID_CARD}，邮箱{EMAIL}",
                context=[{"role": "customer", "text": f"收件人张伟，手机{PHONE}"}],  # type: ignore[list-item]
                order=Order(order_id=ORDER_NO, status="shipped"),
                draft=f"亲，这是快递的问题，您自己打电话给快递吧，留的是{PHONE}对吗？")

    def answer(body: dict[str, Any]) -> Reply:
        # The model copies the placeholder it was shown into its rewrite, which still blames: regenerated below.
        assert "⟦手机号1⟧" in json.dumps(body, ensure_ascii=False)
        return Reply(content=critique_json(
            [finding("no_blame_shifting", "violated", "您自己打电话给快递吧")],
            rewrite="这是快递的问题，您自己打电话给快递吧，号码⟦手机号1⟧。"))

    def regenerated(body: dict[str, Any]) -> Reply:
        assert "⟦手机号1⟧" in json.dumps(body, ensure_ascii=False)  # the restored rewrite was redacted again
        return Reply(content=json.dumps({"rewrite": "亲，非常抱歉让您久等了！我马上联系快递为您催件，今天18:00前致电"
                                                    "⟦手机号1⟧告诉您进展。"}, ensure_ascii=False))

    fake.enqueue(answer, regenerated)
    crit = services.critique(case)
    assert len(fake.requests) == 2
    sent = json.dumps(fake.requests, ensure_ascii=False)
    for raw in (PHONE, ID_CARD, ORDER_NO, EMAIL, "张伟"):
        assert raw not in sent
    assert "⟦手机号1⟧" in sent and "⟦订单号1⟧" in sent
    assert crit.mode == "llm" and crit.rewrite is not None
    assert PHONE in crit.rewrite and "⟦" not in crit.rewrite
