"""Run handler code as Gradio does inside an event call for a logged-in user: the request the handlers and the tab
guard read from Gradio's call context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from gradio.context import LocalContext


@contextmanager
def serving(username: str | None) -> Iterator[None]:
    token = LocalContext.request.set(SimpleNamespace(username=username))  # type: ignore[arg-type]
    try:
        yield
    finally:
        LocalContext.request.reset(token)
