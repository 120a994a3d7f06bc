"""The roleplay REST routes (plain functions behind them are tested elsewhere; here: wiring, status codes, schema)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from coach.services import Services
from coach.web.api import create_api

from .conftest import script


def test_a_session_over_http(rp_services: Services) -> None:
    client = TestClient(create_api(rp_services))
    scenarios = client.get("/api/v1/roleplay/scenarios").json()
    assert len(scenarios) >= 12
    start = client.post("/api/v1/roleplay/sessions",
                        json={"scenario_id": "logistics_delay_angry", "trainee": "web", "seed": "1"})
    assert start.status_code == 200, start.text
    sid = start.json()["session_id"]
    assert start.json()["opening"] and start.json()["meter"]["mood"] >= 0
    early = client.get(f"/api/v1/roleplay/sessions/{sid}/debrief")
    assert early.status_code == 422
    for text in script("logistics_delay_angry", "good").read_text(encoding="utf-8").splitlines():
        if text.startswith("#"):
            continue
        turn = client.post(f"/api/v1/roleplay/sessions/{sid}/turns", json={"text": text})
        assert turn.status_code == 200, turn.text
        body = turn.json()
        assert {"customer", "findings", "mood_before", "mood_after", "changes", "meter"} <= set(body)
    assert body["status"] == "resolved"
    again = client.post(f"/api/v1/roleplay/sessions/{sid}/turns", json={"text": "还有吗"})
    assert again.status_code == 422 and "结束" in again.json()["detail"]
    debrief = client.get(f"/api/v1/roleplay/sessions/{sid}/debrief").json()
    assert debrief["status"] == "resolved" and debrief["principles"]
    csv_text = client.get(f"/api/v1/roleplay/sessions/{sid}/export", params={"format": "csv"})
    assert csv_text.status_code == 200 and csv_text.headers["content-type"].startswith("text/csv")
    assert client.get("/api/v1/roleplay/trainees/web/progress").json()["sessions"]
    assert client.get("/api/v1/roleplay/trainees/web/recommendation").json()["scenario_id"]


def test_errors_and_schema(rp_services: Services) -> None:
    client = TestClient(create_api(rp_services))
    assert client.get("/api/v1/roleplay/sessions/nope").status_code == 404
    assert client.post("/api/v1/roleplay/sessions/nope/turns", json={"text": "你好"}).status_code == 404
    bad = client.post("/api/v1/roleplay/sessions", json={"scenario_id": "missing", "trainee": "x"})
    assert bad.status_code == 422 and "unknown scenario" in bad.json()["detail"]
    start = client.post("/api/v1/roleplay/sessions", json={"scenario_id": "bargaining_jacket", "trainee": "x"}).json()
    huge = client.post(f"/api/v1/roleplay/sessions/{start['session_id']}/turns", json={"text": "长" * 30_000})
    assert huge.status_code == 422
    assert client.get(f"/api/v1/roleplay/sessions/{start['session_id']}/export",
                      params={"format": "xlsx"}).status_code == 422
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/v1/roleplay/sessions/{session_id}/turns" in paths
