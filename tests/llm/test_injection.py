"""Canary tests: instructions hidden in customer messages, earlier turns or drafts never change a score in rules
mode, and in LLM mode never make the coach return its system prompt (an 'evil' model echoes everything it gets).

Probes: tests/llm/injection_probes.jsonl (69: Chinese and English, plain and encoded — base64, URL, ROT13,
zero-width, full-width, \\u escapes, HTML entities, pinyin, leetspeak, spaced, reversed, fake JSON, template syntax,
fake delimiters and chat-template tokens) and, when present, the eval harness's eval/injection/probes.jsonl.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.critic.engine import Critic
from coach.llm import LLMError, LLMLeakError, llm_customer_reply, llm_draft
from coach.llm.fake_server import FakeOpenAI, Reply, all_text, echo_responder
from coach.models import Case, Critique, Turn
from coach.services import Services
from coach.settings import REPO_ROOT, Settings

from .conftest import CANARY, critique_json, finding

PROBES = [json.loads(line) for line in (Path(__file__).with_name("injection_probes.jsonl")
                                        .read_text(encoding="utf-8").splitlines()) if line.strip()]
EVAL_PROBES_FILE = REPO_ROOT / "eval" / "injection" / "probes.jsonl"
BASES = [
    Case(customer="快递五天了还没到！怎么回事", draft="这是快递的问题，您自己联系快递吧。"),
    Case(customer="太贵了，能便宜点吗", draft="不能便宜。"),
    Case(customer="衣服穿了一次不喜欢，还能退吗？", draft="亲，签收30天内都可以无理由退货哦。"),
    Case(customer="你们家发什么快递？", draft="亲，您好！我们默认发中通快递，付款后48小时内发货，还有其他问题随时找我哦～"),
]
# Probes that, appended to a draft, make the rules critic lose a violation (reported to the critic's owner; strict
# xfail so the test turns red the day they are fixed and this list must shrink).
KNOWN_DRAFT_GAPS: set[tuple[str, int]] = set()


def test_there_are_at_least_50_probes_in_both_languages_and_encoded() -> None:
    assert len(PROBES) >= 50 and len({p["id"] for p in PROBES}) == len(PROBES)
    assert {p["lang"] for p in PROBES} == {"zh", "en"}
    assert len({p["variant"] for p in PROBES} - {"plain"}) >= 8


@pytest.fixture(scope="module")
def critic(demo_kb_factory: Any) -> Critic:
    from datetime import date

    return Critic.load(kb=demo_kb_factory("hash"), as_of=date(2026, 11, 23))


def _key(c: Critique) -> tuple[int, list[str]]:
    return c.score, c.violations


def _not_better(base: Critique, probed: Critique) -> bool:
    return probed.score <= base.score and set(base.violations) <= set(probed.violations)


@pytest.mark.parametrize("probe", PROBES, ids=[p["id"] for p in PROBES])
def test_rules_mode_injection_in_customer_message_or_context_changes_nothing(critic: Critic,
                                                                             probe: dict[str, Any]) -> None:
    for base in BASES:
        before = critic.critique(base)
        in_message = critic.critique(base.model_copy(update={"customer": f"{base.customer} {probe['text']}"}))
        in_context = critic.critique(base.model_copy(update={"context": [Turn(role="customer", text=probe["text"])]}))
        for after in (in_message, in_context):
            if probe.get("affects"):  # real customer emotion in the probe: only the attacker's goal is checked
                assert _not_better(before, after), (probe["id"], base.draft)
            else:
                assert _key(after) == _key(before), (probe["id"], base.draft)


def _draft_cases() -> Iterator[Any]:
    for probe in PROBES:
        for i in range(len(BASES)):
            marks = [pytest.mark.xfail(strict=True, reason="critic gap, reported")] if (probe["id"], i) in \
                KNOWN_DRAFT_GAPS else []
            yield pytest.param(probe, i, id=f"{probe['id']}-base{i}", marks=marks)


@pytest.mark.parametrize(("probe", "base_index"), list(_draft_cases()))
def test_rules_mode_injection_in_the_draft_never_raises_the_score(critic: Critic, probe: dict[str, Any],
                                                                  base_index: int) -> None:
    base = BASES[base_index]
    before = critic.critique(base)
    after = critic.critique(base.model_copy(update={"draft": base.draft + probe["text"]}))
    assert _not_better(before, after), (after.score, before.score, set(before.violations) - set(after.violations))


@pytest.mark.skipif(not EVAL_PROBES_FILE.exists(), reason="eval/injection/probes.jsonl not written yet")
def test_rules_mode_eval_harness_probes_never_raise_the_score(critic: Critic) -> None:
    rows = [json.loads(x) for x in EVAL_PROBES_FILE.read_text(encoding="utf-8").splitlines() if x.strip()]
    placed = {"draft_append": lambda c, t: {"draft": c.draft + t}, "draft_prepend": lambda c, t: {"draft": t + c.draft},
              "customer_append": lambda c, t: {"customer": c.customer + t},
              "context": lambda c, t: {"context": [Turn(role="customer", text=t)]}}
    checked = 0
    for row in rows:
        if row.get("where") not in placed or "payload" not in row:
            continue
        base = Case(customer=row["customer"], draft=row["draft"])
        after = critic.critique(base.model_copy(update=placed[row["where"]](base, row["payload"])))
        assert _not_better(critic.critique(base), after), row["id"]
        checked += 1
    assert checked >= 50


# ------------------------------------------------------------------------------------------------------ LLM mode


@pytest.fixture
def services(llm_settings: Settings, demo_kb_factory: Any) -> Iterator[Services]:
    s = Services(llm_settings)
    s.__dict__["kb"] = demo_kb_factory("hash")
    assert s.llm is not None
    s.llm.options.canary = CANARY
    yield s
    s.llm.close()


def _instruction_windows(system: str, services: Services, size: int = 30) -> set[str]:
    """Windows of the system message with the rubric's own text removed (a critique may quote the rubric)."""
    for p in services.critic.rubric.principles.values():
        for value in p.values():
            if isinstance(value, str) and len(value) > 8:
                system = system.replace(value, "\n")
    flat = re.sub(r"\s+", "", system)
    return {flat[i:i + size] for i in range(len(flat) - size + 1)}


def _leaks(text: str, windows: set[str], size: int = 30) -> bool:
    flat = re.sub(r"\s+", "", text)
    return CANARY in text or any(flat[i:i + size] in windows for i in range(len(flat) - size + 1))


def _returned_text(c: Critique) -> str:
    return json.dumps(c.public(), ensure_ascii=False)


@pytest.mark.parametrize("where", ["customer", "draft"])
def test_an_echoing_model_never_makes_the_coach_return_its_system_prompt(
        services: Services, fake: FakeOpenAI, where: str) -> None:
    fake.default = echo_responder
    for probe in PROBES:
        base = BASES[0]
        case = base.model_copy(update={where: getattr(base, where) + probe["text"]})
        crit = services.critique(case)
        system = fake.requests[-1]["messages"][0]["content"]
        assert CANARY in system  # the canary really was planted
        assert not _leaks(_returned_text(crit), _instruction_windows(system, services)), probe["id"]
        assert crit.mode == "rules" and any("泄露" in n for n in crit.notices), (probe["id"], crit.notices)


def test_a_model_leaking_inside_valid_json_is_caught(services: Services, fake: FakeOpenAI) -> None:
    def evil(body: dict[str, Any]) -> Reply:
        system = body["messages"][0]["content"]
        return Reply(content=critique_json([finding("empathy", "violated", "您自己联系快递吧", explanation=system,
                                                    suggestion=system[:200])], rewrite=system[-300:]))

    fake.default = evil
    for probe in PROBES[:10]:
        crit = services.critique(BASES[0].model_copy(update={"customer": probe["text"]}))
        system = fake.requests[-1]["messages"][0]["content"]
        assert not _leaks(_returned_text(crit), _instruction_windows(system, services)), probe["id"]
        assert crit.mode == "rules"


def test_a_model_obeying_the_injection_cannot_raise_the_score(services: Services, fake: FakeOpenAI) -> None:
    obey = critique_json([finding(p, "applied", explanation="已通过审核") for p in services.critic.rubric.principles])
    fake.default = Reply(content=obey)
    for i, probe in enumerate(PROBES):
        base = BASES[i % len(BASES)]
        for case in (base.model_copy(update={"draft": base.draft + probe["text"]}),
                     base.model_copy(update={"customer": base.customer + probe["text"]})):
            rules = services.critic.critique(case)
            crit = services.critique(case)
            assert crit.mode == "llm" and crit.score <= rules.score, probe["id"]
            assert set(rules.violations) <= set(crit.violations), probe["id"]


def test_roleplay_and_drafting_never_return_an_echo(services: Services, fake: FakeOpenAI) -> None:
    assert services.llm is not None
    fake.default = echo_responder
    for probe in PROBES[:20]:
        with pytest.raises(LLMLeakError):
            llm_customer_reply(services.llm, persona="爱砍价的老顾客", goal="要到优惠", mood="平静",
                               history=[], trainee=probe["text"])
        with pytest.raises(LLMError):
            llm_draft(services.llm, services.critic, Case(customer=probe["text"]), [])


def test_a_streamed_echo_stops_before_the_system_prompt_is_out(services: Services, fake: FakeOpenAI) -> None:
    assert services.llm is not None
    fake.default = lambda body: Reply(content=all_text(body), chunk_chars=6)
    inputs = {"persona": "p", "goal": "g", "mood": "m", "mood_instruction": "", "known_facts": [], "hidden_facts": [],
              "passages": [], "history": [], "trainee": PROBES[1]["text"]}
    got: list[str] = []
    with pytest.raises(LLMLeakError):
        for chunk in services.llm.stream("customer", inputs):
            got.append(chunk)
    system = fake.requests[-1]["messages"][0]["content"]
    assert not _leaks("".join(got), _instruction_windows(system, services))
