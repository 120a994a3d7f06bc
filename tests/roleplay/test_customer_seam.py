"""The Customer seam the LLM customer plugs into: same meter, same state; a failing customer never stalls a turn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest

from coach.errors import CoachError
from coach.roleplay import customer as customer_mod
from coach.roleplay import service as rp
from coach.roleplay.customer import CustomerDeps, CustomerView, register_customer
from coach.services import Services

from .conftest import script


class EchoCustomer:
    """Stands in for an LLM customer: speaks from view.brief() only."""

    mode = "echo"
    seen: ClassVar[list[dict[str, object]]] = []

    def __init__(self, deps: CustomerDeps) -> None:
        self.deps = deps

    def opening(self, view: CustomerView) -> str:
        return f"[{view.brief()['band_label']}] 开场"

    def reply(self, view: CustomerView) -> str:
        brief = view.brief()
        EchoCustomer.seen.append(brief)
        facts = "；".join(map(str, brief["reveal_now"]))
        return f"[{brief['band_label']}|{brief['mood']}|{brief['outcome']}] {facts}你们到底什么时候能处理好？我很着急！"


class BrokenCustomer(EchoCustomer):
    mode = "broken"

    def reply(self, view: CustomerView) -> str:
        raise CoachError("endpoint timed out")


@pytest.fixture
def modes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(customer_mod, "_FACTORIES", dict(customer_mod._FACTORIES))
    register_customer("echo", EchoCustomer)
    register_customer("broken", BrokenCustomer)
    EchoCustomer.seen.clear()
    yield


def test_another_customer_speaks_but_the_engine_decides(rp_services: Services, modes: None) -> None:
    start = rp.start_session(rp_services, "logistics_delay_angry", trainee="x", seed="1", mode="echo")
    assert start.customer_mode == "echo" and start.opening == "[愤怒] 开场"
    results = [rp.take_turn(rp_services, start.session_id, t)
               for t in rp.read_script(script("logistics_delay_angry", "good"))]
    # the customer is told the engine's mood and outcome: the same meter and end conditions as the scripted one
    for r in results:
        assert r.customer.startswith(f"[{r.meter.band_label}|{r.mood_after}|{r.status if r.ended else None}]")
    assert results[-1].status == "resolved"
    assert "哈尔滨" in results[0].customer  # the hidden fact released this turn is handed to the customer ...
    # ... and a fact nobody asked about is never in what the customer is told
    assert all("中通客服" not in str(b) for b in EchoCustomer.seen)


def test_a_failing_customer_falls_back_to_the_scripted_one(rp_services: Services, modes: None) -> None:
    start = rp.start_session(rp_services, "logistics_delay_angry", trainee="y", seed="1", mode="broken")
    r = rp.take_turn(rp_services, start.session_id, "非常抱歉让您久等了，我马上为您补发")
    assert r.customer and not r.customer.startswith("[")
    assert any("暂不可用" in n for n in r.notices)


def test_unknown_mode_is_a_clear_error(rp_services: Services) -> None:
    with pytest.raises(CoachError, match="unknown customer mode"):
        rp.start_session(rp_services, "logistics_delay_angry", trainee="z", mode="telepathy")
