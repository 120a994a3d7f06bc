"""`coach kb …`: index the shop's files and search them (interfaces.md §3).

Thin shell over coach.retrieval.KnowledgeBase; the shared CLI helpers come from coach.cli_support.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer

from coach.cli_support import friendly

app = typer.Typer(help="Knowledge base: index and search the shop's products and policies.", no_args_is_help=True)


def _open(rebuild: bool = False, max_file_mb: float | None = None) -> Any:
    from coach.cli_support import load_settings
    from coach.retrieval import KnowledgeBase
    from coach.retrieval.loaders import DEFAULT_MAX_FILE_BYTES

    limit = int(max_file_mb * 1024 * 1024) if max_file_mb else DEFAULT_MAX_FILE_BYTES
    return KnowledgeBase.open(load_settings(), max_file_bytes=limit, allow_mismatch=rebuild)


@app.command("index")
@friendly
def index_cmd(
    paths: list[Path] = typer.Argument(None, help="Files or folders: .md .yaml .csv .docx .pptx .pdf"),  # noqa: B008
    rebuild: bool = typer.Option(False, "--rebuild", help="Build a fresh index aside, verify it, then swap it in "
                                 "(needed after changing the embedding model). Without PATH: the paths indexed before."),
    max_file_mb: float = typer.Option(20.0, "--max-file-mb", help="Refuse files larger than this."),
) -> None:
    """Index files into the KB of COACH_DATA_DIR; only new or changed files are embedded."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if not paths and not rebuild:
        typer.echo("give at least one PATH (or --rebuild to rebuild the paths indexed before)", err=True)
        raise typer.Exit(2)
    kb = _open(rebuild, max_file_mb)
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("索引中…", total=None)

        def progress(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label[:40])

        report = kb.index(list(paths or []), rebuild=rebuild, progress=progress)
    _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="知识库索引 / index summary" + ("（重建 rebuild）" if report.rebuilt else ""))
    table.add_column("files")
    table.add_column("count", justify="right")
    for name, items in (("added", report.added), ("updated", report.updated), ("removed", report.removed),
                        ("unchanged", report.unchanged), ("failed", report.failed), ("skipped", report.skipped)):
        table.add_row(name, str(len(items)))
    console.print(table)
    console.print(f"chunks: {report.chunks_total} in index, {report.chunks_embedded} embedded, "
                  f"{report.chunks_reused} reused · {report.seconds:.1f}s · generation {report.generation or '-'}")
    if report.failed or report.warnings:
        issues = Table(title="problems (the rest was indexed)", show_lines=False)
        issues.add_column("file", overflow="fold")
        issues.add_column("reason", overflow="fold")
        for issue in report.failed:
            issues.add_row(f"[red]{_short(issue.path)}[/red]", issue.reason)
        for issue in report.warnings:
            issues.add_row(f"[yellow]{_short(issue.path)}[/yellow]", f"warning: {issue.reason}")
        console.print(issues)


def _short(path: str) -> str:
    """Paths relative to the working directory when they are under it: shorter, still unambiguous."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


@app.command("search")
@friendly
def search_cmd(
    query: str = typer.Argument(..., help="The question, in Chinese (Traditional is fine)."),
    k: int = typer.Option(5, "-k", "--k", min=1, max=100, help="How many chunks."),
    types: list[str] = typer.Option(None, "--type", "-t", help="policy | promotion | product | template | document"),  # noqa: B008
    sku: str | None = typer.Option(None, "--sku", help="Only this product's chunks."),
    as_of: str | None = typer.Option(None, "--as-of", help="Day validity is judged on (YYYY-MM-DD); default today."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid | dense | bm25"),
    validity: str = typer.Option("auto", "--validity", help="auto: in force, plus ended/coming promotions the "
                                 "question names (marked 〔已结束〕/〔未开始〕) | active: in force only | any"),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list of passages."),
) -> None:
    """Hybrid search: ranked chunks with their citation ids."""
    from coach.errors import InputError

    if mode not in ("hybrid", "dense", "bm25"):
        raise InputError(f"--mode must be hybrid, dense or bm25, not {mode!r}")
    if validity not in ("auto", "active", "any"):
        raise InputError(f"--validity must be auto, active or any, not {validity!r}")
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise InputError(f"--as-of must be a date like 2026-11-23, not {as_of!r}") from None
    kb = _open()
    hits = kb.search(query, k, types=types or None, sku=sku, as_of=day, mode=mode, validity=validity)
    if as_json:
        typer.echo(json.dumps([h.model_dump(mode="json") for h in hits], ensure_ascii=False, indent=2))
        return
    _print_hits(hits, kb.is_empty())


def _print_hits(hits: list[Any], empty: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not hits:
        console.print("知识库为空：先运行 `coach kb index PATH…`" if empty else "没有找到相关内容 (no match)")
        return
    table = Table(show_lines=True)
    for col in ("#", "id", "score", "title / section", "text"):
        table.add_column(col, overflow="fold")
    for rank, h in enumerate(hits, start=1):
        snippet = h.text.replace("\n", " ")
        snippet = snippet[:120] + ("…" if len(snippet) > 120 else "")
        title = f"{h.title}\n{h.section}" if h.section and h.section != h.title else h.title
        table.add_row(str(rank), h.id, f"{h.score:.4f}", title, snippet)
    console.print(table)


@app.command("stats")
@friendly
def stats_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """What is indexed: chunks by type, files, model, and the last run's errors."""
    stats = _open().stats()
    stats.pop("last_run", None)
    if as_json:
        typer.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    for key, value in stats.items():
        typer.echo(f"{key}: {value}")
