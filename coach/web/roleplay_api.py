"""REST routes of the roleplay trainer (interfaces.md §4 `POST /api/v1/roleplay/...`), the same plain functions the
CLI and the web tab call. Errors follow the critique route: a user-facing problem is 422 with its message; an
unknown session is 404; a second submit of the same turn is 409.

Access (accounts mode): playing needs `roleplay.play`, and a trainee without `roleplay.all` plays as themselves —
their sessions and progress only (403 for someone else's); `progress.all` reads anyone's progress."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from coach.auth import Access, Forbidden, Principal
from coach.errors import CoachError
from coach.roleplay import service as rp
from coach.roleplay.debrief import Debrief
from coach.roleplay.progress import Progress, Recommendation
from coach.roleplay.service import MAX_TRAINEE_ID, SessionStart, SessionView, TurnResult
from coach.roleplay.store import SessionNotFoundError, TurnConflictError
from coach.services import Services
from coach.web.api_auth import ERROR_RESPONSES, require

MAX_TEXT = 20_000  # the service refuses more than 2,000 characters with a clear message; this bounds the request


class StartRequest(BaseModel):
    scenario_id: str = Field(..., min_length=1, max_length=64)
    trainee: str = Field("default", min_length=1, max_length=MAX_TRAINEE_ID)
    seed: str | None = Field(None, max_length=64)


class TurnRequest(BaseModel):
    text: str = Field(..., max_length=MAX_TEXT)


def _fail(exc: CoachError) -> HTTPException:
    if isinstance(exc, SessionNotFoundError):
        return HTTPException(status_code=404, detail=str(exc))
    if isinstance(exc, TurnConflictError):
        return HTTPException(status_code=409, detail=str(exc))
    return HTTPException(status_code=422, detail=str(exc))


def _trainee_for(who: Principal, requested: str) -> str:
    """The trainee a session is started for: anyone's for `roleplay.all`, else the caller's own name."""
    if who.can("roleplay.all"):
        return requested
    if requested not in ("default", who.name):
        raise Forbidden(f"只能以自己的身份练习 / you can only practise as yourself ({who.name!r}), not {requested!r}")
    return who.name


def roleplay_router(services: Services, access: Access) -> APIRouter:
    r = APIRouter(prefix="/api/v1/roleplay", tags=["roleplay"], responses=ERROR_RESPONSES)
    player = require(access, "roleplay.play")

    def own_session(session_id: str, who: Principal = Depends(player)) -> str:  # noqa: B008
        """A route dependency: the session id, after checking that the caller may see that session."""
        if who.can("roleplay.all"):
            return session_id
        try:
            owner = rp.roleplay(services).store.session(session_id).trainee_id
        except CoachError as exc:
            raise _fail(exc) from None
        if owner != who.name:
            raise Forbidden("这是其他学员的会话 / this session belongs to another trainee")
        return session_id

    def own_progress(trainee: str, who: Principal = Depends(player)) -> str:  # noqa: B008
        if trainee != who.name and not who.can("progress.all"):
            raise Forbidden("只能查看自己的进度 / you can only see your own progress")
        return trainee

    @r.get("/scenarios", dependencies=[Depends(player)])
    def scenarios() -> list[dict[str, Any]]:
        return rp.list_scenarios(services)

    @r.post("/sessions", response_model=SessionStart)
    def start(req: StartRequest, who: Principal = Depends(player)) -> SessionStart:  # noqa: B008
        trainee = _trainee_for(who, req.trainee)  # outside the try: a refusal is a 403, not a 422
        try:
            return rp.start_session(services, req.scenario_id, trainee=trainee, seed=req.seed)
        except CoachError as exc:
            raise _fail(exc) from None

    @r.get("/sessions/{session_id}", response_model=SessionView)
    def session(session_id: str = Depends(own_session)) -> SessionView:
        try:
            return rp.get_session(services, session_id)
        except CoachError as exc:
            raise _fail(exc) from None

    @r.post("/sessions/{session_id}/turns", response_model=TurnResult)
    def turn(req: TurnRequest, session_id: str = Depends(own_session)) -> TurnResult:
        try:
            return rp.take_turn(services, session_id, req.text)
        except CoachError as exc:
            raise _fail(exc) from None

    @r.post("/sessions/{session_id}/end", response_model=Debrief)
    def end(session_id: str = Depends(own_session)) -> Debrief:
        try:
            return rp.end_session(services, session_id)
        except CoachError as exc:
            raise _fail(exc) from None

    @r.get("/sessions/{session_id}/debrief", response_model=Debrief)
    def debrief(session_id: str = Depends(own_session)) -> Debrief:
        try:
            return rp.debrief(services, session_id)
        except CoachError as exc:
            raise _fail(exc) from None

    # documented as text (markdown or CSV); response_class=Response keeps the error responses documented as JSON
    @r.get("/sessions/{session_id}/export", response_class=Response, responses={200: {
        "description": "the session transcript", "content": {"text/markdown": {"schema": {"type": "string"}},
                                                            "text/csv": {"schema": {"type": "string"}}}}})
    def export(session_id: str = Depends(own_session), fmt: str = Query("md", alias="format", pattern="^(md|csv)$")) -> PlainTextResponse:
        try:
            text = rp.export_session(services, session_id, fmt)
        except CoachError as exc:
            raise _fail(exc) from None
        media = "text/csv" if fmt == "csv" else "text/markdown"
        return PlainTextResponse(text, media_type=f"{media}; charset=utf-8")

    @r.get("/trainees/{trainee}/progress", response_model=Progress)
    def progress(trainee: str = Depends(own_progress)) -> Progress:
        try:
            return rp.progress(services, trainee)
        except CoachError as exc:
            raise _fail(exc) from None

    @r.get("/trainees/{trainee}/recommendation", response_model=Recommendation | None)
    def recommendation(trainee: str = Depends(own_progress)) -> Recommendation | None:
        try:
            return rp.recommend(services, trainee)
        except CoachError as exc:
            raise _fail(exc) from None

    return r
