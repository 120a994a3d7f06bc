"""Leak guard: an answer that repeats the system prompt is a prompt-injection success and is never shown.

Two signals: the canary (a random marker planted in every system prompt and named there as secret), and any
`WINDOW`-character stretch of the prompt's own instructions. The windows come from the system prompt rendered with
empty values, i.e. the instruction skeleton only: a critique may legitimately quote a rubric definition or the draft,
which are values, but has no reason to reproduce the instructions around them.
"""

from __future__ import annotations

import re
import secrets
from functools import lru_cache

WINDOW = 24
_SPACE = re.compile(r"\s+")


def new_canary() -> str:
    return f"CANARY-{secrets.token_hex(8)}"


def _norm(text: str) -> str:
    return _SPACE.sub("", text)


@lru_cache(maxsize=64)
def _windows(skeleton: str) -> frozenset[str]:
    s = _norm(skeleton)
    return frozenset(s[i : i + WINDOW] for i in range(max(0, len(s) - WINDOW + 1)))


class LeakGuard:
    def __init__(self, canary: str, skeleton: str) -> None:
        self.canary = canary
        self.skeleton = skeleton

    def leaked(self, text: str) -> bool:
        if not text:
            return False
        if self.canary in text or self.canary.lower() in text.lower():
            return True
        windows = _windows(self.skeleton)
        t = _norm(text)
        return any(t[i : i + WINDOW] in windows for i in range(max(0, len(t) - WINDOW + 1)))
