"""`coach users …` through typer's CliRunner against a temporary data dir."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.auth import UserStore
from coach.cli import app
from coach.settings import Settings

PASSWORD = "correct horse 9"


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("COACH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr("coach.auth.passwords.ROUNDS", 4)
    return settings


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args), input=stdin)
    return res.exit_code, res.output


def test_add_list_set_role_remove(env: Settings) -> None:
    code, out = run("users", "add", "li.na", "--role", "agent", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0 and "added li.na (agent)" in out and "accounts are now on" in out
    assert stat.S_IMODE(env.users_path.stat().st_mode) == 0o600
    assert UserStore(env.users_path).snapshot().users["li.na"].role == "agent"
    code, out = run("users", "add", "王芳", "--role", "trainer", stdin=f"{PASSWORD}\n{PASSWORD}\n")  # prompt twice
    assert code == 0 and PASSWORD not in out
    code, out = run("users", "list")
    assert code == 0 and "li.na\tagent" in out and "王芳\ttrainer" in out and "$2b$" not in out
    assert run("users", "set-role", "li.na", "qa")[0] == 0
    assert UserStore(env.users_path).snapshot().users["li.na"].role == "qa"
    assert run("users", "remove", "王芳")[0] == 0
    assert "王芳" not in run("users", "list")[1]


def test_clear_errors(env: Settings) -> None:
    code, out = run("users", "add", "a", "--role", "boss", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 2 and "unknown role 'boss'" in out and "agent, trainer, qa, admin" in out
    assert not env.users_path.exists()
    run("users", "add", "a", "--role", "agent", "--password-stdin", stdin=PASSWORD + "\n")
    code, out = run("users", "add", "a", "--role", "qa", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 2 and "already exists" in out
    code, out = run("users", "add", "b", "--role", "qa", "--password-stdin", stdin="short\n")
    assert code == 2 and "at least 8" in out
    assert run("users", "remove", "nobody")[0] == 2
    assert run("users", "set-role", "a", "boss")[0] == 2
    assert run("users", "revoke-token", "a")[0] == 2  # neither an id nor --all


def test_malformed_file_names_the_line_and_is_left_alone(env: Settings) -> None:
    bad = "users:\n  - name: a\n    role: agent\n    password: x\n    shoe_size: 42\n"
    env.users_path.write_text(bad, encoding="utf-8")
    code, out = run("users", "add", "b", "--role", "qa", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 2 and "line 5" in out and "shoe_size" in out
    assert env.users_path.read_text(encoding="utf-8") == bad
    assert run("users", "list")[0] == 2


def test_token_is_shown_once_and_revocable(env: Settings, tmp_path: Path) -> None:
    run("users", "add", "erp", "--role", "agent", "--password-stdin", stdin=PASSWORD + "\n")
    res = CliRunner().invoke(app, ["users", "token", "erp", "--label", "workbench"])
    assert res.exit_code == 0
    token = res.stdout.strip()  # stdout is the token alone, so a script can capture it
    assert token.startswith("hct_") and "shown once" in res.stderr
    assert token not in env.users_path.read_text(encoding="utf-8")
    snap = UserStore(env.users_path).snapshot()
    (token_id,) = [t.id for t in snap.users["erp"].tokens]
    assert f"{token_id} (workbench)" in run("users", "list")[1]
    assert run("users", "revoke-token", "erp", "nope")[0] == 2
    code, out = run("users", "revoke-token", "erp", token_id)
    assert code == 0 and "revoked 1" in out
    assert UserStore(env.users_path).snapshot().by_token == {}
