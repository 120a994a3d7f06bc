"""Form fields shared by the 草稿点评 and 智能拟稿 tabs: earlier turns typed one per line, an order as JSON."""

from __future__ import annotations

import json
import re

from pydantic import ValidationError

from coach.errors import InputError
from coach.models import Order, Turn

MAX_TURNS = 50
# A line starting with one of these is the agent's; anything else is the customer's (agents paste chat logs where
# the customer's lines are usually unlabelled or carry the buyer's nickname).
_AGENT = re.compile(r"^\s*(客服|卖家|商家|我|agent)\s*[:：]\s*", re.I)
_CUSTOMER = re.compile(r"^\s*(顾客|买家|客户|customer)\s*[:：]\s*", re.I)

CONTEXT_HINT = "每行一句；以「客服：」开头的是客服说的，其余（可写「顾客：」）是顾客说的"
ORDER_HINT = '例如 {"order_id": "E20261120001", "product_id": "P001", "status": "shipped"}'


def parse_context(text: str | None) -> list[Turn]:
    turns: list[Turn] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        if _AGENT.match(line):
            turns.append(Turn(role="agent", text=_AGENT.sub("", line, count=1).strip()))
        else:
            turns.append(Turn(role="customer", text=_CUSTOMER.sub("", line, count=1).strip()))
    if len(turns) > MAX_TURNS:
        raise InputError(f"之前的对话最多 {MAX_TURNS} 句（现在 {len(turns)} 句）：只保留最近的几句即可。")
    return [t for t in turns if t.text]


def parse_order(text: str | None) -> Order | None:
    if not text or not text.strip():
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"订单信息不是合法的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）：{ORDER_HINT}") from None
    if not isinstance(data, dict):
        raise InputError(f"订单信息应是一个 JSON 对象：{ORDER_HINT}")
    try:
        return Order(**data)
    except (ValidationError, TypeError) as exc:
        raise InputError(f"订单信息字段有误：{exc}") from None
