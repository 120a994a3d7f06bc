"""Provider selection from Settings: credentials only go where they were configured; rules mode says so."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from coach.llm import LLM, describe
from coach.llm.fake_server import FakeOpenAI
from coach.llm.provider import NO_KEY, build_chat_model, safe_endpoint, structured_method_for
from coach.models import Case
from coach.services import Services
from coach.settings import Settings

CRITIQUE_INPUTS = {"customer": "你好", "context": [], "order": "", "draft": "您好", "passages": [],
                   "rules_findings": []}


def _one_call(settings: Settings) -> None:
    llm = LLM.from_settings(settings)
    try:
        llm.text("customer", {"persona": "p", "goal": "g", "mood": "平静", "mood_instruction": "", "known_facts": [],
                              "hidden_facts": [], "passages": [], "history": [], "trainee": "您好"})
    finally:
        llm.close()


def test_foreign_environment_credentials_never_reach_a_custom_base_url(
        llm_settings: Settings, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    # An OpenAI account's variables are in the shell; COACH_LLM_API_KEY is not set.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-account-secret")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-secret")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-secret")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # would be a different server
    monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:9/v1")
    _one_call(llm_settings)
    assert len(fake.requests) == 1  # it went to the configured base URL, not the environment's
    headers = fake.headers[0]
    assert headers["authorization"] == f"Bearer {NO_KEY}"
    assert "openai-organization" not in headers and "openai-project" not in headers
    assert not any("secret" in v for v in headers.values())


def test_the_configured_key_is_sent(llm_settings: Settings, fake: FakeOpenAI) -> None:
    _one_call(llm_settings.model_copy(update={"llm_api_key": SecretStr("sk-deepseek-123")}))
    assert fake.headers[0]["authorization"] == "Bearer sk-deepseek-123"


def test_the_sdk_and_langchain_do_not_retry_on_their_own(llm_settings: Settings) -> None:
    chat, info = build_chat_model(llm_settings)
    assert chat.max_retries == 0 and chat.root_client.max_retries == 0  # type: ignore[attr-defined]
    assert info.kind == "openai_compatible" and not info.key_configured


def test_structured_output_method_by_endpoint() -> None:
    assert structured_method_for("https://api.openai.com/v1") == "json_schema"
    for url in ("https://api.deepseek.com", "https://dashscope.aliyuncs.com/compatible-mode/v1",
                "http://localhost:11434/v1", "http://10.0.0.5:8000/v1"):
        assert structured_method_for(url) == "json_mode"


def test_endpoint_shown_without_credentials() -> None:
    assert safe_endpoint("https://user:pw@llm.example.com:8443/v1?key=abc") == "https://llm.example.com:8443/v1"


def test_rules_mode_is_stated_plainly_and_never_builds_a_model(settings: Settings) -> None:
    assert "规则模式" in describe(settings)
    services = Services(settings)
    assert services.llm is None
    crit = services.critique(Case(customer="这件衣服有M码吗", draft="亲，有的，M码有货哦。"))
    assert crit.mode == "rules"


def test_llm_mode_description_names_model_and_endpoint(llm_settings: Settings) -> None:
    text = describe(llm_settings.model_copy(update={"llm_base_url": "https://u:p@api.deepseek.com/v1"}))
    assert "大模型模式" in text and "fake-model" in text and "api.deepseek.com" in text and "u:p" not in text


def test_an_unusable_llm_configuration_falls_back_to_rules_with_a_notice(settings: Settings) -> None:
    bad = settings.model_copy(update={"llm_base_url": "local", "llm_model": "/nonexistent/model.gguf"})
    services = Services(bad)
    crit = services.critique(Case(customer="这件衣服有M码吗", draft="亲，有的，M码有货哦。"))
    assert crit.mode == "rules"
    assert any("大模型" in n for n in crit.notices)
