"""The end-of-session debrief: outcome, per-principle scores, the best and the worst turn with a suggested
rewrite, time per turn, and how this session compares with the trainee's earlier ones."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from coach.privacy import mask
from coach.roleplay.engine import OUTCOME_LABELS, SessionState
from coach.roleplay.scenario import Scenario
from coach.roleplay.store import SessionRow, TurnRow

PrincipleCounts = dict[str, tuple[int, int, float]]  # principle -> (applied, violated, score 0–100)


class PrincipleScore(BaseModel):
    principle: str
    name: str
    applied: int
    violated: int
    score: float
    previous: float | None = None   # the trainee's mean on this principle before this session
    delta: float | None = None


class TurnHighlight(BaseModel):
    turn: int
    customer: str     # the line the trainee answered
    trainee: str
    score: int
    violations: list[str]
    rewrite: str | None = None


class Comparison(BaseModel):
    previous_sessions: int = 0
    previous_mean_score: float | None = None
    score_delta: float | None = None
    same_scenario_sessions: int = 0
    same_scenario_best: float | None = None
    resolved_rate_before: float | None = None


class Debrief(BaseModel):
    session_id: str
    trainee: str
    scenario_id: str
    title: str
    difficulty: int
    status: str
    outcome_label: str
    cause: str | None = None
    turns: int
    score: float | None = Field(None, description="mean critic score of the trainee's turns")
    passed: bool
    mood_start: int
    mood_end: int
    trust_start: int
    trust_end: int
    mood_curve: list[int]
    principles: list[PrincipleScore]
    best: TurnHighlight | None = None
    worst: TurnHighlight | None = None
    facts_found: list[str]
    facts_missed: list[str]
    caught: list[str] = Field(default_factory=list, description="wrong promises the customer recognised")
    think_ms: list[float]
    process_ms: list[float]
    mean_think_s: float | None = None
    mean_process_ms: float | None = None
    comparison: Comparison
    tips: list[str] = Field(default_factory=list)


def principle_counts(critiques: Sequence[dict[str, Any]]) -> PrincipleCounts:
    """Per principle over a session: turns where it applied and was done / was violated; score = done share."""
    tally: dict[str, list[int]] = {}
    for crit in critiques:
        for f in crit.get("findings", []):
            if f.get("verdict") in ("applied", "violated"):
                t = tally.setdefault(f["principle"], [0, 0])
                t[0 if f["verdict"] == "applied" else 1] += 1
    return {p: (a, v, round(100 * a / (a + v), 1)) for p, (a, v) in tally.items()}


def session_score(turns: Sequence[TurnRow]) -> float | None:
    return round(statistics.fmean(t.score for t in turns), 1) if turns else None


def _highlight(t: TurnRow, answered: str) -> TurnHighlight:
    # A debrief is a report trainers share: what the trainee typed (realistic phone numbers, addresses) is masked.
    crit = t.critique()
    rewrite = crit.get("rewrite") if crit.get("violations") else None
    return TurnHighlight(turn=t.idx, customer=mask(answered), trainee=mask(t.trainee), score=t.score,
                         violations=list(crit.get("violations", [])), rewrite=mask(rewrite) if rewrite else None)


def build_debrief(row: SessionRow, turns: Sequence[TurnRow], scenario: Scenario, state: SessionState,
                  start: SessionState, previous: Sequence[tuple[SessionRow, PrincipleCounts]],
                  name: Callable[[str], str], pass_score: float) -> Debrief:
    counts = principle_counts([t.critique() for t in turns])
    answered = [row.opening] + [t.customer for t in turns]
    best = worst = None
    if turns:
        best_t = max(turns, key=lambda t: (t.score, -t.idx))
        worst_t = min(turns, key=lambda t: (t.score, t.idx))
        best, worst = _highlight(best_t, answered[best_t.idx - 1]), _highlight(worst_t, answered[worst_t.idx - 1])
    prev_mean = _previous_means(previous)
    principles = []
    for p, (a, v, s) in sorted(counts.items(), key=lambda kv: (kv[1][2], kv[0])):
        before = prev_mean.get(p)
        principles.append(PrincipleScore(principle=p, name=name(p), applied=a, violated=v, score=s, previous=before,
                                         delta=None if before is None else round(s - before, 1)))
    score = session_score(turns)
    think = [round(t.think_ms, 1) for t in turns]
    process = [round(t.process_ms, 1) for t in turns]
    return Debrief(
        session_id=row.id, trainee=row.trainee_id, scenario_id=row.scenario_id, title=row.scenario_title,
        difficulty=row.difficulty, status=row.status, outcome_label=OUTCOME_LABELS.get(row.status, row.status),
        cause=state.cause, turns=len(turns), score=score,
        passed=row.status == "resolved" and score is not None and score >= pass_score,
        mood_start=start.mood, mood_end=state.mood, trust_start=start.trust, trust_end=state.trust,
        mood_curve=[start.mood] + [t.mood_after for t in turns], principles=principles, best=best, worst=worst,
        facts_found=[scenario.fact(f).fact for f in state.revealed],
        facts_missed=[f.fact for f in scenario.hidden_facts if f.id not in state.revealed],
        caught=[f"第{t.idx}轮：{scenario.trap(x).note}" for t in turns for x in t.effects().get("traps", [])
                if any(tr.id == x for tr in scenario.traps)],
        think_ms=think, process_ms=process,
        mean_think_s=round(statistics.fmean(think) / 1000, 1) if think else None,
        mean_process_ms=round(statistics.fmean(process), 1) if process else None,
        comparison=_compare(row, score, previous), tips=_tips(principles, scenario, state))


def _previous_means(previous: Sequence[tuple[SessionRow, PrincipleCounts]]) -> dict[str, float]:
    per: dict[str, list[float]] = {}
    for _, counts in previous:
        for p, (_, _, s) in counts.items():
            per.setdefault(p, []).append(s)
    return {p: round(statistics.fmean(v), 1) for p, v in per.items()}


def _compare(row: SessionRow, score: float | None, previous: Sequence[tuple[SessionRow, PrincipleCounts]]) -> Comparison:
    scored = [r.score for r, _ in previous if r.score is not None]
    same = [r for r, _ in previous if r.scenario_id == row.scenario_id]
    mean = round(statistics.fmean(scored), 1) if scored else None
    return Comparison(
        previous_sessions=len(previous), previous_mean_score=mean,
        score_delta=None if mean is None or score is None else round(score - mean, 1),
        same_scenario_sessions=len(same),
        same_scenario_best=max((r.score for r in same if r.score is not None), default=None),
        resolved_rate_before=round(sum(r.status == "resolved" for r, _ in previous) / len(previous), 2)
        if previous else None)


def _tips(principles: Sequence[PrincipleScore], scenario: Scenario, state: SessionState) -> list[str]:
    tips = [f"重点练习「{p.name}」：本场做到 {p.applied} 次、违反 {p.violated} 次。"
            for p in principles if p.violated][:2]
    missed = [f for f in scenario.hidden_facts if f.id not in state.revealed]
    if missed:
        tips.append(f"还有 {len(missed)} 条关键信息没有问出来：多用开放式提问、确认顾客的真实需求。")
    if not state.offer_made and scenario.end.requires_offer:
        tips.append(f"顾客的诉求是：{scenario.goal.description}；本场没有给出让顾客接受的方案。")
    return tips
