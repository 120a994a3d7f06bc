"""The LLM service: render a versioned prompt, call the chat model under a deadline with bounded retries and a
circuit breaker, validate structured output (re-asking a bounded number of times), guard against leaks, record usage.

Deadline: one request's whole LLM path (retries and re-asks included) has `settings.llm_timeout_s`. The HTTP work runs
on a small thread pool and the caller waits on it with the remaining time, so when the endpoint hangs, dribbles bytes
or retries, the caller still gets control back at the deadline and shows the rules answer at once; the abandoned call
ends on its own socket timeout and reports to the breaker.

Privacy: callers redact with a per-request `coach.privacy.Redactor` (reversible placeholders) before calling; as a
safety net every untrusted input is masked again here, so a caller that forgot cannot send raw PII.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from langsmith import tracing_context
from pydantic import BaseModel

from coach.llm.errors import (
    LLMError,
    LLMLeakError,
    LLMOutputError,
    LLMTimeout,
    LLMTransportError,
    LLMUnavailable,
)
from coach.llm.guard import LeakGuard, new_canary
from coach.llm.prompts import Prompt, PromptLibrary
from coach.llm.provider import ProviderInfo, build_chat_model
from coach.llm.resilience import CircuitBreaker, as_llm_error, call_with_retries, is_transient
from coach.llm.structured import bind_structured, parse_structured
from coach.llm.usage import UsageLog, UsageRecord
from coach.privacy import mask
from coach.settings import Settings

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
Check = Callable[[Any], list[str]]
_ROLE = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}


class Deadline:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.end = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - self.clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0


@dataclass
class CallStats:
    attempts: int = 0
    reasks: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    def add_usage(self, message: BaseMessage | None) -> None:
        usage = getattr(message, "usage_metadata", None) or {}
        self.input_tokens += int(usage.get("input_tokens", 0) or 0)
        self.output_tokens += int(usage.get("output_tokens", 0) or 0)


@dataclass
class LLMOptions:
    reasks: int = 2                 # extra attempts after an answer that does not validate
    breaker_threshold: int = 5
    breaker_cooldown_s: float = 30.0
    workers: int = 8
    canary: str = field(default_factory=new_canary)


def _mask_inputs(prompt: Prompt, inputs: dict[str, Any]) -> dict[str, Any]:
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return mask(value)
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    return {k: clean(v) if k in prompt.untrusted else v for k, v in inputs.items()}


def _raw_text(message: BaseMessage | None) -> str:
    if message is None:
        return ""
    parts = [message.content if isinstance(message.content, str) else json.dumps(message.content, ensure_ascii=False)]
    for call in getattr(message, "tool_calls", None) or []:
        parts.append(json.dumps(call.get("args", {}), ensure_ascii=False))
    return "\n".join(parts)


class LLM:
    def __init__(self, chat: BaseChatModel, info: ProviderInfo, library: PromptLibrary, timeout_s: float,
                 attempts: int, options: LLMOptions | None = None) -> None:
        self.chat = chat
        self.info = info
        self.library = library
        self.timeout_s = timeout_s
        self.attempts = max(1, attempts)
        self.options = options or LLMOptions()
        self.breaker = CircuitBreaker(self.options.breaker_threshold, self.options.breaker_cooldown_s)
        self.usage = UsageLog()
        self._pool = ThreadPoolExecutor(max_workers=self.options.workers, thread_name_prefix="coach-llm")
        self._runnables: dict[tuple[str, str], Runnable[Any, Any]] = {}
        self._guards: dict[str, LeakGuard] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, library: PromptLibrary | None = None,
                      options: LLMOptions | None = None) -> LLM:
        chat, info = build_chat_model(settings)
        library = library or PromptLibrary.load(settings.prompts_dir)
        return cls(chat, info, library, settings.llm_timeout_s, 1 + settings.llm_max_retries, options)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def deadline(self) -> Deadline:
        return Deadline(self.timeout_s)

    # ------------------------------------------------------------------------------------------------ rendering

    def render(self, prompt_id: str, inputs: dict[str, Any]) -> tuple[Prompt, list[BaseMessage], LeakGuard]:
        prompt = self.library.get(prompt_id)
        globals_ = self.library.globals_for(prompt, self.options.canary)
        rendered = prompt.render(_mask_inputs(prompt, inputs), globals_)
        messages = [_ROLE[role](content=text) for role, text in rendered]
        return prompt, messages, self._guard(prompt)

    def _guard(self, prompt: Prompt) -> LeakGuard:
        if prompt.ref not in self._guards:
            self._guards[prompt.ref] = self._make_guard(prompt)
        return self._guards[prompt.ref]

    def _make_guard(self, prompt: Prompt) -> LeakGuard:
        empty = {"text": "", "number": 0, "lines": [], "turns": [], "passages": []}
        blank = {k: empty[t] for k, t in prompt.inputs.items()}
        skeleton_globals = {"principles": [], "judging_rules": [], "output_schema": "", "canary": ""}
        system = "\n".join(t for role, t in prompt.render(blank, skeleton_globals) if role == "system")
        return LeakGuard(self.options.canary, system)

    # ------------------------------------------------------------------------------------------------ calls

    def structured(self, prompt_id: str, inputs: dict[str, Any], deadline: Deadline | None = None,
                   check: Check | None = None) -> Any:
        """The validated output model of the prompt. Raises a typed LLMError; never returns unvalidated data."""
        deadline = deadline or self.deadline()
        prompt, messages, guard = self.render(prompt_id, inputs)
        model = prompt.output_model
        if model is None:
            raise LLMOutputError(f"prompt {prompt.ref} has a text output; use text()")
        runnable = self._structured_runnable(model)
        stats, t0, outcome = CallStats(), time.perf_counter(), "ok"
        try:
            for round_ in range(self.options.reasks + 1):
                stats.reasks = round_
                raw = self._invoke(runnable, messages, deadline, stats)
                stats.add_usage(raw)
                text = _raw_text(raw)
                if guard.leaked(text):  # before parsing: a leak is never shown, whatever its shape
                    raise LLMLeakError("the answer repeated the system prompt")
                parsed, problem = parse_structured(raw, model)
                problems = [problem] if parsed is None else (check(parsed) if check else [])
                if not problems:
                    return parsed
                if deadline.expired:
                    break
                messages = [*messages, AIMessage(content=text[:4000]), HumanMessage(content=_reask(problems))]
            raise LLMOutputError(f"{prompt.ref}: the answer did not validate after {stats.reasks} re-ask(s)")
        except LLMError as exc:
            outcome = _outcome(exc)
            raise
        finally:
            self._record(prompt, stats, t0, outcome)

    def text(self, prompt_id: str, inputs: dict[str, Any], deadline: Deadline | None = None) -> str:
        """A plain-text answer (the roleplay customer), guarded and recorded like structured()."""
        deadline = deadline or self.deadline()
        prompt, messages, guard = self.render(prompt_id, inputs)
        stats, t0, outcome = CallStats(), time.perf_counter(), "ok"
        try:
            message = self._invoke(self.chat, messages, deadline, stats)
            stats.add_usage(message)
            text = _raw_text(message).strip()
            if guard.leaked(text):
                raise LLMLeakError("the answer repeated the system prompt")
            if not text:
                raise LLMOutputError(f"{prompt.ref}: empty answer")
            return text
        except LLMError as exc:
            outcome = _outcome(exc)
            raise
        finally:
            self._record(prompt, stats, t0, outcome)

    def stream(self, prompt_id: str, inputs: dict[str, Any], deadline: Deadline | None = None) -> Iterator[str]:
        """Yield text chunks as they arrive (for the UI). A stream that breaks or stalls past the deadline raises a
        typed error after the chunks already yielded; a chunk that would complete a leak is never yielded."""
        deadline = deadline or self.deadline()
        prompt, messages, guard = self.render(prompt_id, inputs)
        stats, t0, outcome = CallStats(attempts=1), time.perf_counter(), "ok"
        chunks: queue.Queue[tuple[str, Any]] = queue.Queue()
        if not self.breaker.allow():
            self._record(prompt, stats, t0, "breaker_open", streamed=True)
            raise LLMUnavailable("circuit breaker open")
        self._pool.submit(self._pump, messages, chunks)
        so_far = ""
        try:
            while True:
                try:
                    kind, item = chunks.get(timeout=deadline.remaining())
                except queue.Empty:
                    raise LLMTimeout("stream stalled past the deadline") from None
                if kind == "error":
                    raise item if isinstance(item, LLMError) else as_llm_error(item)
                if kind == "end":
                    stats.add_usage(item)
                    return
                so_far += item
                if guard.leaked(so_far):
                    raise LLMLeakError("the answer repeated the system prompt")
                yield item
        except LLMError as exc:
            outcome = _outcome(exc)
            raise
        finally:
            self._record(prompt, stats, t0, outcome, streamed=True)

    # ------------------------------------------------------------------------------------------------ plumbing

    def _structured_runnable(self, model: type[BaseModel]) -> Runnable[Any, Any]:
        key = (model.__name__, self.info.structured_method)
        with self._lock:
            if key not in self._runnables:
                self._runnables[key] = bind_structured(self.chat, model, self.info.structured_method)
            return self._runnables[key]

    def _invoke(self, runnable: Runnable[Any, Any], messages: list[BaseMessage], deadline: Deadline,
                stats: CallStats) -> Any:
        if deadline.expired:  # checked first: allow() may claim the half-open trial, which must then run
            raise LLMTimeout("no time left for the LLM")
        if not self.breaker.allow():
            raise LLMUnavailable("circuit breaker open")
        future: Future[Any] = self._pool.submit(self._attempts, runnable, messages, deadline, stats)
        try:
            return future.result(timeout=deadline.remaining())
        except FutureTimeout:
            future.cancel()
            raise LLMTimeout("the LLM did not answer before the deadline") from None

    def _attempts(self, runnable: Runnable[Any, Any], messages: list[BaseMessage], deadline: Deadline,
                  stats: CallStats) -> Any:
        def once() -> Any:
            stats.attempts += 1
            with tracing_context(enabled=False):  # prompts never go to a tracing service
                return runnable.invoke(messages)

        try:
            result = call_with_retries(once, self.attempts, deadline.remaining())
        except Exception as exc:
            if is_transient(exc) or _is_http_error(exc):
                self.breaker.failure()
                raise as_llm_error(exc) from None
            self.breaker.success()  # the endpoint answered; the answer itself was the problem
            raise LLMOutputError(f"unusable answer: {type(exc).__name__}") from None
        self.breaker.success()
        return result

    def _pump(self, messages: list[BaseMessage], chunks: queue.Queue[tuple[str, Any]]) -> None:
        usage: BaseMessage | None = None
        finished = False
        try:
            with tracing_context(enabled=False):
                for chunk in self.chat.stream(messages):
                    if getattr(chunk, "usage_metadata", None):
                        usage = chunk
                    finished = finished or bool(chunk.response_metadata.get("finish_reason"))
                    text = chunk.content if isinstance(chunk.content, str) else ""
                    if text:
                        chunks.put(("chunk", text))
            if not finished:  # the connection ended cleanly but the answer did not: a cut stream
                raise LLMTransportError("the stream ended without a finish_reason")
        except Exception as exc:
            if is_transient(exc) or _is_http_error(exc) or isinstance(exc, LLMTransportError):
                self.breaker.failure()
            chunks.put(("error", exc))
            return
        self.breaker.success()
        chunks.put(("end", usage))

    def _record(self, prompt: Prompt, stats: CallStats, t0: float, outcome: str, streamed: bool = False) -> None:
        self.usage.add(UsageRecord(prompt=prompt.ref, model=self.info.model, outcome=outcome,
                                   latency_ms=round((time.perf_counter() - t0) * 1000, 2),
                                   attempts=stats.attempts, reasks=stats.reasks, input_tokens=stats.input_tokens,
                                   output_tokens=stats.output_tokens, streamed=streamed))


def _is_http_error(exc: BaseException) -> bool:
    import openai

    return isinstance(exc, openai.APIError) and not isinstance(exc, openai.LengthFinishReasonError)


def _reask(problems: list[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems[:10])
    return f"你上一条回答有以下问题：\n{listed}\n请修正后重新输出完整的 JSON 对象，只输出 JSON，不要其他文字。"


def _outcome(exc: LLMError) -> str:
    return {LLMTimeout: "timeout", LLMTransportError: "transport", LLMOutputError: "invalid_output",
            LLMLeakError: "leak", LLMUnavailable: "breaker_open"}.get(type(exc), "error")
