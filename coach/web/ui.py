"""The Gradio UI (Chinese labels for a Taobao customer-service team). Handlers are plain functions of Services so
they are tested without a browser."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from coach.errors import CoachError
from coach.models import Case, Critique
from coach.services import Services

VERDICT = {"violated": "❌ 违反", "applied": "✅ 做到", "not_applicable": "— 不适用"}


def highlight(draft: str, crit: Critique) -> list[tuple[str, str | None]]:
    """The draft split into (text, label) pieces for gr.HighlightedText: offending spans carry the principle."""
    marks = sorted({(f.start, f.end, f.principle) for f in crit.findings
                    if f.verdict == "violated" and f.start is not None and f.end is not None and f.end > f.start})
    out: list[tuple[str, str | None]] = []
    pos = 0
    for start, end, principle in marks:
        if start < pos:
            continue
        if start > pos:
            out.append((draft[pos:start], None))
        out.append((draft[start:end], principle))
        pos = end
    if pos < len(draft):
        out.append((draft[pos:], None))
    return out


def cards_markdown(crit: Critique, names: dict[str, str]) -> str:
    lines = [f"### 得分 {crit.score}/100（{'规则模式' if crit.mode == 'rules' else '大模型模式'}）"]
    if crit.situation:
        s = crit.situation
        lines.append(f"场景：`{s.scene}` · 顾客情绪：`{s.emotion}` · {'首次回复' if s.first_reply else '非首次回复'}")
    for n in crit.notices:
        lines.append(f"> ⚠️ {html.escape(n)}")
    for f in sorted(crit.findings, key=lambda f: {"violated": 0, "applied": 1, "not_applicable": 2}[f.verdict]):
        if f.verdict == "not_applicable":
            continue
        lines.append(f"\n**{VERDICT[f.verdict]} · {names.get(f.principle, f.principle)}** (`{f.principle}`)")
        if f.evidence:
            lines.append(f"- 原文：「{html.escape(f.evidence)}」")
        lines.append(f"- {html.escape(f.explanation)}")
        if f.verdict == "violated" and f.suggestion.strip():
            lines.append(f"- 建议：{html.escape(f.suggestion)}")
        if f.citations:
            lines.append(f"- 依据：{', '.join(f'`{c}`' for c in f.citations)}")
    return "\n".join(lines)


def critique_handler(services: Services, customer: str, draft: str) -> tuple[str, list[tuple[str, str | None]], str]:
    try:
        crit = services.critique(Case(customer=customer or "", draft=draft or ""))
    except CoachError as exc:
        return f"**无法点评：** {html.escape(str(exc))}", [], ""
    names = {pid: services.critic.rubric.name(pid) for pid in services.critic.rubric.principles}
    return cards_markdown(crit, names), highlight(draft, crit), crit.rewrite or "（草稿没有需要修改的地方）"


def build_ui(services: Services) -> gr.Blocks:
    mode = ("大模型模式：" + str(services.settings.llm_model)) if services.settings.llm_enabled else (
        "规则模式（离线）：未配置大模型，使用本地分析器、政策核对与模板")
    with gr.Blocks(title="话术教练", analytics_enabled=False) as demo:
        gr.Markdown(f"# 话术教练\n{mode}")
        with gr.Tab("草稿点评"):
            customer = gr.Textbox(label="顾客消息", lines=3, max_length=5000)
            draft = gr.Textbox(label="客服草稿", lines=5, max_length=20000)
            go = gr.Button("点评", variant="primary")
            cards = gr.Markdown()
            spans = gr.HighlightedText(label="草稿中的问题片段", combine_adjacent=False)
            rewrite = gr.Textbox(label="建议改写", lines=4, buttons=["copy"], interactive=False)
            args: dict[str, Any] = {"concurrency_limit": 8}
            go.click(lambda c, d: critique_handler(services, c, d), [customer, draft], [cards, spans, rewrite], **args)
    return demo  # type: ignore[no-any-return]
