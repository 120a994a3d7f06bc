"""The LLM roleplay customer switched on: selected by COACH_ROLEPLAY_CUSTOMER (auto = LLM when configured), spoken
through the customer prompt on the loopback server, while the critic-driven meter alone decides mood and reveals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from coach.llm.fake_server import FakeOpenAI, Reply
from coach.roleplay import service as rp
from coach.roleplay.customer import NO_LLM, choose_customer
from coach.services import Services
from coach.settings import Settings

from .conftest import CANARY

SCENARIO = "logistics_delay_angry"
NEED_BY = "哈尔滨"  # in the hidden fact need_by, released only when the trainee asks when it is needed
COURIER = "中通客服电话"  # in the hidden fact called_courier, never asked for below
ASK_WHEN = "亲，非常抱歉让您久等了！我马上联系中通催件，今天18:00前给您回复。请问您什么时候要穿呢？"
NO_ASK = "亲，非常抱歉让您久等了！我马上联系中通催件，今天18:00前给您回复进展。"


def _is_customer_prompt(body: dict[str, Any]) -> bool:
    return "扮演一位网购顾客" in body["messages"][0]["content"]


def model(body: dict[str, Any]) -> Reply:
    """The customer prompt gets a line; the turn's LLM critique gets an empty (valid) critique: rules verdicts."""
    if _is_customer_prompt(body):
        return Reply(content="你们到底什么时候能给我个准话？")
    return Reply(content=json.dumps({"findings": [], "rewrite": ""}))


@pytest.fixture
def services(llm_settings: Settings, demo_kb_factory: Any) -> Iterator[Services]:
    s = Services(llm_settings)
    s.__dict__["kb"] = demo_kb_factory("hash")
    assert s.llm is not None
    s.llm.options.canary = CANARY
    yield s
    s.llm.close()


def customer_prompts(fake: FakeOpenAI) -> list[str]:
    return ["\n".join(m["content"] for m in b["messages"]) for b in fake.requests if _is_customer_prompt(b)]


def test_choice_of_customer() -> None:
    assert choose_customer(None, "auto", llm_ready=True) == ("llm", [])
    assert choose_customer(None, "auto", llm_ready=False) == ("scripted", [])
    assert choose_customer(None, "scripted", llm_ready=True) == ("scripted", [])
    assert choose_customer("llm", "scripted", llm_ready=False) == ("scripted", [NO_LLM])
    assert choose_customer("echo", "auto", llm_ready=True) == ("echo", [])


def test_auto_picks_the_llm_customer_and_the_setting_can_turn_it_off(services: Services, fake: FakeOpenAI) -> None:
    fake.default = model
    start = rp.start_session(services, SCENARIO, trainee="a", seed="1")
    assert start.customer_mode == "llm" and start.opening == "你们到底什么时候能给我个准话？"
    off = Services(services.settings.model_copy(update={"roleplay_customer": "scripted"}))
    off.__dict__["kb"] = services.kb
    start = rp.start_session(off, SCENARIO, trainee="b", seed="1")
    assert start.customer_mode == "scripted" and start.opening != "你们到底什么时候能给我个准话？"


def test_rules_mode_asking_for_the_llm_customer_gets_the_scripted_one_with_a_notice(settings: Settings,
                                                                                 demo_kb_factory: Any) -> None:
    s = Services(settings.model_copy(update={"roleplay_customer": "llm"}))
    s.__dict__["kb"] = demo_kb_factory("hash")
    start = rp.start_session(s, SCENARIO, trainee="c", seed="1")
    assert start.customer_mode == "scripted" and NO_LLM in start.notices


def test_hidden_facts_reach_the_prompt_only_once_uncovered(services: Services, fake: FakeOpenAI) -> None:
    fake.default = model
    start = rp.start_session(services, SCENARIO, trainee="d", seed="1")
    rp.take_turn(services, start.session_id, NO_ASK)
    before = customer_prompts(fake)
    assert len(before) == 2 and not any(NEED_BY in p or COURIER in p for p in before)
    turn = rp.take_turn(services, start.session_id, ASK_WHEN)
    assert [r.id for r in turn.revealed] == ["need_by"]
    last = customer_prompts(fake)[-1]
    assert NEED_BY in last and COURIER not in last


def test_the_meter_moves_the_same_whoever_speaks(services: Services, fake: FakeOpenAI) -> None:
    fake.default = model
    moods = {}
    for mode in ("llm", "scripted"):
        start = rp.start_session(services, SCENARIO, trainee=f"m-{mode}", seed="1", mode=mode)
        turns = [rp.take_turn(services, start.session_id, text) for text in (NO_ASK, ASK_WHEN)]
        moods[mode] = [(t.mood_after, t.trust_after, t.score, [r.id for r in t.revealed]) for t in turns]
    assert moods["llm"] == moods["scripted"]


def test_a_failing_turn_falls_back_to_the_scripted_line_with_a_notice(services: Services, fake: FakeOpenAI) -> None:
    fake.default = model
    start = rp.start_session(services, SCENARIO, trainee="e", seed="1")
    fake.default = lambda body: Reply(status=500) if _is_customer_prompt(body) else model(body)
    turn = rp.take_turn(services, start.session_id, NO_ASK)
    assert turn.customer and turn.customer != "你们到底什么时候能给我个准话？"
    assert any("脚本顾客" in n for n in turn.notices)
