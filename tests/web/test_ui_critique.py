"""草稿点评 tab handlers, called as plain functions on the demo shop."""

from __future__ import annotations

from coach.models import Critique, Finding
from coach.services import Services
from coach.web.tabs.critique import critique_handler, highlight, live_handler
from coach.web.ui import critique_handler as reexported

from .demo_services import services_fixture, web_kb_fixture  # noqa: F401  (fixtures `services`, `web_kb`)

CUSTOMER = "快递五天了还没到，怎么回事？"
BAD = "不是我们的问题，你自己去问快递。"


def test_bad_draft_gets_score_cards_highlight_and_rewrite(services: Services) -> None:
    cards, spans, rewrite = critique_handler(services, CUSTOMER, BAD)
    assert cards.startswith("### 得分 ")
    assert "❌ 违反" in cards and "no_blame_shifting" in cards
    labels = {p for _, label in spans if label for p in label.split(" + ")}
    assert services.critic.rubric.name("no_blame_shifting") in labels  # the Chinese name the team knows
    assert "".join(text for text, _ in spans) == BAD  # the highlight covers the draft exactly
    assert rewrite and rewrite != BAD and "没有需要修改" not in rewrite


def test_overlapping_spans_carry_every_principle() -> None:
    crit = Critique(score=40, findings=[
        Finding(principle="empathy", verdict="violated", severity=1, start=0, end=4),
        Finding(principle="no_blame_shifting", verdict="violated", severity=3, start=2, end=6),
        Finding(principle="clarity", verdict="applied", start=0, end=6)])
    assert highlight("abcdefg", crit) == [("ab", "empathy"), ("cd", "no_blame_shifting + empathy"),
                                          ("ef", "no_blame_shifting"), ("g", None)]


def test_wrong_policy_claim_quotes_the_cited_clause(services: Services) -> None:
    cards, _, _ = critique_handler(services, "衣服不合适，签收后还能退吗？", "亲，签收后30天内都可以无理由退货哦。")
    assert "policy_accuracy" in cards
    assert "#### 引用的店铺规定与商品信息" in cards and "policy:" in cards


def test_earlier_turns_and_order_are_used_and_bad_order_is_explained(services: Services) -> None:
    order = '{"order_id": "E1", "product_id": "P001", "status": "shipped"}'
    cards, _, _ = critique_handler(services, CUSTOMER, "亲，非常抱歉让您久等了，我马上帮您查询物流，今天下午5点前给您回复。",
                                   "顾客：你好\n客服：您好，请问有什么可以帮您？", order)
    assert "非首次回复" in cards
    cards, spans, rewrite = critique_handler(services, CUSTOMER, BAD, "", "{order")
    assert "无法点评" in cards and "JSON" in cards and spans == [] and rewrite == ""


def test_empty_draft_is_a_message_not_a_crash(services: Services) -> None:
    cards, spans, _ = critique_handler(services, CUSTOMER, "   ")
    assert cards.startswith("**无法点评：**") and spans == []


def test_customer_markup_in_evidence_is_escaped(services: Services) -> None:
    draft = '不是我们的问题<img src=x onerror="alert(1)">![t](http://evil.example/a.png)'
    cards, _, _ = critique_handler(services, CUSTOMER, draft)
    assert "<img" not in cards and "![" not in cards


def test_live_mode_skips_when_off_or_empty(services: Services) -> None:
    skipped = live_handler(services, False, CUSTOMER, BAD, "", "")
    assert all(type(v).__name__ != "str" for v in skipped)
    assert live_handler(services, True, CUSTOMER, BAD, "", "")[0].startswith("### 得分")
    assert reexported is critique_handler


def test_stream_handler_in_rules_mode_yields_once_the_same_as_critique_handler(services: Services) -> None:
    from coach.web.tabs.critique import critique_stream_handler
    args = ("我的快递怎么还没到？", "不知道，自己查。")
    assert list(critique_stream_handler(services, *args)) == [critique_handler(services, *args)]
