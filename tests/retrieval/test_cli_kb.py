"""`coach kb index|search|stats` through Typer's runner, with the hashed embedder (COACH_EMBEDDINGS=hash)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from filelock import FileLock
from typer.testing import CliRunner

from coach.cli import app


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    for var in ("COACH_CHROMA_URL", "COACH_LLM_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    monkeypatch.setenv("COACH_EMBEDDINGS", "hash")
    monkeypatch.setenv("COACH_TODAY", "2026-11-23")
    return data


def test_index_then_search_json(env: Path, shop: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["kb", "index", str(shop)])
    assert result.exit_code == 0, result.output
    assert "added" in result.output and "12 in index" in result.output
    result = runner.invoke(app, ["kb", "search", "退貨運費誰承擔", "-k", "2", "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 2 and hits[0]["id"] == "policy:returns#2" and hits[0]["type"] == "policy"
    assert set(hits[0]) >= {"id", "doc_id", "title", "section", "text", "source", "score", "effective_from"}
    result = runner.invoke(app, ["kb", "search", "运费", "--type", "product", "--json"])
    assert {h["type"] for h in json.loads(result.stdout)} == {"product"}
    pretty = runner.invoke(app, ["kb", "search", "退款时效"])
    assert pretty.exit_code == 0 and "policy:returns#3" in pretty.output
    stats = runner.invoke(app, ["kb", "stats", "--json"])
    assert json.loads(stats.stdout)["chunks"] == 12


def test_failed_files_exit_1_but_the_rest_is_indexed(env: Path, shop: Path) -> None:
    (shop / "empty.md").write_bytes(b"")
    result = CliRunner().invoke(app, ["kb", "index", str(shop)])
    assert result.exit_code == 1
    assert "empty.md" in result.output and "empty file" in result.output
    search = CliRunner().invoke(app, ["kb", "search", "退款时效", "--json"])
    assert json.loads(search.stdout)[0]["id"] == "policy:returns#3"


def test_busy_index_is_a_clear_error(env: Path, shop: Path) -> None:
    env.mkdir(parents=True)
    with FileLock(str(env / "kb.lock")):
        result = CliRunner().invoke(app, ["kb", "index", str(shop)])
    assert result.exit_code == 2 and "another process is writing" in result.output


def test_search_on_an_empty_kb(env: Path) -> None:
    result = CliRunner().invoke(app, ["kb", "search", "退货"])
    assert result.exit_code == 0 and "coach kb index" in result.output


def test_search_marks_a_named_ended_promotion_and_active_leaves_it_out(env: Path, shop: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["kb", "index", str(shop)]).exit_code == 0
    hits = json.loads(runner.invoke(app, ["kb", "search", "双十一的满减还能用吗", "-k", "3", "--json"]).stdout)
    ended = [h for h in hits if h["doc_id"] == "promo:double11"]
    assert ended and all(h["title"].startswith("〔已结束") for h in ended)
    strict = runner.invoke(app, ["kb", "search", "双十一的满减还能用吗", "--validity", "active", "--json"])
    assert all(h["doc_id"] != "promo:double11" for h in json.loads(strict.stdout))
    bad = runner.invoke(app, ["kb", "search", "退货", "--validity", "never"])
    assert bad.exit_code != 0 and "--validity" in bad.output
