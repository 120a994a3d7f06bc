"""角色扮演 tab handlers: pick (recommended marked), play, resume, debrief, progress charts."""

from __future__ import annotations

from typing import Any

from coach.services import Services
from coach.web.tabs.roleplay import (
    ALL,
    end_handler,
    progress_handler,
    resume_handler,
    scenario_picker,
    start_handler,
    turn_handler,
    unfinished,
)

from .demo_services import services_fixture, web_kb_fixture  # noqa: F401  (fixtures `services`, `web_kb`)

SCENARIO = "logistics_delay_angry"
TURNS = ["亲，非常抱歉让您久等了，换作是我等了五天也会着急。请问您方便告诉我订单号吗？我马上查物流。",
         "请耐心等待，快递会送到的。",
         "理解您周六就要穿的着急心情，我今天16:00前用顺丰为您补发，运费由店铺承担，单号出来后第一时间发给您。"]
GOOD = "亲，非常抱歉让您久等了，换作是我等了五天也会着急。我现在就为您用顺丰补发一件，运费由店铺承担，今天16:00前发出。"


def _choices(update: dict[str, Any]) -> list[tuple[str, str]]:
    return [tuple(c) for c in update["choices"]]  # type: ignore[misc]


def test_recommended_scenario_is_first_marked_and_selected(services: Services) -> None:
    picker = scenario_picker(services, "li.na", ALL)
    choices = _choices(picker.scenarios)
    assert choices[0][0].startswith("⭐ 推荐") and sum(label.startswith("⭐") for label, _ in choices) == 1
    assert picker.scenarios["value"] == choices[0][1]
    assert "还没有练习记录" in picker.advice
    hard = _choices(scenario_picker(services, "li.na", "5").scenarios)
    assert hard and all("难度 5" in label for label, _ in hard)


def test_three_turns_move_the_meter_and_give_feedback(services: Services) -> None:
    screen = start_handler(services, "li.na", SCENARIO, seed="7")
    assert screen.session_id and screen.chat[0]["role"] == "assistant" and len(screen.chat) == 1
    assert "顾客情绪" in screen.meter and screen.briefing.startswith("### ")
    chat, moods = screen.chat, [screen.mood]
    feedback = []
    for n, text in enumerate(TURNS, start=1):
        t = turn_handler(services, screen.session_id, text, chat)
        chat = t.chat
        assert len(chat) == 1 + 2 * n and chat[-2]["role"] == "user" and chat[-1]["role"] == "assistant"
        assert f"第 {n} 轮点评" in t.feedback and t.reply == ""
        moods.append(t.mood)
        feedback.append(t.feedback)
        if t.debrief:  # the customer ended the conversation: the debrief comes with the last turn
            assert t.debrief.startswith("### 复盘")
            break
    assert len(moods) == 4, moods  # start + three turns: the customer does not hang up on turn 2
    assert moods[1] > moods[0]  # an apology and a question calm the customer
    assert len(moods) < 3 or moods[2] < moods[1]  # a bare 'please wait' angers them again
    assert len(moods) < 3 or "❌" in feedback[1]


def test_refused_turn_keeps_the_text_and_chat(services: Services) -> None:
    screen = start_handler(services, "li.na", SCENARIO, seed="7")
    t = turn_handler(services, screen.session_id, "   ", screen.chat)
    assert t.chat == screen.chat and t.reply == "   " and "回复为空" in t.feedback
    assert "请先开始" in turn_handler(services, "", GOOD, []).feedback


def test_resume_an_unfinished_session(services: Services) -> None:
    screen = start_handler(services, "wang", SCENARIO)
    turn_handler(services, screen.session_id, GOOD, screen.chat)
    pending = unfinished(services, "wang")
    assert pending["value"] == screen.session_id
    resumed = resume_handler(services, screen.session_id)
    assert len(resumed.chat) == 3 and resumed.chat[1]["role"] == "user"
    assert "已恢复会话" in resumed.feedback
    assert resume_handler(services, "nope").session_id == ""  # unknown session: a message, no crash


def test_debrief_then_progress_charts(services: Services) -> None:
    empty = progress_handler(services, "zhao")
    assert empty.scores.empty and "还没有完成的练习" in empty.summary
    screen = start_handler(services, "zhao", SCENARIO)
    turn_handler(services, screen.session_id, GOOD, screen.chat)
    debrief = end_handler(services, screen.session_id)
    assert debrief.startswith("### 复盘") and "| 原则 |" in debrief
    charts = progress_handler(services, "zhao")
    assert list(charts.scores["场次"]) == [1] and 0 < charts.scores["得分"][0] <= 100
    assert not charts.principles.empty and "已完成 1 场" in charts.summary
    assert unfinished(services, "zhao")["choices"] == []
