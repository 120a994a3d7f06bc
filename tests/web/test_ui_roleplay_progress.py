"""角色扮演 progress view: a user allowed `progress.all` (trainer) picks any trainee, or 全部学员; anyone else sees
their own progress only — refused by the handler with the request being served, whatever value the page sends."""

from __future__ import annotations

from typing import Any

import gradio as gr

from coach.auth import Access
from coach.services import Services
from coach.web.tabs.roleplay import (
    end_handler,
    page_load,
    picker_update,
    progress_view,
    start_handler,
    turn_handler,
)
from coach.web.tabs.roleplay_progress import ALL_KEY, ALL_LABEL, REFUSED, trainee_key
from coach.web.ui import build_ui

from .accounts import Accounts
from .demo_services import services_fixture, web_kb_fixture  # noqa: F401  (fixtures `services`, `web_kb`)
from .gradio_request import serving

SCENARIO = "logistics_delay_angry"
GOOD = "亲，非常抱歉让您久等了，换作是我等了五天也会着急。我现在就为您用顺丰补发一件，运费由店铺承担，今天16:00前发出。"
TRAINERS = {"zhang.lei"}


def by_role(request: Any, permission: str) -> bool:
    """A fake Access.allows: trainers hold progress.all, everyone else only their own."""
    return permission == "progress.all" and request.username in TRAINERS


def practise(services: Services, trainee: str) -> str:
    """One finished session for `trainee` (single-user mode: the 学员 box names the trainee)."""
    screen = start_handler(services, trainee, SCENARIO, seed="3")
    turn_handler(services, screen.session_id, GOOD, screen.chat)
    assert end_handler(services, screen.session_id).startswith("### 复盘")
    return screen.session_id


def _choices(update: dict[str, Any]) -> dict[str, str]:
    return {label: value for label, value in update["choices"]}


def test_a_trainer_picks_another_trainee_and_gets_their_rows(services: Services) -> None:
    practise(services, "li.na")
    with serving("zhang.lei"):
        picker = picker_update(services, by_role, "ignored: logged in")
        # the trainer has no sessions, but their own entry is there to come back to, and selected
        assert picker["visible"] is True and picker["value"] == trainee_key("zhang.lei")
        choices = _choices(picker)
        assert choices == {ALL_LABEL: ALL_KEY, "zhang.lei（我）": trainee_key("zhang.lei"), "li.na": trainee_key("li.na")}
        view = progress_view(services, by_role, "ignored: logged in", choices["li.na"])
    assert "学员 li\\.na：已完成 1 场" in view.summary
    assert list(view.table.columns) == ["时间", "场景", "难度", "结果", "得分"] and len(view.table) == 1
    assert view.table["结果"][0] == "中途结束" and list(view.scores["场次"]) == [1] and not view.principles.empty
    with serving("zhang.lei"):
        for mine in (None, trainee_key("zhang.lei")):  # nothing picked, or their own entry: their own progress
            own = progress_view(services, by_role, "", mine)
            assert own.table.empty and own.summary.startswith("还没有完成的练习")
    # empty but typed: an untyped empty 原则 column made the bar plot a number axis that stayed blank afterwards
    assert gr.BarPlot(x="原则", y="平均分").postprocess(own.principles).datatypes["原则"] == "nominal"


def test_a_trainee_asking_for_another_trainee_is_refused_by_the_handler(services: Services) -> None:
    practise(services, "li.na")
    practise(services, "wang")
    with serving("wang"):
        assert picker_update(services, by_role, "")["visible"] is False  # no picker for a trainee
        assert picker_update(services, by_role, "")["choices"] == []
        # ... but a page can send any value: the handler itself refuses, and shows nothing of li.na
        for asked in (trainee_key("li.na"), ALL_KEY, "t:0000000000000000"):
            view = progress_view(services, by_role, "li.na", asked)  # the 学员 box says li.na: ignored, logged in
            assert REFUSED in view.summary and view.table.empty and view.scores.empty and view.principles.empty
        mine = progress_view(services, by_role, "li.na", trainee_key("wang"))  # their own entry is fine
        assert "已完成 1 场" in mine.summary and len(mine.table) == 1
        assert "已完成 1 场" in progress_view(services, by_role, "", None).summary


def test_the_registered_event_rechecks_the_request(services: Services) -> None:
    """Through the built UI, as Gradio calls it: the picker's event behind the tab guard still asks `allows`."""
    practise(services, "li.na")
    demo = build_ui(services, tab_filter=lambda r: {"roleplay"}, allows=by_role)
    views = [f.fn for f in demo.fns.values() if f.name == "charts"]
    assert views and all(hasattr(fn, "__wrapped__") for fn in views)  # guarded as a roleplay event
    with serving("wang"):
        assert REFUSED in views[0]("", trainee_key("li.na")).summary
    with serving("zhang.lei"):
        assert "已完成 1 场" in views[0]("", trainee_key("li.na")).summary


def test_with_accounts_trainer_and_admin_see_everyone_agent_only_themselves(
        services: Services, accounts: Accounts) -> None:
    practise(services, "agent")
    allows = Access(accounts.store).allows  # what create_app passes to build_ui
    for user in ("trainer", "admin"):
        with serving(user):
            assert "已完成 1 场" in progress_view(services, allows, "", trainee_key("agent")).summary
            assert page_load(services, "", "全部难度", allows).picker["visible"] is True
    for user in ("qa", "nobody"):  # qa has no progress.all (nor the tab); an unknown name gets nothing
        with serving(user):
            assert REFUSED in progress_view(services, allows, "", trainee_key("agent")).summary
    with serving("agent"):
        loaded = page_load(services, "", "全部难度", allows)
        assert loaded.picker["visible"] is False and "已完成 1 场" in loaded.summary and len(loaded.table) == 1


def test_all_trainees_overview_and_masked_names(services: Services) -> None:
    practise(services, "li.na")
    practise(services, "13812345678")  # single-user mode: a name is whatever was typed
    with serving(None):  # no accounts: the local user sees everyone (the default `allows`)
        loaded = page_load(services, "li.na", "全部难度")
        assert loaded.picker["visible"] is True and loaded.picker["value"] == trainee_key("li.na")
        choices = _choices(loaded.picker)
        assert choices["li.na（我）"] == trainee_key("li.na") and len(choices) == 3
        team = progress_view(services, lambda r, p: True, "li.na", ALL_KEY)
    phone = next(label for label in choices if label.startswith("⟦手机号⟧"))
    assert "138" not in str(loaded.picker)  # neither label nor value carries the number
    assert team.summary.startswith(f"{ALL_LABEL}：2 名 · 已完成 2 场") and team.scores.empty
    assert sorted(team.table["学员"]) == sorted(["li.na", phone]) and "138" not in team.table.to_csv()
    assert list(team.table["已完成"]) == [1, 1] and not team.principles.empty
    with serving(None):
        picked = progress_view(services, lambda r, p: True, "li.na", choices[phone])
    assert "已完成 1 场" in picked.summary and "138" not in picked.summary
    with serving(None):
        stale = progress_view(services, lambda r, p: True, "li.na", "t:ffffffffffffffff")
    assert "没有找到这名学员" in stale.summary and stale.table.empty
