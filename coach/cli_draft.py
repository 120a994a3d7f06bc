"""`coach draft`: draft a reply from the shop's templates, verified by the critic (interfaces.md §3).

    coach draft --customer "快递五天了还没到！" [--context-jsonl turns.jsonl] [--order '{"order_id": "…"}'] [--json]

`--context-jsonl` holds the earlier turns, one {"role": "customer"|"agent", "text": "…"} per line; `--order` is the
case schema's order object. `--json` prints {"draft", "citations", "critique", "mode"} (plus template, facts,
attempts, notices).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from coach.errors import CoachError, InputError
from coach.models import Order, Turn

MAX_ORDER_CHARS = 20_000
MAX_TURNS = 200


def draft(
    customer: str = typer.Option(..., "--customer", help="The customer's latest message."),
    context_jsonl: Path = typer.Option(None, "--context-jsonl", help="Earlier turns: JSON Lines of {role, text}."),  # noqa: B008
    order: str = typer.Option(None, "--order", help='Order facts as JSON, e.g. {"order_id": "…", "status": "…"}.'),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Draft a reply (rules mode: templates + facts from the KB), verified by the critic before it is shown."""
    from coach.cli import _services

    try:
        req = request(customer, context_jsonl, order)
        services = _services()
        services.ensure_demo_index()
        result = services.draft(req.customer, context=req.context, order=req.order)
    except CoachError as exc:
        typer.echo(f"错误 / error: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(result.public(), ensure_ascii=False))
        return
    _print(result)


def request(customer: str, context_jsonl: Path | None, order: str | None) -> Any:
    from coach.drafting import DraftRequest

    turns = read_turns(context_jsonl) if context_jsonl is not None else []
    return DraftRequest(customer=customer, context=turns, order=parse_order(order))


def read_turns(path: Path) -> list[Turn]:
    """Turns from JSON Lines; the first bad line stops with its line number (a draft needs the whole context)."""
    from coach.datasets import DatasetError, read_jsonl

    turns: list[Turn] = []
    for n, obj in read_jsonl(path):
        if isinstance(obj, DatasetError):
            raise obj
        try:
            turns.append(Turn.model_validate(obj))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise InputError(f"{path.name}:{n}: {where}: {first['msg']} (a turn is {{\"role\": "
                             "\"customer\"|\"agent\", \"text\": \"…\"}})") from None
        if len(turns) > MAX_TURNS:
            raise InputError(f"{path.name}: more than {MAX_TURNS} turns; pass the recent part of the conversation")
    return turns


def parse_order(text: str | None) -> Order | None:
    if text is None or not text.strip():
        return None
    if len(text) > MAX_ORDER_CHARS:
        raise InputError(f"--order is longer than {MAX_ORDER_CHARS} characters")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"--order is not valid JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise InputError('--order must be a JSON object, e.g. {"order_id": "…", "status": "…"}')
    try:
        return Order.model_validate(data) if data else None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"--order: {'.'.join(str(x) for x in first['loc'])}: {first['msg']}") from None


def _print(result: Any) -> None:
    from rich.console import Console

    console = Console()
    crit = result.critique
    sit = crit.situation
    console.print(f"[bold]草稿[/bold]（{result.mode}，模板 {result.template or '-'}，自检得分 {crit.score}/100"
                  + (f"，场景 {sit.scene}，情绪 {sit.emotion}" if sit else "") + "）")
    console.print(result.draft, soft_wrap=True, markup=False, highlight=False)  # one line: agents copy it
    if result.citations:
        console.print(f"[dim]引用：{', '.join(result.citations)}[/dim]")
    for f in crit.findings:
        if f.verdict == "violated":
            console.print(f"[yellow]待改进 {f.principle}：{f.explanation}[/yellow]")
    for n in result.notices:
        console.print(f"[yellow]注意：{n}[/yellow]")
