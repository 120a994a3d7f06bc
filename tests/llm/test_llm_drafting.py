"""LLM drafting switched on end to end: Services.draft in LLM mode (no monkeypatching of the plug point) against the
loopback server. The guarantee under test: no draft is shown with a policy_accuracy, privacy or honest_urgency
violation the critic detects, whatever the model answers; any LLM failure shows the template draft with a notice."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from coach.drafting import CRITICAL
from coach.llm.fake_server import FakeOpenAI, Reply
from coach.services import Services
from coach.settings import Settings

from .conftest import CANARY

GOOD = "亲，您好！商品签收之日起7天内，不影响二次销售的话可以无理由退货，退货运费由您承担哦。还有其他问题随时找我～"
WRONG = "亲，签收30天内都可以无理由退货哦，还有其他问题随时找我～"
PHONE = "13912345678"
QUESTION = f"衣服穿了一次不喜欢，还能退吗？有事打我电话{PHONE}"


@pytest.fixture
def services(llm_settings: Settings, demo_kb_factory: Any) -> Iterator[Services]:
    s = Services(llm_settings)
    s.__dict__["kb"] = demo_kb_factory("hash")
    assert s.llm is not None
    s.llm.options.canary = CANARY
    yield s
    s.llm.close()


def draft_reply(text: str, citations: list[str] | None = None) -> Reply:
    return Reply(content=json.dumps({"draft": text, "citations": citations or []}, ensure_ascii=False))


def test_a_clean_llm_draft_is_shown_with_its_grounded_citations(services: Services, fake: FakeOpenAI) -> None:
    def answer(body: dict[str, Any]) -> Reply:
        ids = [line.split('"')[1] for line in body["messages"][1]["content"].splitlines()
               if line.startswith("<kb_passage id=")]
        return draft_reply(GOOD, [ids[0], "policy:invented#9"])

    fake.default = answer
    result = services.draft(QUESTION)
    assert result.mode == "llm" and result.draft == GOOD and result.critique.violations == []
    assert len(result.citations) == 1 and "policy:invented#9" not in result.citations
    assert result.citations[0] in fake.requests[0]["messages"][1]["content"]  # a passage the model was given


def test_pii_never_reaches_the_server(services: Services, fake: FakeOpenAI) -> None:
    fake.enqueue(draft_reply(WRONG), Reply(content=json.dumps({"rewrite": GOOD}, ensure_ascii=False)))
    services.draft(QUESTION)
    assert len(fake.requests) == 2  # the first draft and the rewrite
    assert PHONE not in json.dumps(fake.requests, ensure_ascii=False)


def test_a_wrong_return_window_is_regenerated(services: Services, fake: FakeOpenAI) -> None:
    fake.enqueue(draft_reply(WRONG), Reply(content=json.dumps({"rewrite": GOOD}, ensure_ascii=False)))
    result = services.draft(QUESTION)
    assert result.mode == "llm" and result.draft == GOOD
    assert [a.template for a in result.attempts] == ["llm"] and "policy_accuracy" in result.attempts[0].violations
    assert "policy_accuracy" in fake.requests[1]["messages"][1]["content"]  # the rewrite was told what was wrong


def test_a_draft_that_stays_wrong_falls_back_to_the_template_with_a_notice(services: Services,
                                                                          fake: FakeOpenAI) -> None:
    fake.default = Reply(content=json.dumps({"draft": WRONG, "rewrite": WRONG}, ensure_ascii=False))
    result = services.draft(QUESTION)
    assert result.mode == "rules" and "30天" not in result.draft
    assert not CRITICAL & set(result.critique.violations)
    assert any("规则核查" in n for n in result.notices)
    assert len(fake.requests) == 3  # bounded: the draft and two rewrites


def test_server_errors_fall_back_to_the_template_within_the_deadline(services: Services, fake: FakeOpenAI) -> None:
    fake.default = Reply(status=500)
    t0 = time.perf_counter()
    result = services.draft(QUESTION)
    elapsed = time.perf_counter() - t0
    assert result.mode == "rules" and result.draft and any("大模型" in n for n in result.notices)
    assert elapsed < services.settings.llm_timeout_s + 1.0  # the deadline bounds the LLM path (retries included)


def test_rules_mode_drafts_without_the_llm(settings: Settings, demo_kb_factory: Any) -> None:
    s = Services(settings)
    s.__dict__["kb"] = demo_kb_factory("hash")
    result = s.draft(QUESTION)
    assert result.mode == "rules" and not any("大模型" in n for n in result.notices)


def test_a_bug_in_the_llm_strategy_still_shows_the_template_draft(services: Services,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.llm import adapters

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("unexpected")

    monkeypatch.setattr(adapters, "draft_candidates", broken)
    result = services.draft(QUESTION)
    assert result.mode == "rules" and result.draft and "大模型拟稿出错，以下为模板草稿。" in result.notices
