"""REST API for shop tools that want the critic inside their workbench (interfaces.md §4).

With accounts on (a users file), every /api/v1 route needs `Authorization: Bearer <token>` and the permission named
in its dependency (coach/auth/roles.yaml); /healthz stays open for load balancers and `make run` checks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from coach.auth import Access
from coach.errors import CoachError
from coach.models import Order, Turn
from coach.services import Services
from coach.web.api_auth import ERROR_RESPONSES, install, require
from coach.web.roleplay_api import roleplay_router

MAX_TEXT = 20_000


class CritiqueRequest(BaseModel):
    customer: str = Field("", max_length=MAX_TEXT)
    draft: str = Field(..., max_length=MAX_TEXT)
    context: list[Turn] = Field(default_factory=list, max_length=50)
    order: Order | None = None


class DraftRequestBody(BaseModel):
    customer: str = Field(..., max_length=MAX_TEXT)
    context: list[Turn] = Field(default_factory=list, max_length=50)
    order: Order | None = None


def router(services: Services, access: Access) -> APIRouter:
    r = APIRouter()

    @r.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "mode": services.settings.mode, "kb_chunks": services.kb.stats()["chunks"]}

    v1 = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

    @v1.post("/critique", dependencies=[Depends(require(access, "critique"))])
    def critique(req: CritiqueRequest) -> dict[str, Any]:
        from coach.models import Case

        try:
            crit = services.critique(Case(customer=req.customer, draft=req.draft, context=req.context, order=req.order))
        except CoachError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        return crit.public()

    @v1.post("/draft", dependencies=[Depends(require(access, "draft"))])
    def draft(req: DraftRequestBody) -> dict[str, Any]:
        try:
            result = services.draft(req.customer, context=req.context, order=req.order)
        except CoachError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        return result.public()

    @v1.get("/kb/search", dependencies=[Depends(require(access, "kb.search"))])
    def kb_search(q: str = Query(..., min_length=1, max_length=500), k: int = Query(5, ge=1, le=50)) -> list[dict[str, Any]]:
        return [p.model_dump(mode="json") for p in services.kb.search(q, k=k)]

    r.include_router(v1)
    return r


def create_api(services: Services, access: Access | None = None) -> FastAPI:
    """The API app. `access` defaults to the policy of services.settings (users file or single local user)."""
    access = access or Access.from_settings(services.settings)
    app = FastAPI(title="话术教练 API", version="1", docs_url="/api/docs", openapi_url="/api/openapi.json")
    install(app)
    app.include_router(router(services, access))
    app.include_router(roleplay_router(services, access))
    return app
