"""智能拟稿 (agents): a reply drafted for the customer's message from the shop's templates and facts, with its
citations and the critic's verification, ready to copy."""

from __future__ import annotations

from collections.abc import Iterator

import gradio as gr

from coach.drafting import DraftResult
from coach.drafting.models import DraftChunk, DraftFinal
from coach.errors import CoachError
from coach.services import Services
from coach.web.forms import CONTEXT_HINT, ORDER_HINT, parse_context, parse_order
from coach.web.render import md_inline
from coach.web.tabs.critique import cards_markdown, citations_markdown


def verification_markdown(services: Services, result: DraftResult) -> str:
    crit = result.critique
    head = ("✅ 核对通过：没有违反任何原则" if not crit.violations else
            f"⚠️ 核对发现 {len(crit.violations)} 个问题，发送前请修改")
    names = {pid: services.critic.rubric.name(pid) for pid in services.critic.rubric.principles}
    lines = [f"**{head}**（得分 {crit.score}/100，场景 `{result.scene or '-'}`，模板 `{result.template or '-'}`）"]
    lines += [f"> ⚠️ {md_inline(n)}" for n in result.notices]
    if result.attempts:
        lines.append(f"\n先后试过 {len(result.attempts)} 个候选回复，因违反原则被淘汰："
                     + "；".join(f"`{a.template}`（{', '.join(a.violations)}）" for a in result.attempts))
    if crit.violations:
        lines.append("\n" + cards_markdown(crit, names))
    return "\n".join(lines)


def draft_handler(services: Services, customer: str, context: str = "", order: str = "") -> tuple[str, str, str]:
    """(draft to copy, citations as Markdown, verification as Markdown)."""
    if not (customer or "").strip():
        return "", "", "**请先输入顾客消息。**"
    try:
        result = services.draft(customer, context=parse_context(context), order=parse_order(order))
    except CoachError as exc:
        return "", "", f"**无法拟稿：** {md_inline(str(exc))}"
    return result_outputs(services, result)


def draft_stream_handler(services: Services, customer: str, context: str = "",
                         order: str = "") -> Iterator[tuple[str, str, str]]:
    """Generator handler (issue 5): in LLM mode the preview grows as the model writes; the last yield is the verified
    draft (it replaces the preview when the service says so). Rules mode yields once, exactly like draft_handler."""
    if not (customer or "").strip():
        yield "", "", "**请先输入顾客消息。**"
        return
    preview = ""
    try:
        for event in services.stream_draft(customer, context=parse_context(context), order=parse_order(order)):
            if isinstance(event, DraftChunk):
                preview += event.text
                yield preview, "", "*正在生成…*"
            elif isinstance(event, DraftFinal):
                yield result_outputs(services, event.result)
    except CoachError as exc:
        yield preview, "", f"**无法拟稿：** {md_inline(str(exc))}"


def result_outputs(services: Services, result: DraftResult) -> tuple[str, str, str]:
    facts = "\n".join(f"- {md_inline(f.name)}：{md_inline(f.value)}（`{f.citation}`）" for f in result.facts)
    cites = citations_markdown(services, result.citations)
    used = ("#### 用到的事实\n" + facts + "\n\n" if facts else "") + (cites or "（这条回复没有引用店铺规定）")
    return result.draft, used, verification_markdown(services, result)


def build(services: Services) -> None:
    with gr.Row():
        with gr.Column():
            customer = gr.Textbox(label="顾客消息", lines=3, max_length=5000, elem_id="draft-customer")
            context = gr.Textbox(label="之前的对话（可选）", lines=3, max_length=20000, placeholder=CONTEXT_HINT)
            order = gr.Textbox(label="订单信息（可选，JSON）", lines=2, max_length=5000, placeholder=ORDER_HINT)
            go = gr.Button("生成回复", variant="primary", elem_id="draft-go")
        with gr.Column():
            text = gr.Textbox(label="建议回复（点右上角复制）", lines=6, buttons=["copy"], interactive=False,
                              elem_id="draft-text")
            check = gr.Markdown(elem_id="draft-check")
            cites = gr.Markdown()
    def run(customer: str, context: str, order: str) -> Iterator[tuple[str, str, str]]:
        yield from draft_stream_handler(services, customer, context, order)

    # A generator handler, so Gradio streams each yield (the LLM preview) to the browser.
    go.click(run, [customer, context, order], [text, cites, check],
             concurrency_limit=4)
