"""`coach users …`: accounts and roles for the web app and API tokens for the REST API (coach.auth).

The users file is <COACH_DATA_DIR>/users.yaml unless COACH_USERS_FILE says otherwise. Passwords are read from a
hidden prompt (twice) or, for scripts, from standard input with --password-stdin; they never appear in arguments.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from coach.cli_support import friendly, load_settings

if TYPE_CHECKING:
    from coach.auth import UserStore

app = typer.Typer(help="Accounts and roles for the web app; API tokens for the REST API.", no_args_is_help=True)

ROLE_HELP = "agent, trainer, qa or admin (see coach/auth/roles.yaml)"


def _store() -> UserStore:
    from coach.auth import UserStore

    return UserStore(load_settings().users_path)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@app.command("add")
@friendly
def add(
    name: str = typer.Argument(..., help="User name (also the trainee id in roleplay)."),
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from the first line of "
                                        "standard input instead of prompting."),
) -> None:
    """Add a user. The first user turns accounts on: the web app then asks for a login and the API for a token."""
    from coach.auth.store import check_name, check_role

    store = _store()
    check_name(name)
    check_role(role)
    first = not store.exists()
    store.add(name, role, _password(password_stdin))
    typer.echo(f"added {name} ({role}) to {store.path}")
    if first:
        typer.echo("accounts are now on: restart the web app so that it asks for a login")


@app.command("list")
@friendly
def list_users() -> None:
    """List users, roles and token ids (never passwords or tokens)."""
    store = _store()
    doc = store.read()
    if not doc.users:
        typer.echo(f"no users ({store.path}): the web app runs as one local user")
        return
    for u in doc.users:
        tokens = ", ".join(f"{t.id}{f' ({t.label})' if t.label else ''}" for t in u.tokens) or "-"
        typer.echo(f"{u.name}\t{u.role}\ttokens: {tokens}")


@app.command("remove")
@friendly
def remove(name: str = typer.Argument(..., help="User name.")) -> None:
    """Remove a user and all their API tokens."""
    _store().remove(name)
    typer.echo(f"removed {name}")


@app.command("set-role")
@friendly
def set_role(name: str = typer.Argument(...), role: str = typer.Argument(..., help=ROLE_HELP)) -> None:
    """Change a user's role (takes effect on their next request)."""
    _store().set_role(name, role)
    typer.echo(f"{name} is now {role}")


@app.command("passwd")
@friendly
def passwd(name: str = typer.Argument(...),
           password_stdin: bool = typer.Option(False, "--password-stdin")) -> None:
    """Set a user's password."""
    store = _store()
    store.read().get(name)  # an unknown user is told before the password prompt
    store.set_password(name, _password(password_stdin))
    typer.echo(f"password of {name} changed")


@app.command("token")
@friendly
def token(name: str = typer.Argument(...),
          label: str = typer.Option("", "--label", help="What the token is for (e.g. the shop tool's name).")) -> None:
    """Create an API token for the user and print it once (only its hash is kept)."""
    token_id, value = _store().add_token(name, label)
    typer.echo(value)
    typer.echo(f"token {token_id} for {name}: shown once, store it now. Use it as `Authorization: Bearer <token>`; "
               f"revoke with `coach users revoke-token {name} {token_id}`.", err=True)


@app.command("revoke-token")
@friendly
def revoke_token(name: str = typer.Argument(...),
                 token_id: str = typer.Argument(None, help="The token id shown by `coach users list`."),
                 all_tokens: bool = typer.Option(False, "--all", help="Revoke every token of the user.")) -> None:
    """Revoke one API token of a user (or all with --all)."""
    from coach.errors import InputError

    if bool(token_id) == all_tokens:
        raise InputError("give a TOKEN_ID or --all")
    gone = _store().revoke_token(name, None if all_tokens else token_id)
    typer.echo(f"revoked {gone} token(s) of {name}")
