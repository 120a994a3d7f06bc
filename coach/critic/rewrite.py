"""Rules-mode rewrite: repair the draft principle by principle, keeping the agent's own words where they are fine.

It removes what must never be shown (wrong facts are corrected from the KB, off-platform/secret requests,
unbacked urgency, 好评返现, blame sentences) and adds what is missing (greeting, acknowledgement, next step with a
timeframe, a clarifying question, a closing). Phrases come from prompts/rewrite.yaml so trainers can tune them."""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from coach.analyzers.base import Ctx
from coach.claims.check import Issue
from coach.models import Critique

PHRASES_FILE = Path(__file__).resolve().parents[2] / "prompts" / "rewrite.yaml"
_DROP = {"privacy", "honest_urgency", "no_blame_shifting", "reciprocity"}


@cache
def phrases() -> dict[str, Any]:
    data = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _pick(options: Any, seed: str) -> str:
    if isinstance(options, str):
        return options
    return str(random.Random(seed).choice(options))


def rewrite(ctx: Ctx, critique: Critique, issues: list[Issue]) -> str | None:
    if not critique.violations:
        return None
    p = phrases()
    raw = ctx.draft.raw
    drop: list[tuple[int, int]] = []
    for f in critique.findings:
        if f.verdict == "violated" and f.principle in _DROP and f.start is not None and f.end is not None:
            s = ctx.draft.sentence_at(f.start)
            drop.append((s.start, s.end) if s else (f.start, f.end))
    body = []
    for s in ctx.draft.sentences:
        if any(a <= s.start < b for a, b in drop):
            continue
        text = raw[s.start:s.end]
        for i in issues:
            if i.fix and s.start <= i.span[0] < s.end:
                text = text.replace(i.fix[0], i.fix[1])
        body.append(text)
    v = set(critique.violations)
    scene, emotion, seed = critique.situation.scene if critique.situation else "", ctx.situation.emotion, ctx.draft.raw
    head: list[str] = []
    if "greeting_closing" in v or (ctx.situation.first_reply and not body):
        head.append(_pick(p["greeting"], seed))
    if "empathy" in v:
        head.append(_pick(p["empathy"].get(emotion) or p["empathy"]["default"], seed))
    if "no_blame_shifting" in v:
        head.append(_pick(p["ownership"], seed))
    tail: list[str] = []
    if "clarifying_question" in v:
        for need in ctx.situation.missing_info:
            tail.append(_pick(p["clarify"].get(need) or p["clarify"]["default"], seed))
    if "solution_timeline" in v:
        tail.append(_pick(p["timeline"].get(scene) or p["timeline"]["default"], seed))
    if "anchoring" in v:
        tail.append(_pick(p["anchoring"], seed))
    if "positive_framing" in v:
        tail.append(_pick(p["alternative"], seed))
    if "greeting_closing" in v:
        tail.append(_pick(p["closing"], seed))
    text = "".join(head) + "".join(body) + "".join(tail)
    return text.strip() or None
