"""Server-side tab permissions. Hiding a tab is not access control: every Gradio event can be called through the
queue API by anyone who has the page. So each event function a tab registers is wrapped to check, at call time,
that the request's user may use that tab (the same `tab_filter` that decides the tabs' visibility).

The request comes from Gradio's per-call context (gradio.context.LocalContext), so the handlers keep their plain
signatures; a call with no request (tests, the Python API) is not a web call and is let through."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

import gradio as gr
from gradio.context import LocalContext

TabFilter = Callable[[gr.Request], "set[str] | None"]
# (request, permission) -> may that request's user do it (coach.auth.Access.allows): for what a tab shows to some of
# its users only (every trainee's progress in 角色扮演), which the tab filter cannot express
Allows = Callable[[Any, str], bool]


def everyone(request: Any, permission: str) -> bool:
    """The `allows` of single-user mode (no accounts): the one local user may do everything, as
    Access.allows says for a store-less Access."""
    return True


def permitted(allows: Allows, permission: str) -> bool:
    """May the request being served do `permission`? Asked by the handler itself, at call time: a hidden control
    is not access control. No request (tests, the Python API) is not a web call and is let through, as in
    `allowed`."""
    request = LocalContext.request.get(None)
    return request is None or allows(request, permission)


def allowed(tab_filter: TabFilter | None, key: str) -> bool:
    """May the request being served use tab `key`?"""
    if tab_filter is None:
        return True
    request = LocalContext.request.get(None)
    if request is None:
        return True
    keys = tab_filter(request)
    return keys is None or key in keys


def guarded(fn: Callable[..., Any], key: str, label: str, tab_filter: TabFilter | None,
            on_denied: Callable[[], Any] | None = None) -> Callable[..., Any]:
    """`fn` refusing callers who may not use the tab: a Gradio error, or `on_denied()` (quiet page-load fills)."""
    if tab_filter is None:
        return fn

    if inspect.isgeneratorfunction(fn):  # a streaming handler must stay a generator for Gradio to stream it
        @functools.wraps(fn)
        def check_stream(*args: Any, **kwargs: Any) -> Any:
            if not allowed(tab_filter, key):
                if on_denied is not None:
                    yield on_denied()
                    return
                raise gr.Error(f"您的账号没有使用「{label}」的权限。")
            yield from fn(*args, **kwargs)

        return check_stream

    @functools.wraps(fn)  # keeps the signature Gradio inspects (gr.Progress defaults, parameter names)
    def check(*args: Any, **kwargs: Any) -> Any:
        if not allowed(tab_filter, key):
            if on_denied is not None:
                return on_denied()
            raise gr.Error(f"您的账号没有使用「{label}」的权限。")
        return fn(*args, **kwargs)

    return check


def protect(demo: gr.Blocks, fn_ids: Iterable[int], key: str, label: str, tab_filter: TabFilter | None) -> int:
    """Wrap the event functions `fn_ids` of `demo` (those a tab registered); returns how many were wrapped."""
    n = 0
    for fid in fn_ids:
        block_fn = demo.fns[fid]
        if block_fn.fn is not None:
            block_fn.fn = guarded(block_fn.fn, key, label, tab_filter)
            n += 1
    return n
