"""The Gradio UI (Chinese labels for a Taobao customer-service team): one tab per job, assembled here.

Each tab lives in coach/web/tabs/ with plain handler functions (tested without a browser). Who may see which tab is
decided by the caller: `tab_filter(request)` returns the tab keys of TAB_KEYS that request may see (None = all);
the tabs are shown or hidden when the page loads, together with who is logged in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from coach.services import Services
from coach.web.render import md_inline
from coach.web.tabs import critique, drafting, evaluation, knowledge, roleplay

# Re-exported: the critique handlers were first defined here.
from coach.web.tabs.critique import cards_markdown, critique_handler, highlight

TabFilter = Callable[[gr.Request], "set[str] | None"]
TABS: dict[str, str] = {"critique": "草稿点评", "draft": "智能拟稿", "roleplay": "角色扮演", "eval": "评测", "kb": "知识库"}
TAB_KEYS = tuple(TABS)

__all__ = ["TABS", "TAB_KEYS", "build_ui", "cards_markdown", "critique_handler", "highlight", "page_setup"]


def mode_line(services: Services) -> str:
    if services.settings.llm_enabled:
        return "大模型模式：" + md_inline(str(services.settings.llm_model))
    return "规则模式（离线）：未配置大模型，使用本地分析器、政策核对与模板"


def page_setup(request: gr.Request | None, tab_filter: TabFilter | None) -> tuple[Any, ...]:
    """On page load: (who is logged in, the trainee name to prefill, one visibility update per tab)."""
    user = getattr(request, "username", None) if request is not None else None
    allowed = tab_filter(request) if tab_filter is not None and request is not None else None
    who = f"当前用户：**{md_inline(user)}**" if user else "单机模式（未登录）"
    trainee = user if user else gr.skip()
    visible = [gr.update(visible=allowed is None or key in allowed) for key in TAB_KEYS]
    return (who, trainee, *visible)


def build_ui(services: Services, tab_filter: TabFilter | None = None) -> gr.Blocks:
    with gr.Blocks(title="话术教练", analytics_enabled=False) as demo:
        with gr.Row():
            gr.Markdown(f"# 话术教练\n{mode_line(services)}")
            who = gr.Markdown(elem_id="whoami")
        tabs: list[gr.Tab] = []
        loads: list[Any] = []
        with gr.Tabs():
            with gr.Tab(TABS["critique"], id="critique", elem_id="tab-critique") as tab:
                critique.build(services)
            tabs.append(tab)
            with gr.Tab(TABS["draft"], id="draft", elem_id="tab-draft") as tab:
                drafting.build(services)
            tabs.append(tab)
            with gr.Tab(TABS["roleplay"], id="roleplay", elem_id="tab-roleplay") as tab:
                trainee, on_load = roleplay.build(services)
            tabs.append(tab)
            loads += on_load
            with gr.Tab(TABS["eval"], id="eval", elem_id="tab-eval") as tab:
                loads += evaluation.build(services)
            tabs.append(tab)
            with gr.Tab(TABS["kb"], id="kb", elem_id="tab-kb") as tab:
                loads += knowledge.build(services)
            tabs.append(tab)

        def setup(request: gr.Request) -> tuple[Any, ...]:
            return page_setup(request, tab_filter)

        event = demo.load(setup, None, [who, trainee, *tabs])
        for fn, inputs, outputs in loads:
            event = event.then(fn, inputs, outputs)
    return demo  # type: ignore[no-any-return]
