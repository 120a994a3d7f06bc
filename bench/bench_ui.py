"""Web UI handlers (python -m bench ui): the 草稿点评 tab's handler — what "answers as you type" runs on each
keystroke pause in rules mode — over the golden cases, side by side with the bare critic call it wraps, so the
ratio shows what rendering (cards, highlighted spans, cited clauses) adds; and the 智能拟稿 tab's handler.

Demo shop indexed the way `make run` does it (Services.ensure_demo_index) in a fresh data dir. Rules mode."""

from __future__ import annotations

from datetime import date
from pathlib import Path

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
    return [Result("ui.critique_tab", figures, units, "critique_handler vs services.critique, golden cases"),
            Result("ui.draft_tab", latency_figures(drafts), {"p50_ms": " ms", "p95_ms": " ms"},
                   "draft_handler, first 60 golden customer messages")]
