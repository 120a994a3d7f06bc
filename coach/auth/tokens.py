"""API tokens: 256 random bits shown once; only a SHA-256 of the token is stored. A fast hash is right here (unlike
passwords): the token is random, so there is nothing to guess, and every API request checks one."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "hct_"


def new_token() -> tuple[str, str, str]:
    """(token id, the token to show once, its stored hash). The id is public: it names the token in lists and
    revocations and is part of the token, so a leaked token can be traced to its row."""
    token_id = secrets.token_hex(4)
    token = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    return token_id, token, token_hash(token)


def token_hash(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()
