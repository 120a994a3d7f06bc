"""Play a trainee script through a scenario and summarise the result: what the test suite, the eval harness's
`roleplay` task and the benchmark share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.roleplay.service import RoleplayService

FAILED = ("escalated", "gave_up")


@dataclass
class Played:
    session_id: str
    status: str
    turns: int
    mood_start: int
    mood_end: int
    trust_start: int
    trust_end: int
    scores: list[int]
    customer_lines: list[str]


def play_script(rp: RoleplayService, scenario_id: str, turns: Sequence[str], seed: str,
                trainee: str = "eval") -> Played:
    """Every turn until the customer ends the conversation; an unfinished script leaves the session 'abandoned'."""
    start = rp.start(scenario_id, trainee, seed)
    results = []
    for text in turns:
        results.append(rp.take_turn(start.session_id, text))
        if results[-1].ended:
            break
    status = results[-1].status if results else "active"
    if status == "active":
        status = rp.end(start.session_id).status
    last = results[-1].meter if results else start.meter
    return Played(session_id=start.session_id, status=status, turns=len(results), mood_start=start.meter.mood,
                  mood_end=last.mood, trust_start=start.meter.trust, trust_end=last.trust,
                  scores=[r.score for r in results], customer_lines=[start.opening, *(r.customer for r in results)])
