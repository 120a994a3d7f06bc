"""The chat model, from Settings: one LangChain `ChatOpenAI` for every OpenAI-compatible endpoint (OpenAI, DeepSeek,
Qwen/DashScope compatible mode, vLLM, Ollama, a llama.cpp server), or a local GGUF file through llama.cpp.

Credentials go only where they were configured. `ChatOpenAI` and the openai SDK fill gaps from the environment
(OPENAI_API_KEY, OPENAI_BASE_URL/OPENAI_API_BASE, OPENAI_ORG_ID, OPENAI_PROJECT_ID, the LangSmith gateway), which would
send an OpenAI key or org id to a DeepSeek or self-hosted URL. So the openai client is built here with every one of
those given explicitly: the key is COACH_LLM_API_KEY or a placeholder, never another variable's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from coach.llm.errors import LLMNotConfigured
from coach.settings import Settings

NO_KEY = "no-key-configured"  # sent when COACH_LLM_API_KEY is unset: local servers ignore it, hosted ones answer 401
LOCAL_SCHEMES = ("local", "llama.cpp", "gguf")
StructuredMethod = Literal["json_schema", "json_mode", "function_calling"]

# Endpoints known to implement response_format={"type": "json_schema"}; every other OpenAI-compatible server gets
# JSON mode ({"type": "json_object"}, which DeepSeek, DashScope, vLLM, Ollama and llama.cpp all accept) with the schema
# spelled out in the prompt; pydantic validates the answer either way.
JSON_SCHEMA_HOSTS = ("api.openai.com",)


@dataclass(frozen=True)
class ProviderInfo:
    kind: Literal["openai_compatible", "local"]
    model: str
    endpoint: str                 # for display: no credentials, no query string
    structured_method: StructuredMethod
    key_configured: bool


def safe_endpoint(url: str) -> str:
    """The base URL without user:password@ or a query string (some gateways put keys there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def is_local(settings: Settings) -> bool:
    return (settings.llm_base_url or "").strip().lower().split(":", 1)[0] in LOCAL_SCHEMES


def structured_method_for(base_url: str) -> StructuredMethod:
    return "json_schema" if (urlsplit(base_url).hostname or "") in JSON_SCHEMA_HOSTS else "json_mode"


def describe(settings: Settings) -> str:
    """One plain sentence on the active mode, for `coach mode`, the UI header and logs."""
    if not settings.llm_enabled:
        return "规则模式（离线）：未配置大模型 COACH_LLM_BASE_URL / COACH_LLM_MODEL"
    where = "本地 GGUF（llama.cpp）" if is_local(settings) else safe_endpoint(settings.llm_base_url or "")
    return f"大模型模式：{settings.llm_model} @ {where}；规则模式核查每个回答"


def _openai_clients(settings: Settings, key: str) -> tuple[openai.OpenAI, openai.AsyncOpenAI]:
    timeout = httpx.Timeout(settings.llm_timeout_s, connect=min(5.0, settings.llm_timeout_s))
    common = {"api_key": key, "base_url": settings.llm_base_url, "timeout": timeout, "max_retries": 0,
              "organization": None, "project": None}
    sync = openai.OpenAI(**common)  # type: ignore[arg-type]
    async_ = openai.AsyncOpenAI(**common)  # type: ignore[arg-type]
    for client in (sync, async_):
        # The SDK read OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment for None: those belong to another
        # provider's account and must not reach this base URL as headers.
        client.organization = None
        client.project = None
    return sync, async_


def build_chat_model(settings: Settings) -> tuple[BaseChatModel, ProviderInfo]:
    if not settings.llm_enabled:
        raise LLMNotConfigured("LLM mode needs COACH_LLM_BASE_URL and COACH_LLM_MODEL")
    model = settings.llm_model or ""
    if is_local(settings):
        from coach.llm.local import load_local_chat_model

        # json_schema: LlamaCppChat turns it into llama.cpp's schema-constrained JSON mode (a grammar)
        chat_model = load_local_chat_model(model, settings.data_dir / "models")
        return chat_model, ProviderInfo("local", model, "local", "json_schema", False)
    from langchain_openai import ChatOpenAI

    secret = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    key = secret.strip() or NO_KEY
    sync, async_ = _openai_clients(settings, key)
    chat = ChatOpenAI(model=model, base_url=settings.llm_base_url, api_key=SecretStr(key),
                      timeout=settings.llm_timeout_s, max_retries=0, use_responses_api=False,
                      client=sync.chat.completions, root_client=sync,
                      async_client=async_.chat.completions, root_async_client=async_)
    info = ProviderInfo("openai_compatible", model, safe_endpoint(settings.llm_base_url or ""),
                        structured_method_for(settings.llm_base_url or ""), key != NO_KEY)
    return chat, info
