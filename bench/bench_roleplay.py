"""Roleplay, scripted mode (python -m bench roleplay): time per trainee turn over 20-turn sessions, every scenario.

A turn = `take_turn` end to end: critique of the trainee's reply against the demo shop (rules mode), the state
machine, the scripted customer's line, and the SQLite commit (WAL, synchronous=FULL: one fsync per turn). The issue
asks for < 1 s per turn; `p95_over_budget` is p95 / 1000 ms (below 1 = within budget). Side by side, in the same run,
the critic alone on the same cases: `overhead_ratio_p50` is what roleplay adds around the critique.

So that every session really lasts 20 turns, the bench plays copies of the scenarios that cannot end early (20-turn
limit, unreachable resolution, no escalation, patience 20) in a copied prompts dir; the trainee cycles through the
scenario's good lines and one weak line, each made unique (a repeated reply is treated differently). The KB is the
demo shop indexed with the hashed embedder: the critic's claim checks read the fact book and BM25, not the dense
index, so the embedder does not change turn time (and indexing stays quick).
"""

from __future__ import annotations

import shutil
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bench.common import Result, latency_figures, percentile
from coach.models import Case, Order, Turn
from coach.settings import REPO_ROOT, Settings

TURNS = 20
SEED = "bench"
MILD = "好的，请您稍等，我看一下。"  # a weak reply (no empathy, no step) that cannot trip a red line


def _prompts(workdir: Path) -> Path:
    """A copy of prompts/ whose scenarios run exactly TURNS turns."""
    dst = workdir / "prompts"
    shutil.copytree(REPO_ROOT / "prompts", dst, ignore=shutil.ignore_patterns("README.md"))
    meter_path = dst / "roleplay" / "meter.yaml"
    meter = yaml.safe_load(meter_path.read_text(encoding="utf-8"))
    meter["patience_turns"] = {k: TURNS for k in range(1, 6)}
    meter_path.write_text(yaml.safe_dump(meter, allow_unicode=True), encoding="utf-8")
    lines_path = dst / "roleplay" / "lines.yaml"
    common = yaml.safe_load(lines_path.read_text(encoding="utf-8"))
    for trap in common.get("traps", []):
        trap["escalate"] = False
    lines_path.write_text(yaml.safe_dump(common, allow_unicode=True), encoding="utf-8")
    for path in (dst / "scenarios").glob("*.yaml"):
        sc = yaml.safe_load(path.read_text(encoding="utf-8"))
        sc["end"].update(max_turns=TURNS, escalate_mood=0, escalate_on=[], requires_offer=True)
        sc["goal"]["accepts"] = "(?!)"  # never matches: the session cannot resolve
        for trap in sc.get("traps", []):
            trap["escalate"] = False
        path.write_text(yaml.safe_dump(sc, allow_unicode=True), encoding="utf-8")
    return dst


def _script(scenario_id: str) -> list[str]:
    from coach.roleplay.service import read_script

    good = read_script(REPO_ROOT / "eval" / "roleplay" / f"{scenario_id}.good.txt")
    cycle = [*good, MILD]
    return [f"{cycle[i % len(cycle)]}（第{i + 1}轮）" for i in range(TURNS)]


def run(workdir: Path) -> list[Result]:
    from coach.roleplay import service as rp
    from coach.services import Services

    settings = Settings(data_dir=workdir / "data", prompts_dir=_prompts(workdir), today=date(2026, 11, 23),
                        embeddings="hash", chroma_url=None, _env_file=None)  # type: ignore[call-arg]
    services = Services(settings)
    t0 = time.perf_counter()
    services.ensure_demo_index()
    index_s = time.perf_counter() - t0
    ids = [s["id"] for s in rp.list_scenarios(services)]

    per_turn: list[float] = []
    by_position: dict[int, list[float]] = {}
    starts: list[float] = []
    cases: list[Case] = []
    cold_ms = 0.0
    short_sessions = 0
    for n, sid in enumerate(ids):
        t = time.perf_counter()
        start = rp.start_session(services, sid, trainee="bench", seed=SEED)
        starts.append((time.perf_counter() - t) * 1000)
        transcript = [Turn(role="customer", text=start.opening)]
        order = Order(**start.order)
        for i, text in enumerate(_script(sid)):
            cases.append(Case(customer=transcript[-1].text, context=list(transcript[:-1]), order=order, draft=text,
                              scene=start.scenario["scene"]))
            t = time.perf_counter()
            r = rp.take_turn(services, start.session_id, text)
            ms = (time.perf_counter() - t) * 1000
            if n == 0 and i == 0:
                cold_ms = ms  # first turn in the process: builds the critic's fact book, loads jieba
            else:
                per_turn.append(ms)
                by_position.setdefault(i + 1, []).append(ms)
            transcript += [Turn(role="agent", text=text), Turn(role="customer", text=r.customer)]
            if r.ended:
                break
        if len(transcript) < 2 * TURNS + 1:
            short_sessions += 1

    critic_only = []
    for case in cases[1:]:
        t = time.perf_counter()
        services.critique(case)
        critic_only.append((time.perf_counter() - t) * 1000)

    figures: dict[str, Any] = latency_figures(per_turn)
    figures |= {"max_ms": round(max(per_turn), 2), "p95_over_budget": round(percentile(per_turn, 95) / 1000, 4),
                "turn20_p50_ms": round(statistics.median(by_position.get(TURNS, [0.0])), 2),
                "turn2_p50_ms": round(statistics.median(by_position.get(2, [0.0])), 2),
                "cold_first_turn_ms": round(cold_ms, 1), "sessions": float(len(ids)),
                "sessions_shorter_than_20": float(short_sessions)}
    units = {k: " ms" for k in figures if k.endswith("_ms")}
    critic_p50 = statistics.median(critic_only)
    return [
        Result("roleplay.turn_latency_scripted_20turn", figures, units,
               f"take_turn end to end over {len(ids)} scenarios × {TURNS} turns (seed {SEED!r}); excludes the very "
               f"first turn of the process (cold_first_turn_ms)"),
        Result("roleplay.critic_vs_turn", {
            "critic_p50_ms": round(critic_p50, 2), "critic_p95_ms": round(percentile(critic_only, 95), 2),
            "overhead_ratio_p50": round(statistics.median(per_turn) / critic_p50, 2) if critic_p50 else float("nan")},
            {"critic_p50_ms": " ms", "critic_p95_ms": " ms"},
            "the same cases through services.critique alone, same run"),
        Result("roleplay.session_start", latency_figures(starts) | {"index_demo_s": round(index_s, 1)},
               {"p50_ms": " ms", "p95_ms": " ms", "index_demo_s": " s"},
               "start_session (opening line + session row); index_demo_s = indexing the demo shop once, hashed"),
    ]
