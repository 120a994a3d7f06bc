"""Fixtures for LLM mode: a real OpenAI-compatible server on loopback and Settings/Services pointed at it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from coach.llm import LLM, LLMOptions
from coach.llm.fake_server import FakeOpenAI, Reply
from coach.settings import Settings

CANARY = "CANARY-7f3a9c21e4b8d605"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def llm_settings(settings: Settings, fake: FakeOpenAI) -> Settings:
    return settings.model_copy(update={"llm_base_url": fake.base_url, "llm_model": "fake-model",
                                       "llm_timeout_s": 1.0, "llm_max_retries": 2})


@pytest.fixture
def make_llm(llm_settings: Settings) -> Iterator[Callable[..., LLM]]:
    made: list[LLM] = []

    def make(**options: Any) -> LLM:
        llm = LLM.from_settings(llm_settings, options=LLMOptions(canary=CANARY, **options))
        made.append(llm)
        return llm

    yield make
    for llm in made:
        llm.close()


def critique_json(findings: list[dict[str, Any]] | None = None, rewrite: str = "") -> str:
    return json.dumps({"findings": findings or [], "rewrite": rewrite}, ensure_ascii=False)


def finding(principle: str, verdict: str, evidence: str = "", explanation: str = "模型的解释",
            suggestion: str = "", citations: list[str] | None = None) -> dict[str, Any]:
    return {"principle": principle, "verdict": verdict, "evidence": evidence, "explanation": explanation,
            "suggestion": suggestion, "citations": citations or []}


def ok(content: str) -> Reply:
    return Reply(content=content)
