"""The scenario state machine and the scripted customer, driven by hand-made critic verdicts (no KB needed)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from coach.critic.rubric import CANONICAL
from coach.models import Critique, Finding, Turn
from coach.roleplay.customer import CustomerView, ScriptedCustomer
from coach.roleplay.engine import Effects, SessionState, advance, initial_state
from coach.roleplay.library import load_scenario
from coach.roleplay.meter import CommonLines, MeterConfig, load_common_lines, load_meter
from coach.roleplay.scenario import Scenario
from coach.settings import REPO_ROOT

from .conftest import SCENARIO_DIR

METER = load_meter(REPO_ROOT / "prompts" / "roleplay" / "meter.yaml")
COMMON = load_common_lines(REPO_ROOT / "prompts" / "roleplay" / "lines.yaml")
SCENARIO = load_scenario(SCENARIO_DIR / "logistics_delay_angry.yaml")


def crit(applied: Sequence[str] = (), violated: Sequence[str] = ()) -> Critique:
    findings = [Finding(principle=p, verdict="applied") for p in applied]
    findings += [Finding(principle=p, verdict="violated", evidence="x") for p in violated]
    return Critique(score=100 - 12 * len(violated), findings=findings, violations=list(violated))


GOOD = crit(applied=["empathy", "solution_timeline", "no_blame_shifting"])
BLAND = crit()
BAD = crit(violated=["empathy", "no_blame_shifting", "solution_timeline"])


def run(scenario: Scenario, turns: Sequence[tuple[str, Critique]],
        meter: MeterConfig = METER) -> tuple[SessionState, list[Effects]]:
    state, effects = initial_state(scenario, meter), list[Effects]()
    for text, c in turns:
        state, e = advance(scenario, meter, state, text, c)
        effects.append(e)
        if state.ended:
            break
    return state, effects


def with_end(**changes: object) -> Scenario:
    return SCENARIO.model_copy(update={"end": SCENARIO.end.model_copy(update=changes)})


def test_good_turns_with_an_offer_resolve_and_raise_mood() -> None:
    state, _ = run(SCENARIO, [("非常抱歉，我马上为您补发", GOOD), ("理解您着急，今天发出", GOOD)])
    assert state.status == "resolved" and state.cause == "goal"
    assert state.mood > METER.initial_mood["angry"] and state.offer_made


def test_without_the_offer_the_customer_is_not_resolved() -> None:
    state, _ = run(SCENARIO, [(f"非常抱歉让您久等了（{i}）", GOOD) for i in range(3)])
    assert state.status == "active" and state.mood >= SCENARIO.end.resolve_mood and not state.offer_made


def test_bad_turn_escalates_an_angry_customer() -> None:
    state, _ = run(SCENARIO, [("这是快递的问题", BAD)])
    assert state.status == "escalated" and state.cause == "mood" and state.mood == 0


def test_violating_a_red_line_principle_escalates_whatever_the_mood() -> None:
    sc = with_end(escalate_on=["privacy"])
    state, _ = run(sc, [("抱歉，马上补发", GOOD), ("把验证码发我", crit(applied=["empathy"], violated=["privacy"]))])
    assert state.status == "escalated" and state.cause == "violated:privacy"


def test_a_trap_reacts_and_an_escalating_trap_ends_the_session() -> None:
    sc = load_scenario(SCENARIO_DIR / "impersonation_scam.yaml")
    state, effects = run(sc, [("您把验证码发我就行", BLAND)])
    assert effects[0].traps == ["ask_for_code"]
    assert state.status == "escalated" and state.cause == "trap:ask_for_code"


def test_unhelpful_turns_use_up_patience() -> None:
    n = METER.patience_turns[SCENARIO.persona.patience]
    state, _ = run(SCENARIO.model_copy(update={"end": SCENARIO.end.model_copy(update={"escalate_mood": 0})}),
                         [(f"好的{i}", BLAND) for i in range(10)])
    assert state.status == "gave_up" and state.turn == n and state.patience_left == 0


def test_turn_limit() -> None:
    sc = with_end(max_turns=3, resolve_trust=100)  # trust never reaches 100 here: keeps going until the limit
    state, _ = run(sc, [(f"非常抱歉，马上处理{i}", crit(applied=["empathy"])) for i in range(5)])
    assert state.status == "turn_limit" and state.turn == 3


def test_hidden_fact_only_on_the_right_question_and_only_once() -> None:
    state, effects = run(SCENARIO, [("抱歉让您久等了", BLAND), ("请问您是不是急着穿？", BLAND),
                                    ("请问您哪天要穿？", BLAND)])
    assert [e.revealed for e in effects] == [[], ["need_by"], []]
    assert state.revealed == ["need_by"]


def test_repeating_a_reply_earns_nothing_and_costs_mood() -> None:
    text = "非常抱歉让您久等了，我马上处理"
    _, effects = run(SCENARIO.model_copy(update={"end": SCENARIO.end.model_copy(update={"resolve_mood": 100})}),
                     [(text, crit(applied=["empathy"])), (text + "！", crit(applied=["empathy"]))])
    first, second = effects
    assert first.mood_after > first.mood_before
    assert second.repeated and second.mood_after < second.mood_before


def test_rights_awareness_scales_policy_penalties() -> None:
    wrong = crit(violated=["policy_accuracy"])
    low = SCENARIO.model_copy(update={"persona": SCENARIO.persona.model_copy(update={"rights_awareness": 1})})
    high = SCENARIO.model_copy(update={"persona": SCENARIO.persona.model_copy(update={"rights_awareness": 5})})
    (_, (lo,)), (_, (hi,)) = run(low, [("随便说", wrong)]), run(high, [("随便说", wrong)])
    assert hi.trust_after < lo.trust_after


def test_meter_weights_come_from_the_data_file() -> None:
    assert set(METER.verdicts) == set(CANONICAL)
    assert METER.verdicts["no_blame_shifting"].violated.trust < 0 < METER.verdicts["solution_timeline"].applied.mood


# ------------------------------------------------------------------ scripted customer


def dialogue(seed: str, scenario: Scenario = SCENARIO, common: CommonLines = COMMON) -> list[str]:
    customer = ScriptedCustomer(common)
    state = initial_state(scenario, METER)
    transcript: list[Turn] = []
    opening = customer.opening(CustomerView(scenario, METER, state, transcript, None, seed))
    transcript.append(Turn(role="customer", text=opening))
    for text in ["嗯", "是不是急着用？", "好的", "您稍等"]:
        state, effects = advance(scenario, METER, state, text, BLAND)
        transcript.append(Turn(role="agent", text=text))
        reply = customer.reply(CustomerView(scenario, METER, state, transcript, effects, seed))
        transcript.append(Turn(role="customer", text=reply))
        if state.ended:
            break
    return [t.text for t in transcript if t.role == "customer"]


def test_scripted_customer_is_deterministic_under_a_seed() -> None:
    assert dialogue("42") == dialogue("42")
    assert len({tuple(dialogue(str(s))) for s in range(12)}) > 1  # the seed really picks different variants


def test_scripted_customer_avoids_repeating_itself() -> None:
    sc = with_end(max_turns=20, escalate_mood=0)
    sc = sc.model_copy(update={"persona": sc.persona.model_copy(update={"patience": 5})})
    lines = dialogue("7", sc)
    assert len(lines) == len(set(lines)), lines


def test_revealed_fact_is_spoken_and_brief_hides_unrevealed_facts() -> None:
    lines = dialogue("3")
    assert any(v in lines[2] for v in SCENARIO.fact("need_by").lines)  # the answer to the second turn
    assert not any(v in line for line in lines[:2] for v in SCENARIO.fact("need_by").lines)
    state = initial_state(SCENARIO, METER)
    brief = CustomerView(SCENARIO, METER, state, [], None, "1").brief()
    assert brief["revealed_facts"] == [] and "哈尔滨" not in str(brief)


@pytest.mark.parametrize("band", ["angry", "upset", "neutral", "pleased"])
def test_follow_up_lines_follow_the_mood_band(band: str) -> None:
    mood = {"angry": 5, "upset": 30, "neutral": 60, "pleased": 90}[band]
    state = initial_state(SCENARIO, METER).model_copy(update={"mood": mood, "turn": 1})
    e = advance(SCENARIO, METER, initial_state(SCENARIO, METER), "嗯", BLAND)[1]
    e = e.model_copy(update={"outcome": None, "reaction": None, "revealed": [], "traps": []})
    reply = ScriptedCustomer(COMMON).reply(CustomerView(SCENARIO, METER, state, [], e, "1"))
    assert reply in SCENARIO.lines.follow_up[band]  # type: ignore[index]
