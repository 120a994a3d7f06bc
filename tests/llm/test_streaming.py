"""The streaming API for the UI: Services.stream_draft (critic-passed preview chunks, then the verified DraftFinal)
and Services.stream_critique (rules critique first, then the merged one), against the loopback server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from coach.drafting.models import DraftChunk, DraftFinal
from coach.llm.fake_server import FakeOpenAI, Reply
from coach.llm.stream import FieldText
from coach.models import Case
from coach.services import Services
from coach.settings import Settings

from .conftest import CANARY

GOOD = "亲，您好！商品签收之日起7天内，不影响二次销售的话可以无理由退货，退货运费由您承担哦。还有其他问题随时找我～"
WRONG = "亲，您好！签收30天内都可以无理由退货哦。还有其他问题随时找我～"
PHONE = "13912345678"
QUESTION = f"衣服穿了一次不喜欢，还能退吗？电话{PHONE}"


@pytest.fixture
def services(llm_settings: Settings, demo_kb_factory: Any) -> Iterator[Services]:
    s = Services(llm_settings)
    s.__dict__["kb"] = demo_kb_factory("hash")
    assert s.llm is not None
    s.llm.options.canary = CANARY
    yield s
    s.llm.close()


def streamed(text: str, **kw: Any) -> Reply:
    return Reply(content=json.dumps({"citations": [], "draft": text}, ensure_ascii=False), chunk_chars=4, **kw)


def split(events: list[DraftChunk | DraftFinal]) -> tuple[str, DraftFinal]:
    *chunks, final = events
    assert isinstance(final, DraftFinal) and all(isinstance(c, DraftChunk) for c in chunks)
    return "".join(c.text for c in chunks if isinstance(c, DraftChunk)), final


@pytest.mark.parametrize("size", [1, 3, 7])
def test_field_text_decodes_a_json_string_arriving_in_pieces(size: int) -> None:
    raw = json.dumps({"citations": ["a\"b"], "draft": "第一行\n“引号”\"\\ 😀 ⟦手机号1⟧", "x": 1})
    field = FieldText("draft")
    got = "".join(field.feed(raw[i:i + size]) for i in range(0, len(raw), size))
    assert got == json.loads(raw)["draft"] and field.done


def test_a_clean_draft_streams_in_sentences_and_the_final_keeps_it(services: Services, fake: FakeOpenAI) -> None:
    fake.enqueue(streamed(GOOD))
    preview, final = split(list(services.stream_draft(QUESTION)))
    assert preview == GOOD and final.result.draft == GOOD and final.result.mode == "llm"
    assert not final.replaces_preview and fake.requests[0]["stream"] is True
    assert PHONE not in json.dumps(fake.requests, ensure_ascii=False)


def test_a_wrong_sentence_is_never_streamed_and_the_final_replaces_the_preview(services: Services,
                                                                                fake: FakeOpenAI) -> None:
    fake.enqueue(streamed(WRONG), Reply(content=json.dumps({"rewrite": GOOD}, ensure_ascii=False)))
    events = list(services.stream_draft(QUESTION))
    preview, final = split(events)
    assert preview == "亲，您好！" and "30天" not in preview  # the preview stopped before the wrong claim
    assert final.result.draft == GOOD and final.replaces_preview and final.result.mode == "llm"
    assert len(events) >= 2


def test_a_stream_cut_midway_ends_with_the_template_draft_and_a_notice(services: Services, fake: FakeOpenAI) -> None:
    fake.enqueue(streamed(GOOD, drop_after=12))
    preview, final = split(list(services.stream_draft(QUESTION)))
    assert preview and GOOD.startswith(preview)
    assert final.result.mode == "rules" and final.replaces_preview and any("大模型" in n for n in final.result.notices)


def test_server_errors_give_only_the_final_template_draft(services: Services, fake: FakeOpenAI) -> None:
    fake.default = Reply(status=500)
    preview, final = split(list(services.stream_draft(QUESTION)))
    assert preview == "" and final.result.mode == "rules" and not final.replaces_preview
    assert any("大模型" in n for n in final.result.notices)


def test_rules_mode_streams_just_the_final(settings: Settings, demo_kb_factory: Any) -> None:
    s = Services(settings)
    s.__dict__["kb"] = demo_kb_factory("hash")
    events = list(s.stream_draft(QUESTION))
    assert len(events) == 1 and isinstance(events[0], DraftFinal) and events[0].result.mode == "rules"
    assert [stage for stage, _ in s.stream_critique(Case(customer="在吗", draft="您好"))] == ["final"]


def test_stream_critique_gives_the_rules_critique_first(services: Services, fake: FakeOpenAI) -> None:
    fake.default = Reply(content=json.dumps({"findings": [], "rewrite": ""}))
    case = Case(customer="快递五天了还没到！", draft="这是快递的问题，您自己联系快递吧。")
    (first, rules), (last, final) = list(services.stream_critique(case))
    assert (first, last) == ("rules", "final") and rules.mode == "rules" and final.mode == "llm"
    assert set(rules.violations) <= set(final.violations)  # the LLM adds nuance, never removes a check


def test_the_draft_tab_streams_the_preview_then_shows_the_verified_draft(services: Services, fake: FakeOpenAI) -> None:
    from coach.web.tabs.drafting import draft_stream_handler

    fake.enqueue(streamed(GOOD))
    updates = list(draft_stream_handler(services, QUESTION))
    assert len(updates) >= 2, updates  # at least one growing preview, then the final
    assert updates[0][0] and GOOD.startswith(updates[0][0]) and updates[-1][0] == GOOD


def test_the_critique_tab_shows_rules_first_then_the_merged_critique(services: Services, fake: FakeOpenAI) -> None:
    from coach.web.tabs.critique import critique_stream_handler

    fake.enqueue(Reply(content=json.dumps({"findings": []}, ensure_ascii=False)))
    updates = list(critique_stream_handler(services, "衣服穿了一次不喜欢，还能退吗？", WRONG))
    assert len(updates) == 2 and "大模型复核中" in updates[0][0] and "大模型复核中" not in updates[-1][0]
