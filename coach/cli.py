"""The `coach` console script (contracts in shared/design/interfaces.md §3).

Each command is a thin shell: parse arguments, build Settings once, call the same service functions the web app
and the REST API use, print. User-facing errors (`CoachError`) are printed without a traceback and exit 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from coach.offline import configure_offline

configure_offline()

import typer  # noqa: E402  (after configure_offline: gradio/chroma read the env at import)

from coach.errors import CoachError  # noqa: E402
from coach.settings import Settings  # noqa: E402

app = typer.Typer(help="话术教练 — customer-service coaching (rules mode offline; LLM mode when configured).",
                  no_args_is_help=True, pretty_exceptions_enable=False)
roleplay_app = typer.Typer(help="Roleplay training scenarios.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluation suites for QA.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts and roles for the web app.", no_args_is_help=True)
from coach import cli_kb  # noqa: E402

app.add_typer(cli_kb.app, name="kb", help="Knowledge base: index and search the shop's products and policies.")
app.add_typer(roleplay_app, name="roleplay")
app.add_typer(eval_app, name="eval")
app.add_typer(users_app, name="users")

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


@app.command()
def mode() -> None:
    """Say which mode is active (rules or LLM) and where data lives."""
    s = load_settings()
    if s.llm_enabled:
        typer.echo(f"mode: llm  (model {s.llm_model} at {s.llm_base_url}); rules mode verifies every answer")
    else:
        typer.echo("mode: rules  (no COACH_LLM_BASE_URL/COACH_LLM_MODEL configured: offline analyzers, "
                   "claim checker, template drafting, scripted customers)")
    typer.echo(f"data dir: {s.data_dir}")


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())
