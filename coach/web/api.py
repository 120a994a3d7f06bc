"""REST API for shop tools that want the critic inside their workbench (interfaces.md §4)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from coach.errors import CoachError
from coach.models import Order, Turn
from coach.services import Services
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


def router(services: Services) -> APIRouter:
    r = APIRouter()

    @r.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "mode": services.settings.mode, "kb_chunks": services.kb.stats()["chunks"]}

    @r.post("/api/v1/critique")
    def critique(req: CritiqueRequest) -> dict[str, Any]:
        from coach.models import Case

        try:
            crit = services.critique(Case(customer=req.customer, draft=req.draft, context=req.context, order=req.order))
        except CoachError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        return crit.public()

    @r.post("/api/v1/draft")
    def draft(req: DraftRequestBody) -> dict[str, Any]:
        try:
            result = services.draft(req.customer, context=req.context, order=req.order)
        except CoachError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        return result.public()

    @r.get("/api/v1/kb/search")
    def kb_search(q: str = Query(..., min_length=1, max_length=500), k: int = Query(5, ge=1, le=50)) -> list[dict[str, Any]]:
        return [p.model_dump(mode="json") for p in services.kb.search(q, k=k)]

    return r


def create_api(services: Services) -> FastAPI:
    app = FastAPI(title="话术教练 API", version="1", docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.include_router(router(services))
    app.include_router(roleplay_router(services))
    return app
