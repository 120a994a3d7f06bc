"""Structured output: the request side of LangChain's `with_structured_output` methods, our own parsing.

The three methods put the same parameters on the wire as `ChatOpenAI.with_structured_output(method=…)`:
  json_schema       response_format={"type": "json_schema", "json_schema": {name, schema}}
  json_mode         response_format={"type": "json_object"} (the prompt spells out the schema)
  function_calling  one tool named after the model, tool_choice forcing it
The answer is parsed here rather than by LangChain's PydanticOutputParser, whose partial-JSON repair is quadratic in
the answer's length: a 10,000-character non-JSON answer (an echoing or injected model) took 3.5 s of CPU, which
would blow the deadline and let a hostile answer stall a worker. json.raw_decode is linear.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel, ValidationError

from coach.llm.provider import StructuredMethod

MAX_ANSWER_CHARS = 60_000  # far above any critique; longer is garbage and is not parsed at all


def bind_structured(chat: BaseChatModel, model: type[BaseModel], method: StructuredMethod) -> Runnable[Any, Any]:
    if method == "function_calling":
        return chat.bind_tools([model], tool_choice=model.__name__)
    if method == "json_schema":
        fmt = {"type": "json_schema", "json_schema": {"name": model.__name__, "schema": model.model_json_schema()}}
        return chat.bind(response_format=fmt)
    return chat.bind(response_format={"type": "json_object"})


def _json_object(text: str) -> Any:
    start = text.find("{")
    if start < 0:
        raise ValueError("回答里没有 JSON 对象")
    obj, _end = json.JSONDecoder().raw_decode(text, start)  # ignores a code fence or chatter around the object
    return obj


def parse_structured(message: BaseMessage, model: type[BaseModel]) -> tuple[BaseModel | None, str]:
    """(validated model, "") or (None, a problem description for the re-ask)."""
    calls = getattr(message, "tool_calls", None) or []
    try:
        if calls:
            data: Any = calls[0].get("args", {})
        else:
            text = message.content if isinstance(message.content, str) else ""
            if len(text) > MAX_ANSWER_CHARS:
                return None, f"回答过长（{len(text)} 字），不是要求的 JSON 对象"
            data = _json_object(text)
        return model.model_validate(data), ""
    except ValidationError as exc:
        parts = [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()[:8]]
        return None, "JSON 不符合 Schema：" + "；".join(parts)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        return None, f"回答不是合法的 JSON 对象（{str(exc)[:80]}）"
