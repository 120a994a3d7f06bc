"""Typed LLM failures. Each carries `notice`: the one sentence the agent sees next to the rules-mode answer."""

from __future__ import annotations

from coach.errors import CoachError


class LLMError(CoachError):
    """The LLM path could not give an answer; the caller falls back to rules mode and shows `notice`."""

    notice = "大模型暂时不可用，以下为规则模式结果。"

    def __init__(self, detail: str = "", notice: str | None = None) -> None:
        # str(exc) is the user-facing notice (CoachError messages are printed as-is); `detail` is for logs/tests.
        if notice is not None:
            self.notice = notice
        self.detail = detail
        super().__init__(self.notice)


class LLMNotConfigured(LLMError):
    notice = "未配置大模型（COACH_LLM_BASE_URL / COACH_LLM_MODEL），使用规则模式。"


class LLMUnavailable(LLMError):
    """The circuit breaker is open: recent calls failed, so this one is not even tried."""

    notice = "大模型服务连续出错，已暂停调用（熔断中），以下为规则模式结果。"


class LLMTimeout(LLMError):
    notice = "大模型响应超时，以下为规则模式结果。"


class LLMTransportError(LLMError):
    """HTTP/connection failure after the bounded retries (or a non-retryable status such as 401/400)."""

    notice = "大模型服务出错，以下为规则模式结果。"


class LLMOutputError(LLMError):
    """The model's answer never validated against the expected schema, even after the bounded re-asks."""

    notice = "大模型返回的内容格式不合规（已重试），以下为规则模式结果。"


class LLMLeakError(LLMError):
    """The answer repeated the system prompt (a prompt-injection success): it is discarded, never shown."""

    notice = "大模型的回答疑似泄露了系统指令，已丢弃，以下为规则模式结果。"


class LLMRejected(LLMError):
    """A generated text still breaks a critical rule (policy/privacy/urgency) after the bounded regenerations."""

    notice = "大模型生成的内容未通过规则核查（政策/隐私/紧迫感），已改用规则模式结果。"
