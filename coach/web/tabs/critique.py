"""草稿点评 (agents): the customer's message, optional earlier turns and order, the draft → per-principle cards, the
draft with the offending spans highlighted, the cited policy clauses, the suggested rewrite and the score."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import gradio as gr

from coach.errors import CoachError
from coach.models import Case, Critique
from coach.services import Services
from coach.web.forms import CONTEXT_HINT, ORDER_HINT, parse_context, parse_order
from coach.web.render import md_inline

VERDICT = {"violated": "❌ 违反", "applied": "✅ 做到", "not_applicable": "— 不适用"}
EMOTION = {"neutral": "平静", "worried": "担心", "frustrated": "不耐烦", "angry": "生气"}
Spans = list[tuple[str, str | None]]


def highlight(draft: str, crit: Critique, names: dict[str, str] | None = None) -> Spans:
    """The draft split into (text, label) pieces for gr.HighlightedText. A piece inside offending spans carries
    every principle it violates ("a + b"): spans often overlap (a blame-shifting sentence is also the missing
    timeline), and showing only one of them would hide the others. `names`: principle id → the label shown."""
    marks = [(f.start, f.end, f.principle) for f in sorted(crit.findings, key=lambda f: -f.severity)
             if f.verdict == "violated" and f.start is not None and f.end is not None and 0 <= f.start < f.end]
    cuts = sorted({0, len(draft), *(min(m[0], len(draft)) for m in marks), *(min(m[1], len(draft)) for m in marks)})
    out: Spans = []
    for a, b in itertools.pairwise(cuts):
        covering = list(dict.fromkeys((names or {}).get(p, p) for s, e, p in marks if s <= a and b <= e))
        label = " + ".join(covering) or None
        if out and out[-1][1] == label:
            out[-1] = (out[-1][0] + draft[a:b], label)
        else:
            out.append((draft[a:b], label))
    return out


def cards_markdown(crit: Critique, names: dict[str, str]) -> str:
    lines = [f"### 得分 {crit.score}/100（{'规则模式' if crit.mode == 'rules' else '大模型模式'}）"]
    if crit.situation:
        s = crit.situation
        lines.append(f"场景：`{s.scene}` · 顾客情绪：{EMOTION.get(s.emotion, s.emotion)} · "
                     f"{'首次回复' if s.first_reply else '非首次回复'}")
    for n in crit.notices:
        lines.append(f"> ⚠️ {md_inline(n)}")
    for f in sorted(crit.findings, key=lambda f: {"violated": 0, "applied": 1, "not_applicable": 2}[f.verdict]):
        if f.verdict == "not_applicable":
            continue
        lines.append(f"\n**{VERDICT[f.verdict]} · {md_inline(names.get(f.principle, f.principle))}** (`{f.principle}`)")
        if f.evidence:
            lines.append(f"- 原文：「{md_inline(f.evidence)}」")
        lines.append(f"- {md_inline(f.explanation)}")
        if f.verdict == "violated" and f.suggestion.strip():
            lines.append(f"- 建议：{md_inline(f.suggestion)}")
        if f.citations:
            lines.append(f"- 依据：{', '.join(f'`{c}`' for c in f.citations)}")
    return "\n".join(lines)


def citations_markdown(services: Services, ids: list[str]) -> str:
    """The policy clauses and product facts behind the cards, quoted from the knowledge base."""
    if not ids:
        return ""
    lines = ["#### 引用的店铺规定与商品信息"]
    for cid in dict.fromkeys(ids):
        p = services.kb.get(cid)
        if p is None:
            lines.append(f"- `{cid}`（知识库中已没有这一条）")
            continue
        where = p.title + (f" · {p.section}" if p.section and p.section != p.title else "")
        lines.append(f"- `{cid}` **{md_inline(where)}**：{md_inline(p.text, limit=240)}")
    return "\n".join(lines)


def critique_handler(services: Services, customer: str, draft: str, context: str = "",
                     order: str = "") -> tuple[str, Spans, str]:
    """(cards + cited clauses as Markdown, highlighted draft, rewrite to copy)."""
    try:
        case = Case(customer=customer or "", draft=draft or "", context=parse_context(context),
                    order=parse_order(order))
        crit = services.critique(case)
    except CoachError as exc:
        return f"**无法点评：** {md_inline(str(exc))}", [], ""
    return critique_outputs(services, draft or "", crit)


def critique_stream_handler(services: Services, customer: str, draft: str, context: str = "",
                            order: str = "") -> Iterator[tuple[str, Spans, str]]:
    """Generator handler (issue 5): in LLM mode the rules critique shows at once and the merged one replaces it when
    the model answers; rules mode yields once, exactly like critique_handler."""
    try:
        case = Case(customer=customer or "", draft=draft or "", context=parse_context(context),
                    order=parse_order(order))
        for stage, crit in services.stream_critique(case):
            cards, spans, rewrite = critique_outputs(services, draft or "", crit)
            if stage == "rules":
                cards = "*规则点评如下，大模型复核中…*\n\n" + cards
            yield cards, spans, rewrite
    except CoachError as exc:
        yield f"**无法点评：** {md_inline(str(exc))}", [], ""


def critique_outputs(services: Services, draft: str, crit: Critique) -> tuple[str, Spans, str]:
    names = {pid: services.critic.rubric.name(pid) for pid in services.critic.rubric.principles}
    cited = [c for f in crit.findings if f.verdict != "not_applicable" for c in f.citations]
    cards = cards_markdown(crit, names)
    clauses = citations_markdown(services, cited)
    return cards + ("\n\n" + clauses if clauses else ""), highlight(draft, crit, names), (
        crit.rewrite or "（草稿没有需要修改的地方）")


def live_handler(services: Services, live: bool, customer: str, draft: str, context: str, order: str) -> Any:
    """As-you-type critique (rules mode only: an LLM call per keystroke would be slow and costly)."""
    if not live or not (draft or "").strip():
        return gr.skip(), gr.skip(), gr.skip()
    return critique_handler(services, customer, draft, context, order)


def build(services: Services) -> None:
    rules = not services.settings.llm_enabled
    with gr.Row():
        with gr.Column():
            customer = gr.Textbox(label="顾客消息", lines=3, max_length=5000, elem_id="critique-customer")
            with gr.Accordion("之前的对话和订单（可选）", open=False):
                context = gr.Textbox(label="之前的对话", lines=4, max_length=20000, placeholder=CONTEXT_HINT)
                order = gr.Textbox(label="订单信息（JSON）", lines=2, max_length=5000, placeholder=ORDER_HINT)
            draft = gr.Textbox(label="客服草稿", lines=5, max_length=20000, elem_id="critique-draft")
            with gr.Row():
                live = gr.Checkbox(label="边输入边点评", value=rules, interactive=rules,
                                   info="规则模式下不到一秒出结果" if rules else "大模型模式请点「点评」")
                go = gr.Button("点评", variant="primary", elem_id="critique-go")
        with gr.Column():
            cards = gr.Markdown(elem_id="critique-cards")
            spans = gr.HighlightedText(label="草稿中的问题片段", combine_adjacent=False, elem_id="critique-spans")
            rewrite = gr.Textbox(label="建议改写（点右上角复制）", lines=4, buttons=["copy"], interactive=False,
                                 elem_id="critique-rewrite")
    inputs = [customer, draft, context, order]
    outputs = [cards, spans, rewrite]
    def run(customer: str, draft: str, context: str, order: str) -> Iterator[tuple[str, Spans, str]]:
        yield from critique_stream_handler(services, customer, draft, context, order)

    # A generator handler, so Gradio shows the rules critique first and the LLM-merged one when it arrives.
    go.click(run, inputs, outputs, concurrency_limit=8)
    for box in (customer, draft):
        box.change(lambda lv, *a: live_handler(services, lv, *a), [live, *inputs], outputs,
                   trigger_mode="always_last", show_progress="hidden", concurrency_limit=8)
