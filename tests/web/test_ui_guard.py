"""Server-side tab permissions: a hidden tab's events refuse a user without the tab, whatever the page sends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr
import pytest

from coach.services import Services
from coach.settings import Settings
from coach.web.guard import guarded
from coach.web.tabs.roleplay import resume_handler, start_handler
from coach.web.ui import build_ui

from .demo_services import services_fixture, web_kb_fixture  # noqa: F401  (fixtures `services`, `web_kb`)
from .gradio_request import serving

ROLES = {"agent": {"critique", "draft"}, "trainee": {"roleplay"}}


def by_role(request: Any) -> set[str] | None:
    return ROLES.get(request.username, set())


def test_guarded_function_refuses_users_without_the_tab() -> None:
    fn = guarded(lambda x: x * 2, "eval", "评测", by_role)
    assert fn(2) == 4  # not a web call: no request, let through
    with serving("agent"), pytest.raises(gr.Error):
        fn(2)
    quiet = guarded(lambda x: x, "eval", "评测", by_role, on_denied=lambda: "skipped")
    with serving("agent"):
        assert quiet(1) == "skipped"
    with serving("trainee"):
        assert guarded(lambda x: x, "roleplay", "角色扮演", by_role)(1) == 1
    assert guarded(len, "eval", "评测", None) is len  # no filter: nothing wrapped


def test_every_tab_event_is_guarded(settings: Settings) -> None:
    demo = build_ui(Services(settings), tab_filter=by_role)
    unguarded = [f.name for f in demo.fns.values() if f.fn is not None and not hasattr(f.fn, "__wrapped__")]
    assert unguarded == ["setup"]  # only the page-load setup, which decides the visibility itself
    run_eval = next(f for f in demo.fns.values() if f.concurrency_id == "eval-run")
    with serving("agent"), pytest.raises(gr.Error, match="评测"):
        run_eval.fn("smoke")


def test_logged_in_trainee_plays_as_themselves_and_cannot_resume_others(services: Services) -> None:
    with serving("li.na"):
        mine = start_handler(services, "someone-else", "logistics_delay_angry", seed="1")
    other = start_handler(services, "wang", "logistics_delay_angry", seed="1")
    with serving("li.na"):
        assert resume_handler(services, mine.session_id).session_id == mine.session_id
        refused = resume_handler(services, other.session_id)
    assert refused.session_id == "" and "不是你的练习" in refused.feedback
    from coach.roleplay import get_session

    assert get_session(services, mine.session_id).trainee == "li.na"


def test_a_guarded_streaming_handler_still_streams_and_still_refuses() -> None:
    # Gradio streams only generator functions: the guard must stay one (the 智能拟稿 / 草稿点评 LLM streams)
    import inspect

    def stream(x: int) -> Iterator[int]:
        yield x
        yield x + 1

    fn = guarded(stream, "draft", "智能拟稿", by_role)
    assert inspect.isgeneratorfunction(fn)
    with serving("agent"):
        assert list(fn(1)) == [1, 2]
    with serving("trainee"), pytest.raises(gr.Error):
        list(fn(1))
