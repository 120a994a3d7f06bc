"""Assemble the service: REST API + Gradio UI, with Gradio's defaults set deliberately (no analytics, bounded
queue, upload limit, data dir blocked, monitoring and browser-side history off, no share)."""

from __future__ import annotations

import gradio as gr
from fastapi import FastAPI

from coach.services import Services
from coach.web.api import create_api
from coach.web.ui import build_ui


def create_app(services: Services) -> FastAPI:
    app = create_api(services)
    demo = build_ui(services).queue(max_size=64, default_concurrency_limit=4)
    return gr.mount_gradio_app(  # type: ignore[no-any-return]
        app, demo, path="/",
        blocked_paths=[str(services.settings.data_dir)],
        max_file_size="20mb",
        enable_monitoring=False,
        run_history=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
    )
