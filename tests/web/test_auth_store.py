"""The users file, password hashing, roles policy and the failed-login limiter (coach.auth)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from coach.auth import (
    Access,
    AccessConfigError,
    LoginLimiter,
    TooManyAttempts,
    Unauthorized,
    UsersFileError,
    UserStore,
)
from coach.auth.passwords import hash_password, verify_password
from coach.auth.roles import policy
from coach.errors import InputError
from coach.settings import Settings

from .accounts import PASSWORD
from .accounts import fast_hash as _fast_hash_fixture  # noqa: F401  (a fixture: pytest finds it by its own name)


def test_password_hash_verifies_only_the_right_password(fast_hash: None) -> None:
    h = hash_password(PASSWORD)
    assert h.startswith("$2b$") and PASSWORD not in h
    assert hash_password(PASSWORD) != h  # salted
    assert verify_password(PASSWORD, h)
    assert not verify_password(PASSWORD + "x", h)
    assert not verify_password("", h)
    assert not verify_password("密" * 30, h)  # over bcrypt's 72 bytes: refused, not truncated into a match
    assert not verify_password(PASSWORD, None)  # unknown user: dummy check, never true
    assert not verify_password(PASSWORD, "not a hash")


def test_weak_or_overlong_passwords_are_refused(fast_hash: None) -> None:
    with pytest.raises(InputError, match="至少"):
        hash_password("short")
    with pytest.raises(InputError, match="72"):
        hash_password("密码" * 13)


def test_users_file_is_private_and_keeps_only_hashes(settings: Settings, fast_hash: None) -> None:
    store = UserStore(settings.users_path)
    store.add("li.na", "agent", PASSWORD)
    token_id, token = store.add_token("li.na", label="erp")
    text = settings.users_path.read_text(encoding="utf-8")
    assert stat.S_IMODE(settings.users_path.stat().st_mode) == 0o600
    assert PASSWORD not in text and token not in text and token_id in text
    assert token.startswith("hct_" + token_id)
    snap = store.snapshot()
    assert snap.users["li.na"].role == "agent" and len(snap.by_token) == 1
    assert not list(settings.users_path.parent.glob(".users-*.tmp"))  # atomic write left no temp file


def test_store_changes_and_their_errors(settings: Settings, fast_hash: None) -> None:
    store = UserStore(settings.users_path)
    store.add("王芳", "trainer", PASSWORD)
    with pytest.raises(InputError, match="already exists"):
        store.add("王芳", "agent", PASSWORD)
    with pytest.raises(InputError, match="unknown role 'boss'"):
        store.add("x", "boss", PASSWORD)
    with pytest.raises(InputError, match="invalid user name"):
        store.add("a b", "agent", PASSWORD)
    store.set_role("王芳", "qa")
    first, _ = store.add_token("王芳")
    store.add_token("王芳")
    assert store.revoke_token("王芳", first) == 1
    with pytest.raises(InputError, match="no token"):
        store.revoke_token("王芳", first)
    assert store.revoke_token("王芳", None) == 1
    store.remove("王芳")
    with pytest.raises(InputError, match="no such user"):
        store.remove("王芳")
    assert store.read().users == []


@pytest.mark.parametrize(("text", "where"), [
    ("users:\n  - name: a\n    role: [\n", "not valid YAML"),
    ("users:\n  - name: ok\n    role: agent\n    password: x\n  - name: b\n    role: boss\n    password: x\n",
     "line 6: users.1.role: 未知角色"),
    ("users:\n  - name: a\n    role: agent\n", "line 2: users.0.password"),
    ("users:\n  - {name: a, role: agent, password: x}\n  - {name: a, role: qa, password: y}\n", "appears twice"),
    ("- just a list\n", "users.yaml"),
])
def test_malformed_file_is_reported_with_line_and_never_overwritten(
        settings: Settings, fast_hash: None, text: str, where: str) -> None:
    settings.users_path.write_text(text, encoding="utf-8")
    store = UserStore(settings.users_path)
    with pytest.raises(UsersFileError, match=where):
        store.read()
    with pytest.raises(UsersFileError):
        store.add("new", "agent", PASSWORD)
    assert settings.users_path.read_text(encoding="utf-8") == text
    with pytest.raises(UsersFileError):  # the server refuses to start on it
        Access.from_settings(settings)


def test_a_broken_edit_keeps_the_last_good_accounts(settings: Settings, fast_hash: None) -> None:
    store = UserStore(settings.users_path)
    store.add("a", "agent", PASSWORD)
    assert "a" in store.snapshot().users
    settings.users_path.write_text("users: [\n", encoding="utf-8")
    assert "a" in store.snapshot().users  # not everyone locked out (nor in) by a typo
    store2 = UserStore(settings.users_path)
    settings.users_path.unlink()
    assert store2.snapshot().users == {}  # deleted file: nobody (fail closed)


def test_roles_policy() -> None:
    p = policy()
    assert set(p.roles) == {"agent", "trainer", "qa", "admin"}
    assert p.tabs_for("agent") == {"critique", "draft", "roleplay"}
    assert p.tabs_for("trainer") == {"critique", "draft", "roleplay"}
    assert p.tabs_for("qa") == {"critique", "eval"}
    assert p.tabs_for("admin") == {"critique", "draft", "roleplay", "eval", "kb"}
    assert not p.allows("agent", "roleplay.all") and p.allows("trainer", "progress.all")
    assert not p.allows("qa", "draft") and p.allows("admin", "users") and not p.allows("nobody", "critique")


def test_limiter_locks_after_five_failures_and_reopens_after_the_window() -> None:
    now = [1000.0]
    lim = LoginLimiter(max_failures=5, window_s=300, clock=lambda: now[0])
    key = ("li.na", "127.0.0.1")
    for _ in range(4):
        lim.failed(key)
    assert lim.retry_after(key) == 0
    lim.failed(key)
    assert lim.retry_after(key) == 300
    assert lim.retry_after(("li.na", "127.0.0.2")) == 0  # another client is not locked out by this one
    now[0] += 299.5
    assert lim.retry_after(key) == 1
    now[0] += 1
    assert lim.retry_after(key) == 0
    lim.failed(key)
    lim.succeeded(key)
    assert lim.retry_after(key) == 0


def test_authenticate_is_rate_limited_even_for_the_right_password(settings: Settings, fast_hash: None,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    UserStore(settings.users_path).add("li.na", "agent", PASSWORD)
    access = Access.from_settings(settings)
    assert access.authenticate("li.na", PASSWORD, "10.0.0.1").role == "agent"
    with caplog.at_level("WARNING"):
        for _ in range(5):
            with pytest.raises(Unauthorized):
                access.authenticate("li.na", "wrong password", "10.0.0.1")
    assert "login locked for 'li.na' from 10.0.0.1" in caplog.text and "wrong password" not in caplog.text
    with pytest.raises(TooManyAttempts, match="try again in"):
        access.authenticate("li.na", PASSWORD, "10.0.0.1")
    assert access.authenticate("li.na", PASSWORD, "10.0.0.2").name == "li.na"
    with pytest.raises(Unauthorized):
        access.authenticate("nobody", PASSWORD, "10.0.0.1")


def test_no_users_file_means_one_local_user_on_loopback_only(settings: Settings, caplog: pytest.LogCaptureFixture,
                                                            tmp_path: Path) -> None:
    with caplog.at_level("WARNING"):
        access = Access.from_settings(settings)
    assert not access.accounts and access.for_token(None, "127.0.0.1").can("kb.manage")
    assert "no users file: single local user, run `coach users add`" in caplog.text
    for host in ("0.0.0.0", "192.168.1.5", "::"):
        with pytest.raises(AccessConfigError, match="not a loopback address"):
            Access.from_settings(settings.model_copy(update={"host": host}))
    for host in ("localhost", "127.0.0.2", "::1"):
        assert not Access.from_settings(settings.model_copy(update={"host": host})).accounts
    elsewhere = settings.model_copy(update={"users_file": tmp_path / "elsewhere" / "u.yaml"})
    assert elsewhere.users_path == tmp_path / "elsewhere" / "u.yaml"
