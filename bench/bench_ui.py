"""Web UI handlers (python -m bench ui): the 草稿点评 tab's handler — what "answers as you type" runs on each
keystroke pause in rules mode — over the golden cases, side by side with the bare critic call it wraps, so the
ratio shows what rendering (cards, highlighted spans, cited clauses) adds; and the 智能拟稿 tab's handler.

`ui.critique_browser`: the same tab in headless chromium against the real app (create_app under uvicorn on
loopback): from the 点评 click to the score on screen, over the first golden cases — what an agent waits for.
Skipped when chromium/chromedriver are missing (`make browser`).

Demo shop indexed the way `make run` does it (Services.ensure_demo_index) in a fresh data dir. Rules mode."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import Result, latency_figures, time_calls
from coach.datasets import load_cases
from coach.services import Services
from coach.settings import REPO_ROOT, Settings
from coach.web.tabs.critique import critique_handler
from coach.web.tabs.drafting import draft_handler


def run(workdir: Path) -> list[Result]:
    settings = Settings(data_dir=workdir / "data", today=date(2026, 11, 23), chroma_url=None,
                        _env_file=None)  # type: ignore[call-arg]
    services = Services(settings)
    services.ensure_demo_index()
    cases = load_cases(REPO_ROOT / "eval" / "golden" / "critique.jsonl")
    # alternate the two loops' order so neither always runs on a warmer cache
    bare = time_calls(lambda c: services.critique(c), cases)
    tab = time_calls(lambda c: critique_handler(services, c.customer, c.draft), cases)
    bare += time_calls(lambda c: services.critique(c), cases, warmup=0)
    tab = time_calls(lambda c: critique_handler(services, c.customer, c.draft), cases, warmup=0) + tab
    figures = {**latency_figures(tab, "tab_"), **latency_figures(bare, "critic_")}
    figures["tab_over_critic_p50"] = round(figures["tab_p50_ms"] / figures["critic_p50_ms"], 2)
    drafts = time_calls(lambda c: draft_handler(services, c.customer), cases[:60])
    units = {k: " ms" for k in figures if k.endswith("_ms")}
    out = [Result("ui.critique_tab", figures, units, "critique_handler vs services.critique, golden cases"),
           Result("ui.draft_tab", latency_figures(drafts), {"p50_ms": " ms", "p95_ms": " ms"},
                  "draft_handler, first 60 golden customer messages")]
    if shutil.which("chromium") and shutil.which("chromedriver"):
        load = round(os.getloadavg()[0], 2)  # the machine may be shared: record how busy it was
        clicks = _browser_round_trips(services, [(c.customer, c.draft) for c in cases[:40]])
        out.append(Result("ui.critique_browser", {**latency_figures(clicks), "loadavg_1m_before": load},
                          {"p50_ms": " ms", "p95_ms": " ms"},
                          "headless chromium: 点评 click -> new score rendered, real app on loopback"))
    return out


def _serve(services: Services) -> tuple[Any, str]:
    import uvicorn

    from coach.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}/"


def _browser_round_trips(services: Services, pairs: list[tuple[str, str]]) -> list[float]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    server, url = _serve(services)
    options = webdriver.ChromeOptions()
    options.binary_location = str(shutil.which("chromium"))
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1100"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(shutil.which("chromedriver"))), options=options)
    fill = ("const box = document.querySelector(arguments[0]); box.value = arguments[1];"
            "box.dispatchEvent(new Event('input', {bubbles: true}));")
    # the highlighted draft carries the draft's own marker: it changes exactly when this click's result is shown
    spans = "return (document.querySelector('#critique-spans') || {}).innerText || ''"
    try:
        driver.get(url)
        WebDriverWait(driver, 60).until(lambda d: d.find_elements("css selector", "#critique-go"))
        driver.execute_script("document.querySelector('input[type=checkbox]').click()")  # live off: clicks only
        samples = []
        for n, (customer, draft) in enumerate(pairs):
            driver.execute_script(fill, "#critique-customer textarea", customer)
            driver.execute_script(fill, "#critique-draft textarea", f"{draft} （{n}）")  # a new result every time
            t0 = time.perf_counter()
            driver.find_element("css selector", "#critique-go").click()
            WebDriverWait(driver, 30, poll_frequency=0.01).until(
                lambda d, mark=f"（{n}）": mark in d.execute_script(spans))
            samples.append((time.perf_counter() - t0) * 1000)
        return samples[3:]  # the first clicks warm the page up
    finally:
        driver.quit()
        server.should_exit = True
