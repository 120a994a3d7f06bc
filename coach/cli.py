"""The `coach` console script (contracts in shared/design/interfaces.md §3).

Each command is a thin shell: parse arguments, build Settings once, call the same service functions the web app
and the REST API use, print. User-facing errors (`CoachError`) are printed without a traceback and exit 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coach.offline import configure_offline

configure_offline()

import typer  # noqa: E402  (after configure_offline: gradio/chroma read the env at import)

from coach.cli_support import friendly, load_settings  # noqa: E402
from coach.errors import CoachError, InputError  # noqa: E402
from coach.models import Case, Critique  # noqa: E402

if TYPE_CHECKING:
    from coach.services import Services

app = typer.Typer(help="话术教练 — customer-service coaching (rules mode offline; LLM mode when configured).",
                  no_args_is_help=True, pretty_exceptions_enable=False)
from coach import cli_draft, cli_eval, cli_kb  # noqa: E402
from coach.cli_roleplay import app as roleplay_cli  # noqa: E402
from coach.cli_users import app as users_app  # noqa: E402

app.add_typer(cli_kb.app, name="kb", help="Knowledge base: index and search the shop's products and policies.")
app.add_typer(roleplay_cli, name="roleplay")
app.add_typer(cli_eval.app, name="eval")
app.add_typer(users_app, name="users")
app.command("draft")(cli_draft.draft)

@app.command()
def mode() -> None:
    """Say which mode is active (rules or LLM) and where data lives. Never prints a key or a URL's credentials."""
    s = load_settings()
    if s.llm_enabled:
        from coach.llm import describe  # only in LLM mode: rules mode never imports the LLM stack

        typer.echo(f"mode: llm — {describe(s)}")
        typer.echo(f"api key: {'configured' if s.llm_api_key else 'not set'}; roleplay customer: "
                   f"{s.roleplay_customer}")
    else:
        half = "COACH_LLM_MODEL" if s.llm_base_url else "COACH_LLM_BASE_URL" if s.llm_model else ""
        typer.echo("mode: rules mode (no LLM configured" + (f": {half} is missing" if half else "") + ") — "
                   "offline analyzers, claim checker, template drafting, scripted customers")
    typer.echo(f"data dir: {s.data_dir}")


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())


# ---------------------------------------------------------------------------------------------------- critique


def _services() -> Services:
    from coach.services import Services

    return Services(load_settings())


def _print_critique(crit: Critique) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    sit = crit.situation
    console.print(f"[bold]得分 {crit.score}/100[/bold]  模式: {crit.mode}"
                  + (f"  场景: {sit.scene}  情绪: {sit.emotion}  首次回复: {'是' if sit.first_reply else '否'}" if sit else ""))
    table = Table(show_lines=True)
    for col in ("原则", "结论", "证据", "说明 / 建议", "引用"):
        table.add_column(col)
    mark = {"violated": "[red]违反[/red]", "applied": "[green]做到[/green]", "not_applicable": "[dim]不适用[/dim]"}
    for f in crit.findings:
        if f.verdict == "not_applicable":
            continue
        advice = f.explanation + (f"\n→ {f.suggestion}" if f.verdict == "violated" and f.suggestion.strip() else "")
        table.add_row(f.principle, mark[f.verdict], f.evidence, advice, ", ".join(f.citations))
    console.print(table)
    if crit.rewrite:
        console.print(f"[bold]建议改写：[/bold]{crit.rewrite}")
    for n in crit.notices:
        console.print(f"[yellow]注意：{n}[/yellow]")


@app.command()
@friendly
def critique(
    customer: str = typer.Option(None, "--customer", help="The customer's latest message."),
    draft: str = typer.Option(None, "--draft", help="The agent's draft reply."),
    jsonl: Path = typer.Option(None, "--jsonl", help="Critique every case of a JSONL file (interfaces.md §2)."),  # noqa: B008
    output: Path = typer.Option(None, "--output", help="With --jsonl: write the JSON lines here instead of stdout."),  # noqa: B008
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Critique a draft against the twelve principles, or a JSONL batch of cases against the KB of COACH_DATA_DIR."""
    services = _services()
    if jsonl is not None:
        failed = critique_batch(services, jsonl, output)
        if failed:
            typer.echo(f"{failed} case(s) could not be critiqued; see the \"error\" field of those lines", err=True)
            raise typer.Exit(1)
        return
    if draft is None:
        raise InputError("give --draft (and --customer), or --jsonl FILE")
    services.ensure_demo_index()
    crit = services.critique(Case(customer=customer or "", draft=draft))
    if as_json:
        typer.echo(json.dumps(crit.public(), ensure_ascii=False))
    else:
        _print_critique(crit)


def critique_batch(services: Services, path: Path, output: Path | None) -> int:
    """One output line per input line, in order; a bad line yields {"id", "error"} and the batch goes on."""
    from coach.datasets import read_cases

    if services.kb.is_empty():
        typer.echo("note: the KB of COACH_DATA_DIR is empty; concrete claims are not checked "
                   "(run `coach kb index PATH…` first)", err=True)
    failed = 0
    out = output.open("w", encoding="utf-8") if output else None
    try:
        for item in read_cases(path):
            if isinstance(item, Exception):
                record: dict[str, object] = {"id": getattr(item, "case_id", ""), "error": str(item)}
                failed += 1
            else:
                try:
                    record = services.critique(item).public()
                except CoachError as exc:
                    record = {"id": item.id, "error": str(exc)}
                    failed += 1
            line = json.dumps(record, ensure_ascii=False)
            if out:
                out.write(line + "\n")
            else:
                typer.echo(line)
    finally:
        if out:
            out.close()
    return failed
