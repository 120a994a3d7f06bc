"""The LLM client against a real OpenAI-protocol server on loopback: timeouts, retries, re-asks, the breaker,
streaming, and what is recorded per call."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable

import pytest

from coach.llm import LLM, LLMOutputError, LLMTimeout, LLMTransportError, LLMUnavailable
from coach.llm.fake_server import FakeOpenAI, Reply
from coach.llm.schemas import CritiqueOutput

from .conftest import critique_json, finding

INPUTS = {"customer": "快递五天了还没到！", "context": [], "order": "", "draft": "您自己联系快递吧。",
          "passages": [], "rules_findings": []}
CUSTOMER = {"persona": "急脾气的上班族", "goal": "尽快拿到快递", "mood": "生气", "mood_instruction": "",
            "known_facts": [], "hidden_facts": [], "passages": [], "history": [], "trainee": "您好，请问有什么可以帮您？"}
GOOD = critique_json([finding("empathy", "violated", "您自己联系快递吧")], "亲，抱歉让您久等了。")


def test_structured_answer_is_validated_and_usage_recorded(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.enqueue(Reply(content=GOOD, prompt_tokens=321, completion_tokens=45))
    llm = make_llm()
    out = llm.structured("critique", INPUTS)
    assert isinstance(out, CritiqueOutput) and out.findings[0].principle == "empathy"
    assert fake.requests[0]["response_format"] == {"type": "json_object"}  # JSON mode for a non-OpenAI endpoint
    [rec] = llm.usage.recent()
    assert (rec.prompt, rec.model, rec.outcome, rec.attempts, rec.reasks) == ("critique@1", "fake-model", "ok", 1, 0)
    assert (rec.input_tokens, rec.output_tokens) == (321, 45) and rec.latency_ms > 0


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_other_structured_output_methods(fake: FakeOpenAI, make_llm: Callable[..., LLM], method: str) -> None:
    llm = make_llm()
    llm.info = dataclasses.replace(llm.info, structured_method=method)  # type: ignore[arg-type]
    fake.enqueue(Reply(content=GOOD))
    assert llm.structured("critique", INPUTS).findings[0].evidence == "您自己联系快递吧"
    body = fake.requests[0]
    if method == "json_schema":
        assert body["response_format"]["type"] == "json_schema"
        assert "findings" in json.dumps(body["response_format"]["json_schema"]["schema"])
    else:
        assert body["tools"][0]["function"]["name"] == "CritiqueOutput"


def test_a_slow_model_times_out_at_the_deadline(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.default = Reply(content=GOOD, delay_s=4)
    llm = make_llm()
    t0 = time.perf_counter()
    with pytest.raises(LLMTimeout):
        llm.structured("critique", INPUTS)
    assert time.perf_counter() - t0 < 2.0  # llm_timeout_s = 1.0 bounds the whole call; +1 s to show rules
    assert llm.usage.recent()[-1].outcome == "timeout"


def test_transient_errors_are_retried_then_succeed(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.enqueue(Reply(status=429, headers={"Retry-After": "0"}), Reply(status=503), Reply(content=GOOD))
    llm = make_llm()
    assert llm.structured("critique", INPUTS).findings
    assert len(fake.requests) == 3
    assert llm.usage.recent()[-1].attempts == 3


def test_retries_are_bounded_with_no_sdk_retries_on_top(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.default = Reply(status=500)
    with pytest.raises(LLMTransportError):
        make_llm().structured("critique", INPUTS)
    assert len(fake.requests) == 3  # 1 + llm_max_retries(2); the SDK's own max_retries is 0


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_are_not_retried(fake: FakeOpenAI, make_llm: Callable[..., LLM], status: int) -> None:
    fake.default = Reply(status=status)
    with pytest.raises(LLMTransportError):
        make_llm().structured("critique", INPUTS)
    assert len(fake.requests) == 1


def test_a_dropped_connection_is_transient(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.enqueue(Reply(raw_body="", status=200, headers={"Content-Length": "999"}), Reply(content=GOOD))
    # a 200 promising 999 bytes and sending none: the client sees the connection end early
    assert make_llm().structured("critique", INPUTS).findings
    assert len(fake.requests) == 2


def test_malformed_json_is_re_asked(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.enqueue(Reply(content="好的，点评如下：{findings: ["), Reply(content=GOOD))
    llm = make_llm()
    assert llm.structured("critique", INPUTS).findings[0].principle == "empathy"
    assert len(fake.requests) == 2
    reask = fake.requests[1]["messages"][-1]["content"]
    assert "JSON" in reask and fake.requests[1]["messages"][-2]["role"] == "assistant"
    assert llm.usage.recent()[-1].reasks == 1


def test_schema_violating_json_is_re_asked_with_the_errors(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    bad = critique_json([finding("empathy", "maybe")])
    fake.enqueue(Reply(content=bad), Reply(content=GOOD))
    assert make_llm().structured("critique", INPUTS).findings[0].verdict == "violated"
    assert "verdict" in fake.requests[1]["messages"][-1]["content"]


def test_re_asks_are_bounded_then_a_typed_error(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.default = Reply(content="not json at all")
    llm = make_llm(reasks=2)
    with pytest.raises(LLMOutputError):
        llm.structured("critique", INPUTS)
    assert len(fake.requests) == 3
    assert llm.usage.recent()[-1].outcome == "invalid_output"


def test_semantic_check_failures_are_re_asked(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.enqueue(Reply(content=critique_json([finding("kindness", "violated")])), Reply(content=GOOD))

    def known(out: CritiqueOutput) -> list[str]:
        return [f"unknown principle {f.principle}" for f in out.findings if f.principle != "empathy"]

    assert make_llm().structured("critique", INPUTS, check=known).findings[0].principle == "empathy"
    assert "kindness" in fake.requests[1]["messages"][-1]["content"]


def test_the_breaker_opens_fails_fast_and_half_opens(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.default = Reply(status=500)
    llm = make_llm(breaker_threshold=2, breaker_cooldown_s=0.3)
    for _ in range(2):
        with pytest.raises(LLMTransportError):
            llm.structured("critique", INPUTS)
    sent = len(fake.requests)
    t0 = time.perf_counter()
    with pytest.raises(LLMUnavailable):
        llm.structured("critique", INPUTS)
    assert len(fake.requests) == sent and time.perf_counter() - t0 < 0.5  # nothing sent while open
    assert llm.breaker.state == "open"
    time.sleep(0.35)
    assert llm.breaker.state == "half_open"
    fake.default = Reply(content=GOOD)
    assert llm.structured("critique", INPUTS).findings
    assert llm.breaker.state == "closed"


def test_a_failed_half_open_trial_reopens(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.default = Reply(status=503)
    llm = make_llm(breaker_threshold=1, breaker_cooldown_s=0.2)
    with pytest.raises(LLMTransportError):
        llm.structured("critique", INPUTS)
    time.sleep(0.25)
    fake.reset()
    fake.default = Reply(status=503)
    with pytest.raises(LLMTransportError):
        llm.structured("critique", INPUTS)
    assert llm.breaker.state == "open"


def test_bad_output_does_not_trip_the_breaker(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.default = Reply(content="no json")
    llm = make_llm(breaker_threshold=1, reasks=0)
    for _ in range(3):
        with pytest.raises(LLMOutputError):
            llm.structured("critique", INPUTS)
    assert llm.breaker.state == "closed"


def test_streaming_yields_the_text_in_chunks(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.default = Reply(content="你们这快递到底什么时候能到？我都等了五天了！", chunk_chars=4)
    llm = make_llm()
    chunks = list(llm.stream("customer", CUSTOMER))
    assert len(chunks) > 3 and "".join(chunks) == "你们这快递到底什么时候能到？我都等了五天了！"
    assert fake.requests[0]["stream"] is True
    assert llm.usage.recent()[-1].streamed


def test_a_stream_dropped_halfway_raises_after_the_partial_text(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.default = Reply(content="一二三四五六七八九十" * 4, chunk_chars=5, drop_after=3)
    got: list[str] = []
    with pytest.raises(LLMTransportError):
        for chunk in make_llm().stream("customer", CUSTOMER):
            got.append(chunk)
    assert 0 < len("".join(got)) < 40


def test_a_stalled_stream_times_out(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.default = Reply(content="慢慢说" * 10, chunk_chars=3, chunk_delay_s=0.5)
    t0 = time.perf_counter()
    with pytest.raises(LLMTimeout):
        list(make_llm().stream("customer", CUSTOMER))
    assert time.perf_counter() - t0 < 2.0  # within 1 s of the 1 s deadline


def test_text_answers_go_through_the_same_guard(fake: FakeOpenAI, make_llm: Callable[..., LLM]) -> None:
    fake.default = Reply(content="  你好，我的快递呢？ ")
    assert make_llm().text("customer", CUSTOMER) == "你好，我的快递呢？"
