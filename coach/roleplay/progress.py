"""A trainee's progress per principle over time, and the next scenario to practise.

The recommendation targets the weakest principle (lowest mean score over the recent sessions) with a scenario that
trains it, at a difficulty that follows the last result: one step up after a clean win, one down after a loss.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

from pydantic import BaseModel

from coach.roleplay.debrief import PrincipleCounts
from coach.roleplay.scenario import Scenario
from coach.roleplay.store import SessionRow

WINDOW = 5  # recent sessions that decide the weakest principle and the trend


class SessionPoint(BaseModel):
    session_id: str
    scenario_id: str
    title: str
    difficulty: int
    status: str
    score: float | None
    started_at: float
    principles: dict[str, float]


class PrincipleTrend(BaseModel):
    principle: str
    name: str
    sessions: int
    mean: float           # over the last WINDOW sessions where it applied
    first: float
    last: float
    trend: float          # last − first over that window (positive = improving)
    history: list[float]  # every session's score for it, oldest first


class Progress(BaseModel):
    trainee: str
    sessions: list[SessionPoint]
    principles: list[PrincipleTrend]   # weakest first
    resolved_rate: float | None = None
    mean_score: float | None = None


class Recommendation(BaseModel):
    scenario_id: str
    title: str
    difficulty: int
    target_difficulty: int
    principle: str | None
    principle_name: str | None
    reason: str


def build_progress(trainee: str, rows: Sequence[tuple[SessionRow, PrincipleCounts]],
                   name: Callable[[str], str]) -> Progress:
    points = [SessionPoint(session_id=r.id, scenario_id=r.scenario_id, title=r.scenario_title,
                           difficulty=r.difficulty, status=r.status, score=r.score, started_at=r.started_at,
                           principles={p: s for p, (_, _, s) in counts.items()}) for r, counts in rows]
    history: dict[str, list[float]] = {}
    for pt in points:
        for p, s in pt.principles.items():
            history.setdefault(p, []).append(s)
    trends = []
    for p, scores in history.items():
        recent = scores[-WINDOW:]
        trends.append(PrincipleTrend(principle=p, name=name(p), sessions=len(scores),
                                     mean=round(statistics.fmean(recent), 1), first=recent[0], last=recent[-1],
                                     trend=round(recent[-1] - recent[0], 1), history=scores))
    trends.sort(key=lambda t: (t.mean, t.principle))
    scored = [pt.score for pt in points if pt.score is not None]
    return Progress(trainee=trainee, sessions=points, principles=trends,
                    resolved_rate=round(sum(pt.status == "resolved" for pt in points) / len(points), 2)
                    if points else None,
                    mean_score=round(statistics.fmean(scored), 1) if scored else None)


def target_difficulty(last: SessionPoint | None, pass_score: float) -> int:
    if last is None:
        return 1
    if last.status == "resolved" and (last.score or 0) >= pass_score:
        return min(5, last.difficulty + 1)
    if last.status in ("escalated", "gave_up") or (last.score is not None and last.score < 60):
        return max(1, last.difficulty - 1)
    return last.difficulty


def recommend(progress: Progress, scenarios: Sequence[Scenario], name: Callable[[str], str],
              pass_score: float) -> Recommendation | None:
    if not scenarios:
        return None
    last = progress.sessions[-1] if progress.sessions else None
    target = target_difficulty(last, pass_score)
    trained = {p for s in scenarios for p in s.focus}
    weakest = next((t for t in progress.principles if t.principle in trained), None)
    pool = [s for s in scenarios if weakest and weakest.principle in s.focus] or list(scenarios)
    played = [pt.scenario_id for pt in progress.sessions]

    def rank(s: Scenario) -> tuple[int, int, int, str]:
        recency = max((i for i, sid in enumerate(played) if sid == s.id), default=-1)
        return abs(s.difficulty - target), played.count(s.id), recency, s.id

    pick = min(pool, key=rank)
    if weakest is None:
        reason = f"还没有练习记录：从难度 {pick.difficulty} 的场景开始。"
    else:
        reason = (f"最近 {min(WINDOW, weakest.sessions)} 场中「{weakest.name}」得分最低（平均 {weakest.mean:.0f}），"
                  f"这个场景重点练它；难度 {pick.difficulty}（建议难度 {target}）。")
    return Recommendation(scenario_id=pick.id, title=pick.title, difficulty=pick.difficulty, target_difficulty=target,
                          principle=weakest.principle if weakest else None,
                          principle_name=weakest.name if weakest else None, reason=reason)
