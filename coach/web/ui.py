"""The Gradio UI (Chinese labels for a Taobao customer-service team): one tab per job, assembled here.

Each tab lives in coach/web/tabs/ with plain handler functions (tested without a browser). Who may see which tab is
decided by the caller: `tab_filter(request)` returns the tab keys of TAB_KEYS that request may see (None = all);
the tabs are shown or hidden when the page loads, together with who is logged in. What a tab shows to some of its
users only is asked of `allows(request, permission)` (coach.auth.Access.allows) by the tab's handlers themselves:
in 角色扮演, every trainee's progress needs `progress.all`. Without either (single-user mode, no accounts) the one
local user may use and see everything, as coach.auth's store-less Access decides."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import gradio as gr

from coach.services import Services
from coach.web.guard import Allows, TabFilter, everyone, guarded, protect
from coach.web.render import md_inline
from coach.web.tabs import critique, drafting, evaluation, knowledge, roleplay

# Re-exported: the critique handlers were first defined here.
from coach.web.tabs.critique import cards_markdown, critique_handler, highlight

TABS: dict[str, str] = {"critique": "草稿点评", "draft": "智能拟稿", "roleplay": "角色扮演", "eval": "评测", "kb": "知识库"}
TAB_KEYS = tuple(TABS)

__all__ = ["TABS", "TAB_KEYS", "build_ui", "cards_markdown", "critique_handler", "highlight", "page_setup"]


def mode_line(services: Services) -> str:
    if services.settings.llm_enabled:
        return "大模型模式：" + md_inline(str(services.settings.llm_model))
    return "规则模式（离线）：未配置大模型，使用本地分析器、政策核对与模板"


def page_setup(request: gr.Request | None, tab_filter: TabFilter | None) -> tuple[Any, ...]:
    """On page load: (who is logged in, the tab to select, one visibility update per tab).

    Hidden is `visible="hidden"`: Gradio 6.31's front end ignores `visible=False` on a rendered tab (checked in
    chromium by tests/web/test_e2e_browser.py)."""
    user = getattr(request, "username", None) if request is not None else None
    allowed = tab_filter(request) if tab_filter is not None and request is not None else None
    who = f"当前用户：**{md_inline(user)}**" if user else "单机模式（未登录）"
    shown = [key for key in TAB_KEYS if allowed is None or key in allowed]
    visible = [gr.update(visible=True if key in shown else "hidden") for key in TAB_KEYS]
    # select the first tab only when the default one is hidden: a `selected` update re-selects it whenever the
    # tab set re-renders, which would pull a user back from the tab they just clicked
    select = gr.update(selected=shown[0]) if shown and shown[0] != TAB_KEYS[0] else gr.skip()
    return (who, select, *visible)


def build_ui(services: Services, tab_filter: TabFilter | None = None, allows: Allows = everyone) -> gr.Blocks:
    builders: dict[str, Callable[[Services], list[Any] | None]] = {
        "critique": critique.build, "draft": drafting.build,
        "roleplay": functools.partial(roleplay.build, allows=allows),
        "eval": evaluation.build, "kb": knowledge.build}
    with gr.Blocks(title="话术教练", analytics_enabled=False) as demo:
        with gr.Row():
            gr.Markdown(f"# 话术教练\n{mode_line(services)}")
            who = gr.Markdown(elem_id="whoami")
        tabs: list[gr.Tab] = []
        loads: list[tuple[str, Any]] = []
        with gr.Tabs() as tabset:
            for key, build in builders.items():
                before = set(demo.fns)
                with gr.Tab(TABS[key], id=key, elem_id=f"tab-{key}") as tab:
                    loads += [(key, load) for load in build(services) or []]
                tabs.append(tab)
                protect(demo, set(demo.fns) - before, key, TABS[key], tab_filter)

        def setup(request: gr.Request) -> tuple[Any, ...]:
            return page_setup(request, tab_filter)

        event = demo.load(setup, None, [who, tabset, *tabs])
        for key, (fn, inputs, outputs) in loads:
            # each fill runs on its own after setup, so one a user may not see (skipped quietly) stops no other
            quiet = functools.partial(_skips, len(outputs))
            event.then(guarded(fn, key, TABS[key], tab_filter, on_denied=quiet), inputs, outputs)
    return demo  # type: ignore[no-any-return]


def _skips(n: int) -> Any:
    return gr.skip() if n == 1 else tuple(gr.skip() for _ in range(n))
