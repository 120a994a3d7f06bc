"""Assemble the service: REST API + Gradio UI, with Gradio's defaults set deliberately (no analytics, bounded
queue, upload limit, data dir blocked, monitoring and browser-side history off, no share).

Access (coach.auth) is decided once here and shared: with a users file the UI asks for a login (same store and
failed-login limit as the API) and shows each role its tabs (and, through `allows`, what a tab shows some roles
only: every trainee's progress); without one, a single local user on loopback only, who may see everything."""

from __future__ import annotations

import inspect
from typing import Any

import gradio as gr
from fastapi import FastAPI

from coach.auth import Access
from coach.services import Services
from coach.web.api import create_api
from coach.web.ui import build_ui


def create_app(services: Services, access: Access | None = None) -> FastAPI:
    access = access or Access.from_settings(services.settings)  # refuses a non-loopback host without accounts
    app = create_api(services, access)
    ui_args: dict[str, Any] = {}
    if "tab_filter" in inspect.signature(build_ui).parameters:  # the tabbed UI filters by role; older one has one tab
        ui_args["tab_filter"] = access.tab_filter
    if "allows" in inspect.signature(build_ui).parameters:  # what a tab shows some users only (all trainees' progress)
        ui_args["allows"] = access.allows
    demo = build_ui(services, **ui_args).queue(max_size=64, default_concurrency_limit=4)
    login: dict[str, Any] = {}
    if access.accounts:
        # gradio's login page shows only "incorrect credentials" (HTTP 400) and stays silent on our 429, so the
        # lock-out rule is stated up front
        login = {"auth": access.gradio_login,
                 "auth_message": "话术教练：请用管理员为您创建的账号登录。同一账号在同一地址 "
                                 f"{access.limiter.window_s / 60:.0f} 分钟内输错 "
                                 f"{access.limiter.max_failures} 次将暂时锁定，登录按钮无反应时请稍后再试。"}
    return gr.mount_gradio_app(  # type: ignore[no-any-return]
        app, demo, path="/",
        blocked_paths=[str(services.settings.data_dir)],
        max_file_size="20mb",
        enable_monitoring=False,
        run_history=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        **login,
    )
