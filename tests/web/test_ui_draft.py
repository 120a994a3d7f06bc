"""智能拟稿 tab handler."""

from __future__ import annotations

from coach.services import Services
from coach.web.tabs.drafting import draft_handler

from .demo_services import services_fixture, web_kb_fixture  # noqa: F401  (fixtures `services`, `web_kb`)


def test_draft_with_citations_and_verification(services: Services) -> None:
    text, cites, check = draft_handler(services, "衣服不合适，签收后还能退吗？")
    assert text.strip() and "亲" in text
    assert "核对" in check and "/100" in check
    assert "`policy:" in cites or "`product:" in cites


def test_empty_message_and_bad_order(services: Services) -> None:
    assert draft_handler(services, "  ")[2] == "**请先输入顾客消息。**"
    text, _, check = draft_handler(services, "快递怎么还没到", order="[1, 2]")
    assert text == "" and "JSON 对象" in check


def test_stream_handler_in_rules_mode_yields_once_the_same_as_draft_handler(services: Services) -> None:
    from coach.web.tabs.drafting import draft_handler, draft_stream_handler
    msg = "你好，请问什么时候发货？"
    assert list(draft_stream_handler(services, msg)) == [draft_handler(services, msg)]


def test_stream_handler_asks_for_a_message(services: Services) -> None:
    from coach.web.tabs.drafting import draft_stream_handler
    assert list(draft_stream_handler(services, "  ")) == [("", "", "**请先输入顾客消息。**")]
