"""The hooks other features call: llm_draft (drafting), llm_customer_reply (roleplay), llm_judge (eval)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from coach.llm import LLMRejected, LLMTimeout, llm_customer_reply, llm_draft, llm_judge
from coach.llm.fake_server import FakeOpenAI, Reply
from coach.models import Case, Turn
from coach.services import Services
from coach.settings import Settings

from .conftest import CANARY

PHONE = "13912345678"
RETURN_Q = Case(customer=f"衣服穿了一次不喜欢，还能退吗？我电话{PHONE}")


@pytest.fixture
def services(llm_settings: Settings, demo_kb_factory: Any) -> Iterator[Services]:
    s = Services(llm_settings)
    s.__dict__["kb"] = demo_kb_factory("hash")
    assert s.llm is not None
    s.llm.options.canary = CANARY
    yield s
    s.llm.close()


def draft_json(text: str, citations: list[str] | None = None) -> Reply:
    return Reply(content=json.dumps({"draft": text, "citations": citations or []}, ensure_ascii=False))


GOOD_DRAFT = "亲，您好！商品签收之日起7天内，不影响二次销售的话可以无理由退货，退货运费由您承担哦。还有其他问题随时找我～"


def passages(services: Services) -> list[Any]:
    return services.kb.search("七天无理由退货 运费", k=4)


def test_a_clean_draft_comes_back_with_grounded_citations(services: Services, fake: FakeOpenAI) -> None:
    ps = passages(services)
    fake.enqueue(draft_json(GOOD_DRAFT, [ps[0].id, "policy:invented#1"]))
    assert services.llm is not None
    out = llm_draft(services.llm, services.critic, RETURN_Q, ps)
    assert out.draft == GOOD_DRAFT and out.citations == [ps[0].id] and out.rounds == 0
    assert out.critique.violations == [] and any("policy:invented#1" in n for n in out.notices)
    assert PHONE not in json.dumps(fake.requests, ensure_ascii=False)


def test_a_draft_with_a_wrong_policy_claim_is_regenerated(services: Services, fake: FakeOpenAI) -> None:
    fake.enqueue(draft_json("亲，签收30天内都可以无理由退货哦，还有其他问题随时找我～"),
                 Reply(content=json.dumps({"rewrite": GOOD_DRAFT}, ensure_ascii=False)))
    assert services.llm is not None
    out = llm_draft(services.llm, services.critic, RETURN_Q, passages(services))
    assert out.draft == GOOD_DRAFT and out.rounds == 1 and len(fake.requests) == 2
    assert "policy_accuracy" in fake.requests[1]["messages"][1]["content"]


def test_a_draft_still_critical_after_the_rounds_is_never_returned(services: Services, fake: FakeOpenAI) -> None:
    wrong = "亲，签收30天内都可以无理由退货哦，还有其他问题随时找我～"
    fake.default = Reply(content=json.dumps({"draft": wrong, "rewrite": wrong}, ensure_ascii=False))
    assert services.llm is not None
    with pytest.raises(LLMRejected) as info:
        llm_draft(services.llm, services.critic, RETURN_Q, passages(services), rounds=2)
    assert len(fake.requests) == 3 and "规则核查" in info.value.notice


def test_the_roleplay_customer_speaks_restored_text(services: Services, fake: FakeOpenAI) -> None:
    def reply(body: dict[str, Any]) -> Reply:
        assert PHONE not in json.dumps(body, ensure_ascii=False)
        return Reply(content="“你们能不能快点？打我电话⟦手机号1⟧就行！”")

    fake.enqueue(reply)
    assert services.llm is not None
    text = llm_customer_reply(services.llm, persona=f"急性子的上班族，手机{PHONE}", goal="今天拿到退款",
                              mood="生气", mood_instruction="客服在推诿，你更生气", known_facts=["订单昨天签收"],
                              hidden_facts=["衣服袖口有线头"], history=[Turn(role="customer", text="在吗")],
                              trainee="亲，这个要问快递哦")
    assert text == f"你们能不能快点？打我电话{PHONE}就行！"
    system = fake.requests[0]["messages"][0]["content"]
    assert "衣服袖口有线头" in system and "急性子的上班族" in system


def test_the_roleplay_customer_times_out_like_everything_else(services: Services, fake: FakeOpenAI) -> None:
    fake.default = Reply(content="好", delay_s=3)
    assert services.llm is not None
    with pytest.raises(LLMTimeout):
        llm_customer_reply(services.llm, persona="p", goal="g", mood="平静", history=[], trainee="您好")


def test_the_judge_returns_verdicts_with_grounded_evidence(services: Services, fake: FakeOpenAI) -> None:
    case = Case(customer="快递五天了还没到！", draft="这是快递的问题，您自己联系快递吧。")
    fake.enqueue(Reply(content=json.dumps({"judgements": [
        {"principle": "no_blame_shifting", "verdict": "violated", "evidence": "您自己联系快递吧", "reason": "推诿"},
        {"principle": "empathy", "verdict": "violated", "evidence": "不在草稿里的话", "reason": "没有安抚"}]},
        ensure_ascii=False)))
    assert services.llm is not None
    judged = llm_judge(services.llm, case)
    assert judged.verdicts == {"no_blame_shifting": "violated", "empathy": "violated"}
    assert judged.evidence == {"no_blame_shifting": "您自己联系快递吧"}
    assert judged.prompt == "judge@1" and any("empathy" in n for n in judged.notices)
