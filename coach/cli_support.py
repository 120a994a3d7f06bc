"""Helpers every `coach` sub-command module shares. They live apart from coach.cli so that the sub-command modules
(which coach.cli imports while it is being defined) can import them at module level."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer

from coach.errors import CoachError
from coach.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """Turn CoachError into a one-line message and exit code 2 instead of a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CoachError as exc:
            typer.echo(f"错误 / error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def load_settings() -> Settings:
    return Settings()
