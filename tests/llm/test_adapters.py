"""The adapters at the drafting and roleplay plug points (switched on in LLM mode), driven through those packages'
own public entry points (Drafter, start_session/take_turn) with the LLM on the loopback server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from coach.drafting import service as drafting
from coach.drafting.models import DraftRequest, DraftResult
from coach.llm.adapters import LLMDraftStrategy
from coach.llm.fake_server import FakeOpenAI, Reply
from coach.roleplay import service as rp
from coach.roleplay.customer import customer_modes
from coach.services import Services
from coach.settings import Settings

from .conftest import CANARY

GOOD = "亲，您好！商品签收之日起7天内，不影响二次销售的话可以无理由退货，退货运费由您承担哦。还有其他问题随时找我～"


@pytest.fixture
def services(llm_settings: Settings, demo_kb_factory: Any) -> Iterator[Services]:
    s = Services(llm_settings)
    s.__dict__["kb"] = demo_kb_factory("hash")
    assert s.llm is not None
    s.llm.options.canary = CANARY
    yield s
    s.llm.close()


@pytest.fixture
def draft(services: Services) -> Any:
    assert isinstance(drafting.llm_strategy(services), LLMDraftStrategy)  # switched on in LLM mode

    def run(customer: str) -> DraftResult:
        return drafting.draft(services, DraftRequest(customer=customer))

    return run


def test_the_drafter_shows_a_clean_llm_draft(draft: Any, fake: FakeOpenAI) -> None:
    fake.enqueue(Reply(content=json.dumps({"draft": GOOD, "citations": []}, ensure_ascii=False)))
    result = draft("衣服穿了一次不喜欢，还能退吗？")
    assert result.mode == "llm" and result.draft == GOOD and result.critique.violations == []


def test_the_drafter_falls_back_to_templates_when_the_llm_fails(draft: Any, fake: FakeOpenAI) -> None:
    fake.default = Reply(status=503)
    result = draft("衣服穿了一次不喜欢，还能退吗？")
    assert result.mode == "rules" and result.draft


def test_the_drafter_never_shows_a_critical_llm_draft(draft: Any, fake: FakeOpenAI) -> None:
    wrong = "亲，签收30天内都可以无理由退货哦，还有其他问题随时找我～"
    fake.default = Reply(content=json.dumps({"draft": wrong, "rewrite": wrong}, ensure_ascii=False))
    result = draft("衣服穿了一次不喜欢，还能退吗？")
    assert "30天" not in result.draft and "policy_accuracy" not in result.critique.violations


@pytest.fixture
def llm_customer() -> None:
    assert "llm" in customer_modes()  # registered by coach.roleplay.customer itself


def test_the_llm_customer_speaks_in_a_roleplay_session(services: Services, fake: FakeOpenAI,
                                                       llm_customer: None) -> None:
    lines = iter(["我的快递都五天了还没到，你们到底管不管？", "那你说什么时候能到？"])

    def model(body: dict[str, Any]) -> Reply:  # the turn's critique call gets no usable JSON: rules critique
        customer_prompt = "扮演一位网购顾客" in body["messages"][0]["content"]
        return Reply(content=next(lines) if customer_prompt else "{}")

    fake.default = model
    start = rp.start_session(services, "logistics_delay_angry", trainee="t1", seed="1")
    assert start.customer_mode == "llm" and start.opening == "我的快递都五天了还没到，你们到底管不管？"
    turn = rp.take_turn(services, start.session_id, "亲，非常抱歉让您久等了，我马上帮您联系快递催件，今天18:00前回复您。")
    assert turn.customer == "那你说什么时候能到？"
    sent = fake.requests[-1]["messages"]
    assert "马上帮您联系快递催件" in sent[1]["content"]  # the trainee's turn went in its delimiter


def test_a_failing_llm_customer_is_replaced_by_the_scripted_one(services: Services, fake: FakeOpenAI,
                                                                llm_customer: None) -> None:
    fake.default = Reply(status=500)
    start = rp.start_session(services, "logistics_delay_angry", trainee="t2", seed="1")
    assert start.opening and any("脚本顾客" in n for n in start.notices)
