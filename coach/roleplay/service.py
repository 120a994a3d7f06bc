"""Roleplay as plain functions over the service container — what the CLI, the web tab and the REST API call:

    start_session(services, "logistics_delay_angry", trainee="li.na", seed="7")  -> SessionStart
    take_turn(services, session_id, "亲，非常抱歉让您久等了……")                     -> TurnResult
    end_session(services, session_id) / debrief(services, session_id)              -> Debrief
    get_session(services, session_id)                                              -> SessionView (resume)
    progress(services, "li.na") / recommend(services, "li.na")
    export_session(services, session_id, "md" | "csv")                             -> str (PII masked)

Each trainee turn: critique it (services.critique — the same critic as everywhere), advance the scenario's state
machine, let the customer (scripted or LLM) speak, and commit turn + state in one SQLite transaction.
"""

from __future__ import annotations

import secrets
import threading
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from coach.critic.rubric import Rubric
from coach.errors import CoachError, InputError
from coach.models import Case, Finding, Order, Turn
from coach.roleplay.customer import (
    CustomerDeps,
    CustomerView,
    ScriptedCustomer,
    choose_customer,
    customer_modes,
    make_customer,
)
from coach.roleplay.debrief import Debrief, PrincipleCounts, build_debrief, principle_counts, session_score
from coach.roleplay.engine import OUTCOME_LABELS, Change, SessionState, advance, initial_state
from coach.roleplay.export import to_csv, to_markdown
from coach.roleplay.library import ScenarioLibrary, load_library
from coach.roleplay.meter import CommonLines, MeterConfig, load_common_lines, load_meter
from coach.roleplay.progress import Progress, Recommendation, build_progress
from coach.roleplay.progress import recommend as pick_next
from coach.roleplay.scenario import Scenario
from coach.roleplay.store import SessionRow, Store, TurnRow

if TYPE_CHECKING:
    from coach.services import Services

MAX_TURN_CHARS = 2000
MAX_TRAINEE_ID = 64
DB_NAME = "roleplay.sqlite3"


class MeterView(BaseModel):
    mood: int
    trust: int
    band: str
    band_label: str
    patience_left: int
    turns_left: int


class SessionStart(BaseModel):
    session_id: str
    trainee: str
    scenario: dict[str, Any]
    briefing: str
    order: dict[str, Any]
    seed: str
    customer_mode: str
    opening: str
    meter: MeterView
    notices: list[str] = Field(default_factory=list)


class RevealedFact(BaseModel):
    id: str
    fact: str


class Caught(BaseModel):
    id: str
    note: str


class TurnResult(BaseModel):
    session_id: str
    turn: int
    trainee: str
    customer: str
    score: int
    violations: list[str]
    findings: list[Finding]          # applied and violated (with quoted spans and suggestions)
    rewrite: str | None = None
    mood_before: int
    mood_after: int
    trust_before: int
    trust_after: int
    changes: list[Change]
    revealed: list[RevealedFact]
    caught: list[Caught]             # wrong promises this customer recognised (scenario traps)
    offer: bool
    meter: MeterView
    status: str
    outcome_label: str
    ended: bool
    process_ms: float
    notices: list[str] = Field(default_factory=list)


class SessionView(BaseModel):
    session_id: str
    trainee: str
    scenario: dict[str, Any]
    briefing: str
    order: dict[str, Any]
    seed: str
    customer_mode: str
    status: str
    outcome_label: str
    transcript: list[Turn]
    meter: MeterView
    last_customer: str


class RoleplayService:
    """Scenario library, meter, lines and store of one Services (one COACH_DATA_DIR)."""

    def __init__(self, services: Services, store_path: Path | None = None) -> None:
        """`store_path`: another database than the data dir's (the eval harness plays its scripts aside, so that
        they never show up in a trainee's progress)."""
        self.services = services
        s = services.settings
        self.rubric = _rubric(s.prompts_dir / "rubric.yaml")
        self.principles = set(self.rubric.principles)
        self.meter: MeterConfig = load_meter(s.prompts_dir / "roleplay" / "meter.yaml", self.principles)
        self.common: CommonLines = load_common_lines(s.prompts_dir / "roleplay" / "lines.yaml", self.principles)
        self.scenario_dirs = [s.prompts_dir / "scenarios", s.data_dir / "scenarios"]
        self.store = Store(store_path or s.data_dir / DB_NAME)
        self.pass_score = float(self.rubric.scoring.get("pass_score", 75))

    # ------------------------------------------------------------------ library

    def library(self) -> ScenarioLibrary:
        """Reloaded when a scenario file is added, changed or removed: trainers add scenarios without a restart."""
        return load_library(self.scenario_dirs, self.principles)

    def name(self, principle: str) -> str:
        return self.rubric.name(principle)

    # ------------------------------------------------------------------ session life cycle

    def start(self, scenario_id: str, trainee: str, seed: str | None = None, mode: str | None = None) -> SessionStart:
        trainee = _trainee_id(trainee)
        scenario = with_common_traps(self.library().get(scenario_id), self.common)
        settings = self.services.settings
        llm_ready = settings.llm_enabled and self.services.llm is not None
        mode, chosen = choose_customer(mode, settings.roleplay_customer, llm_ready)
        if mode not in customer_modes():
            raise InputError(f"unknown customer mode {mode!r}; available: {', '.join(customer_modes())}")
        seed = str(seed) if seed is not None and str(seed).strip() else secrets.token_hex(4)
        state = initial_state(scenario, self.meter)
        view = CustomerView(scenario, self.meter, state, [], None, seed)
        opening, notices = self._speak(mode, view)
        notices = chosen + notices
        state.last_customer = opening
        now = time.time()
        row = SessionRow(id=secrets.token_hex(8), trainee_id=trainee, scenario_id=scenario.id,
                         scenario_title=scenario.title, difficulty=scenario.difficulty,
                         scenario_json=scenario.model_dump_json(), seed=seed, customer_mode=mode, status="active",
                         opening=opening, state_json=state.model_dump_json(), started_at=now, updated_at=now)
        self.store.create_session(row)
        notices += self._grounding_notices(scenario)
        return SessionStart(session_id=row.id, trainee=trainee, scenario=scenario.summary(), briefing=scenario.briefing,
                            order=scenario.order.model_dump(), seed=seed, customer_mode=mode, opening=opening,
                            meter=self._meter(scenario, state), notices=notices)

    def take_turn(self, session_id: str, text: str) -> TurnResult:
        t0 = time.perf_counter()
        text = _turn_text(text)
        row = self.store.session(session_id)
        if row.status != "active":
            raise InputError(f"这个会话已经结束（{OUTCOME_LABELS.get(row.status, row.status)}）/ the session has ended")
        scenario = self._scenario(row)
        state = SessionState.model_validate_json(row.state_json)
        turns = self.store.turns(session_id)
        transcript = _transcript(row, turns)
        case = Case(id=f"{session_id}#{state.turn + 1}", scene=scenario.scene, customer=state.last_customer,
                    context=transcript[:-1], order=Order(**scenario.order.model_dump()), draft=text)
        critique = self.services.critique(case)
        new, effects = advance(scenario, self.meter, state, text, critique)
        view = CustomerView(scenario, self.meter, new, [*transcript, Turn(role="agent", text=text)], effects, row.seed)
        reply, notices = self._speak(row.customer_mode, view)
        new.last_customer = reply
        notices = critique.notices + notices
        process_ms = (time.perf_counter() - t0) * 1000
        crit_json = critique.model_dump_json(exclude_none=True)
        turn = TurnRow(session_id=session_id, idx=new.turn, trainee=text, customer=reply, critique_json=crit_json,
                       effects_json=effects.model_dump_json(), score=critique.score, mood_before=state.mood,
                       mood_after=new.mood, trust_before=state.trust, trust_after=new.trust,
                       think_ms=max(0.0, (time.time() - row.updated_at) * 1000 - process_ms),
                       process_ms=process_ms, created_at=time.time())
        scores, score = None, None
        if new.ended:
            scores = principle_counts([t.critique() for t in [*turns, turn]])
            score = session_score([*turns, turn])
        self.store.commit_turn(turn, new.model_dump_json(), new.status, scores, score)
        return TurnResult(
            session_id=session_id, turn=new.turn, trainee=text, customer=reply, score=critique.score,
            violations=critique.violations, findings=[f for f in critique.findings if f.verdict != "not_applicable"],
            rewrite=critique.rewrite if critique.violations else None, mood_before=state.mood, mood_after=new.mood,
            trust_before=state.trust, trust_after=new.trust, changes=effects.changes,
            revealed=[RevealedFact(id=f, fact=scenario.fact(f).fact) for f in effects.revealed],
            caught=[Caught(id=t, note=scenario.trap(t).note) for t in effects.traps], offer=effects.offer,
            meter=self._meter(scenario, new), status=new.status, outcome_label=OUTCOME_LABELS[new.status],
            ended=new.ended, process_ms=round(process_ms, 1), notices=notices)

    def end(self, session_id: str) -> Debrief:
        """End a session (the trainee stops early: 'abandoned'); an ended one is left as it is."""
        row = self.store.session(session_id)
        if row.status == "active":
            state = SessionState.model_validate_json(row.state_json)
            state.status, state.cause = "abandoned", "ended_by_trainee"
            turns = self.store.turns(session_id)
            self.store.finish(session_id, state.model_dump_json(), "abandoned",
                              principle_counts([t.critique() for t in turns]), session_score(turns))
        return self.debrief(session_id)

    def debrief(self, session_id: str) -> Debrief:
        row = self.store.session(session_id)
        if row.status == "active":
            raise InputError("会话还在进行中：先结束会话再看复盘（复盘会公开顾客隐藏的信息）。/ end the session first")
        scenario = self._scenario(row)
        state = SessionState.model_validate_json(row.state_json)
        previous = [(r, c) for r, c in self._history(row.trainee_id) if r.started_at < row.started_at]
        return build_debrief(row, self.store.turns(session_id), scenario, state, initial_state(scenario, self.meter),
                             previous, self.name, self.pass_score)

    def view(self, session_id: str) -> SessionView:
        row = self.store.session(session_id)
        scenario = self._scenario(row)
        state = SessionState.model_validate_json(row.state_json)
        return SessionView(session_id=row.id, trainee=row.trainee_id, scenario=scenario.summary(),
                           briefing=scenario.briefing, order=scenario.order.model_dump(), seed=row.seed,
                           customer_mode=row.customer_mode, status=row.status,
                           outcome_label=OUTCOME_LABELS.get(row.status, row.status),
                           transcript=_transcript(row, self.store.turns(session_id)),
                           meter=self._meter(scenario, state), last_customer=state.last_customer)

    # ------------------------------------------------------------------ progress

    def _history(self, trainee: str) -> list[tuple[SessionRow, PrincipleCounts]]:
        rows = [r for r in self.store.sessions(trainee_id=trainee) if r.status != "active"]
        scores = self.store.scores([r.id for r in rows])
        return [(r, scores.get(r.id, {})) for r in rows]

    def progress(self, trainee: str) -> Progress:
        trainee = _trainee_id(trainee)
        return build_progress(trainee, self._history(trainee), self.name)

    def recommend(self, trainee: str) -> Recommendation | None:
        return pick_next(self.progress(trainee), self.library().ordered(), self.name, self.pass_score)

    def export(self, session_id: str, fmt: str = "md") -> str:
        row = self.store.session(session_id)
        turns = self.store.turns(session_id)
        if fmt in ("md", "markdown"):
            return to_markdown(row, turns)
        if fmt == "csv":
            return to_csv(row, turns)
        raise InputError(f"unknown export format {fmt!r}: use md or csv")

    # ------------------------------------------------------------------ helpers

    def _speak(self, mode: str, view: CustomerView) -> tuple[str, list[str]]:
        """The customer's line; an LLM customer that fails is replaced by the scripted one for this turn."""
        deps = CustomerDeps(self.common, self.services)
        try:
            customer = make_customer(mode, deps)
            text = customer.opening(view) if view.effects is None else customer.reply(view)
            if not text.strip():
                raise InputError("the customer produced an empty line")
            return text, []
        except CoachError as exc:
            if mode == "scripted":
                raise
            scripted = ScriptedCustomer(self.common)
            text = scripted.opening(view) if view.effects is None else scripted.reply(view)
            return text, [f"模拟顾客（{mode}）暂不可用，本轮改用脚本顾客：{exc}"]

    def _scenario(self, row: SessionRow) -> Scenario:
        """The scenario as stored with the session (validated against this rubric's principle ids)."""
        return Scenario.model_validate_json(row.scenario_json, context={"principles": self.principles})

    def _meter(self, scenario: Scenario, state: SessionState) -> MeterView:
        band = self.meter.band(state.mood)
        return MeterView(mood=state.mood, trust=state.trust, band=band.id, band_label=band.label,
                         patience_left=state.patience_left, turns_left=max(0, scenario.end.max_turns - state.turn))

    def _grounding_notices(self, scenario: Scenario) -> list[str]:
        kb = self.services.kb
        if kb.is_empty():
            return ["知识库为空：学员回复中的政策和商品说法无法核对（先运行 coach kb index）。"]
        if kb.get(f"product:{scenario.order.product_id}#main") is None:
            return [f"知识库里没有商品 {scenario.order.product_id}：关于它的说法无法核对。"]
        return []


def with_common_traps(scenario: Scenario, common: CommonLines) -> Scenario:
    """The scenario as played: its own traps plus the shop-wide ones (its own win on an id clash). Stored with the
    session, so a resumed session plays by exactly the rules it started with."""
    own = {t.id for t in scenario.traps}
    return scenario.model_copy(update={"traps": [*scenario.traps, *(t for t in common.traps if t.id not in own)]})


_RUBRICS: dict[tuple[str, int], Rubric] = {}
_RUBRICS_LOCK = threading.Lock()


def _rubric(path: Path) -> Rubric:
    """The rubric file, parsed once per version (it is large; every Services would otherwise re-read it)."""
    key = (str(path), path.stat().st_mtime_ns if path.exists() else 0)
    with _RUBRICS_LOCK:
        if key not in _RUBRICS:
            _RUBRICS[key] = Rubric.load(path)
        return _RUBRICS[key]


def _transcript(row: SessionRow, turns: list[TurnRow]) -> list[Turn]:
    out = [Turn(role="customer", text=row.opening)]
    for t in turns:
        out += [Turn(role="agent", text=t.trainee), Turn(role="customer", text=t.customer)]
    return out


def _trainee_id(trainee: str) -> str:
    t = (trainee or "").strip()
    if not t or len(t) > MAX_TRAINEE_ID or any(ord(c) < 32 for c in t):
        raise InputError(f"学员名不合法：1–{MAX_TRAINEE_ID} 个字符，不含控制字符。/ invalid trainee id")
    return t


def _turn_text(text: str) -> str:
    if text is None or not str(text).strip():
        raise InputError("回复为空：请输入你对顾客说的话。/ The reply is empty.")
    text = str(text).strip()
    if "\x00" in text:
        raise InputError("回复包含二进制内容（NUL 字符）。/ The reply contains binary data.")
    if len(text) > MAX_TURN_CHARS:
        raise InputError(f"回复共 {len(text)} 字，超过 {MAX_TURN_CHARS} 字上限：真实对话中请分几条发。")
    return text


# ---------------------------------------------------------------------------------------------------- plain functions

_SERVICES: weakref.WeakKeyDictionary[Services, RoleplayService] = weakref.WeakKeyDictionary()
_SERVICES_LOCK = threading.Lock()


def roleplay(services: Services) -> RoleplayService:
    """The RoleplayService of a Services container, built once."""
    with _SERVICES_LOCK:
        rp = _SERVICES.get(services)
        if rp is None:
            rp = _SERVICES[services] = RoleplayService(services)
        return rp


def warm_up(services: Services) -> None:
    """Load what the first turn would otherwise load (scenario library, the critic's fact book, the word segmenter):
    call it at app start so the first trainee turn is as fast as the others."""
    rp = roleplay(services)
    rp.library()
    services.critique(Case(customer="快递怎么还没到？", draft="亲，非常抱歉让您久等了，我马上为您查询。"))


def list_scenarios(services: Services) -> list[dict[str, Any]]:
    return [s.summary() for s in roleplay(services).library().ordered()]


def scenario_errors(services: Services) -> dict[str, list[str]]:
    return dict(roleplay(services).library().errors)


def start_session(services: Services, scenario_id: str, trainee: str = "default", seed: str | None = None,
                  mode: str | None = None) -> SessionStart:
    return roleplay(services).start(scenario_id, trainee, seed, mode)


def take_turn(services: Services, session_id: str, text: str) -> TurnResult:
    return roleplay(services).take_turn(session_id, text)


def end_session(services: Services, session_id: str) -> Debrief:
    return roleplay(services).end(session_id)


def debrief(services: Services, session_id: str) -> Debrief:
    return roleplay(services).debrief(session_id)


def get_session(services: Services, session_id: str) -> SessionView:
    return roleplay(services).view(session_id)


def list_sessions(services: Services, trainee: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    rows = roleplay(services).store.sessions(trainee_id=trainee, status=status)
    return [{"session_id": r.id, "trainee": r.trainee_id, "scenario_id": r.scenario_id, "title": r.scenario_title,
             "status": r.status, "score": r.score, "started_at": r.started_at, "ended_at": r.ended_at} for r in rows]


def progress(services: Services, trainee: str) -> Progress:
    return roleplay(services).progress(trainee)


def recommend(services: Services, trainee: str) -> Recommendation | None:
    return roleplay(services).recommend(trainee)


def export_session(services: Services, session_id: str, fmt: str = "md") -> str:
    return roleplay(services).export(session_id, fmt)


def read_script(path: Path) -> list[str]:
    """Trainee turns from a text file: one per line; blank lines and lines starting with '#' are skipped."""
    from coach.roleplay.yamlfile import DataFileError, read_text

    try:
        text = read_text(path, max_bytes=1_000_000)
    except DataFileError as exc:
        raise InputError(str(exc)) from None
    turns = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not turns:
        raise InputError(f"{path.name}: no trainee turns (one per line)")
    return turns
