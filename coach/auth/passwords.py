"""Password hashing with bcrypt (already a dependency): per-password salt, tunable cost, constant-time check.

bcrypt reads at most 72 bytes; rather than silently ignore the rest, longer passwords are refused when set."""

from __future__ import annotations

from functools import cache

import bcrypt

from coach.errors import InputError

ROUNDS = 12  # ~0.2–0.4 s per check on a 2-core machine: cheap for a login, expensive for a guesser
MIN_CHARS = 8
MAX_BYTES = 72


def check_strength(password: str) -> None:
    if len(password) < MIN_CHARS:
        raise InputError(f"密码至少 {MIN_CHARS} 个字符 / password must have at least {MIN_CHARS} characters")
    if len(password.encode("utf-8")) > MAX_BYTES:
        raise InputError(f"密码不能超过 {MAX_BYTES} 字节（约 24 个汉字）/ password longer than {MAX_BYTES} bytes")


def hash_password(password: str, rounds: int | None = None) -> str:
    check_strength(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds or ROUNDS)).decode("ascii")


@cache
def _dummy_hash() -> bytes:
    return bcrypt.hashpw(b"no such user", bcrypt.gensalt(ROUNDS))


def verify_password(password: str, hashed: str | None) -> bool:
    """True if the password matches. With no hash (unknown user) a dummy hash is checked anyway, so an attacker
    cannot tell unknown users from wrong passwords by the response time."""
    raw = password.encode("utf-8")
    if len(raw) > MAX_BYTES:
        raw = raw[:0]  # never valid (set passwords are <= 72 bytes); still spend the time below
    try:
        if hashed is None:
            bcrypt.checkpw(raw, _dummy_hash())
            return False
        return bool(bcrypt.checkpw(raw, hashed.encode("ascii"))) and bool(raw)
    except ValueError:  # a malformed stored hash
        return False
