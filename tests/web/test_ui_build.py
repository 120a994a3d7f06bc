"""build_ui assembles the five tabs; on page load each request sees its tabs and who is logged in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import gradio as gr

from coach.services import Services
from coach.settings import Settings
from coach.web.ui import TAB_KEYS, TABS, build_ui, page_setup


def _visible(updates: tuple[Any, ...]) -> dict[str, bool]:
    return {key: u["visible"] is True for key, u in zip(TAB_KEYS, updates, strict=True)}


def test_five_tabs_with_chinese_labels(settings: Settings) -> None:
    demo = build_ui(Services(settings))
    labels = [b.label for b in demo.blocks.values() if isinstance(b, gr.Tab)]
    assert labels == ["草稿点评", "智能拟稿", "角色扮演", "评测", "知识库"] == list(TABS.values())


def test_logged_in_user_sees_the_tabs_of_their_role() -> None:
    request: Any = SimpleNamespace(username="li.na")
    who, selected, *tabs = page_setup(request, lambda r: {"roleplay", "eval"} if r.username == "li.na" else set())
    assert who == "当前用户：**li\\.na**" and selected["selected"] == "roleplay"  # the first tab they may use
    assert _visible(tuple(tabs)) == {"critique": False, "draft": False, "roleplay": True, "eval": True, "kb": False}
    assert {u["visible"] for u in tabs} == {True, "hidden"}  # Gradio 6 hides a rendered tab only with "hidden"


def test_single_user_mode_shows_everything() -> None:
    who, _, *tabs = page_setup(SimpleNamespace(username=None), None)  # type: ignore[arg-type]
    assert who == "单机模式（未登录）"
    assert all(_visible(tuple(tabs)).values())
    _, _, *tabs = page_setup(SimpleNamespace(username=None), lambda r: None)  # type: ignore[arg-type]
    assert all(_visible(tuple(tabs)).values())
