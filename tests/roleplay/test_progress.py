"""Debriefs, progress over sessions, and the recommendation of the next scenario."""

from __future__ import annotations

from coach.roleplay import service as rp
from coach.roleplay.debrief import PrincipleCounts
from coach.roleplay.library import ScenarioLibrary
from coach.roleplay.progress import build_progress, recommend
from coach.roleplay.store import SessionRow
from coach.services import Services

from .conftest import SCENARIO_DIR, script

LIB = ScenarioLibrary.load([SCENARIO_DIR])
SCENARIOS = LIB.ordered()


def row(n: int, scenario_id: str, status: str, score: float) -> SessionRow:
    sc = LIB.get(scenario_id)
    return SessionRow(id=f"s{n}", trainee_id="t", scenario_id=sc.id, scenario_title=sc.title,
                      difficulty=sc.difficulty, scenario_json="{}", seed="1", customer_mode="scripted",
                      status=status, opening="", state_json="{}", started_at=float(n), updated_at=float(n),
                      ended_at=float(n), score=score)


def counts(**scores: float) -> PrincipleCounts:
    return {p: (1, 1, s) for p, s in scores.items()}


def test_new_trainee_starts_at_difficulty_one() -> None:
    rec = recommend(build_progress("t", [], str), SCENARIOS, str, 75)
    assert rec is not None and rec.difficulty == 1 and rec.principle is None


def test_recommendation_targets_the_weakest_principle_one_level_up_after_a_win() -> None:
    history = [(row(1, "logistics_delay_angry", "resolved", 90), counts(empathy=100, anchoring=20, privacy=90)),
               (row(2, "wrong_item_hoodie", "resolved", 92), counts(empathy=80, anchoring=40, privacy=100))]
    prog = build_progress("t", history, str)
    assert prog.principles[0].principle == "anchoring" and prog.principles[0].mean == 30
    rec = recommend(prog, SCENARIOS, str, 75)
    assert rec is not None and rec.principle == "anchoring"
    assert "anchoring" in LIB.get(rec.scenario_id).focus
    assert rec.target_difficulty == 3  # last session: difficulty 2, resolved with 92


def test_a_loss_lowers_the_difficulty_and_untrained_principles_are_skipped() -> None:
    history = [(row(1, "bad_review_threat", "escalated", 55), counts(clarity=0, privacy=10, empathy=60))]
    prog = build_progress("t", history, str)
    trained = {p for s in SCENARIOS for p in s.focus}
    weakest_trained = next(t.principle for t in prog.principles if t.principle in trained)
    rec = recommend(prog, SCENARIOS, str, 75)
    assert rec is not None and rec.target_difficulty == 2
    assert rec.principle == weakest_trained and weakest_trained in LIB.get(rec.scenario_id).focus


def test_progress_tracks_each_principle_over_time() -> None:
    history = [(row(i, "bargaining_jacket", "resolved", 70 + i), counts(anchoring=20.0 * i)) for i in range(1, 4)]
    (trend,) = build_progress("t", history, str).principles
    assert trend.history == [20, 40, 60] and trend.trend == 40 and trend.sessions == 3


def play(services: Services, scenario_id: str, kind: str, trainee: str, seed: str = "1") -> str:
    start = rp.start_session(services, scenario_id, trainee=trainee, seed=seed)
    for text in rp.read_script(script(scenario_id, kind)):
        if rp.take_turn(services, start.session_id, text).ended:
            break
    return start.session_id


def test_debrief_compares_with_earlier_sessions(rp_services: Services) -> None:
    first = play(rp_services, "logistics_delay_angry", "bad", "li")
    second = play(rp_services, "logistics_delay_angry", "good", "li")
    d1, d2 = rp.debrief(rp_services, first), rp.debrief(rp_services, second)
    assert d1.status == "escalated" and d1.comparison.previous_sessions == 0
    assert d2.status == "resolved" and d2.passed
    assert d2.comparison.previous_sessions == 1 and d2.comparison.score_delta is not None
    assert d2.comparison.score_delta > 0 and d2.comparison.same_scenario_sessions == 1
    empathy = next(p for p in d2.principles if p.principle == "empathy")
    assert empathy.name == "共情安抚" and empathy.previous == 0 and empathy.delta == 100
    assert len(d2.mood_curve) == d2.turns + 1 and d2.mood_curve[-1] > d2.mood_curve[0]
    assert len(d2.think_ms) == len(d2.process_ms) == d2.turns
    # the bad session's worst turn comes with the critic's suggested rewrite; the facts it never asked for are listed
    assert d1.worst is not None and d1.worst.violations and d1.worst.rewrite
    assert d1.facts_missed and not d1.facts_found


def test_debrief_lists_the_wrong_promises_the_customer_caught(rp_services: Services) -> None:
    d = rp.debrief(rp_services, play(rp_services, "urging_payment_heater", "bad", "mo"))
    assert d.caught and "4台" in d.caught[0]


def test_recommendation_follows_a_trainees_real_sessions(rp_services: Services) -> None:
    play(rp_services, "bargaining_jacket", "bad", "wang")
    prog = rp.progress(rp_services, "wang")
    rec = rp.recommend(rp_services, "wang")
    assert rec is not None and len(prog.sessions) == 1
    assert rec.principle is not None and prog.principles[0].mean <= 50
    assert rec.principle in LIB.get(rec.scenario_id).focus
    assert rec.target_difficulty == 1  # escalated at difficulty 2: one step down


def test_progress_of_an_unknown_trainee_is_empty(rp_services: Services) -> None:
    prog = rp.progress(rp_services, "nobody")
    assert prog.sessions == [] and prog.principles == [] and prog.mean_score is None
