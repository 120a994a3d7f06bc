"""`coach eval …`: run suites, list and compare runs, write baselines, validate suite and dataset files.

Thin shell over coach.evaluation (the same functions the web app's QA tab uses). Exit codes of `run`: 0 all gates
passed, 1 a gate failed, 2 bad input, 130 interrupted (resume with `--resume RUN_ID`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from coach.cli_support import friendly

app = typer.Typer(help="Evaluation suites for QA: run, compare, gate.", no_args_is_help=True)




def _settings() -> Any:
    from coach.cli_support import load_settings

    return load_settings()


@app.command("run")
@friendly
def run_cmd(
    suite: str = typer.Argument(None, help="A suite name in eval/suites/ (smoke, critique, …) or a .yaml path."),
    limit: int = typer.Option(None, "--limit", min=1, help="At most N items per task (a seeded sample)."),
    seed: int = typer.Option(None, "--seed", help="Sampling and bootstrap seed."),
    repeat: int = typer.Option(None, "--repeat", min=1, max=100, help="Run every item K times (LLM variance)."),
    concurrency: int = typer.Option(None, "--concurrency", min=1, max=64, help="Items in flight (remote endpoints)."),
    dataset: Path = typer.Option(None, "--dataset", help="Run the critique task on this case-schema JSONL instead."),  # noqa: B008
    resume: str = typer.Option(None, "--resume", help="Finish an interrupted run: only its missing items run."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Run a suite; writes JSON/Markdown/HTML reports; exits 1 when a gate fails."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from coach.evaluation import Overrides, RunInterrupted, run_suite
    from coach.services import Services

    services = Services(_settings())
    console = Console(stderr=True)
    overrides = Overrides(limit=limit, seed=seed, repeat=repeat, concurrency=concurrency, dataset=dataset)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("评测中…", total=None)

        def progress(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label[:40])

        try:
            result = run_suite(services, suite, overrides=overrides, resume=resume, progress=progress)
        except RunInterrupted as exc:
            bar.stop()
            console.print(f"interrupted; finished items are saved. Resume: coach eval run --resume {exc.run_id}")
            raise typer.Exit(130) from None
    summary = _summary(result.report, {k: str(p) for k, p in result.paths.items()})
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print_summary(summary)
    if not result.passed:
        raise typer.Exit(1)


def _summary(report: dict[str, Any], paths: dict[str, str]) -> dict[str, Any]:
    return {"run_id": report["run_id"], "suite": report["suite"], "passed": report["passed"],
            "mode": report["provenance"]["settings"]["mode"], "reports": paths,
            "tasks": {label: {"cases": t["cases"], "errors": t["errors"], "latency_p50_ms": t["latency_p50_ms"],
                              "latency_p95_ms": t["latency_p95_ms"], "metrics": t["metrics"], "gates": t["gates"]}
                      for label, t in report["tasks"].items()}}


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for label, t in summary["tasks"].items():
        table = Table(title=f"{label}: {t['cases']} cases · errors {t['errors']} · "
                            f"p50 {t['latency_p50_ms']} ms · p95 {t['latency_p95_ms']} ms")
        for col in ("metric", "value", "95% CI"):
            table.add_column(col)
        for name, m in t["metrics"].items():
            ci = f"[{m['ci'][0]:.3f}, {m['ci'][1]:.3f}]" if m["ci"] else "—"
            table.add_row(name, "n/a" if m["value"] is None else f"{m['value']:.3f}", ci)
        console.print(table)
        for g in t["gates"]:
            mark = "[green]pass[/green]" if g["passed"] else "[red]FAIL[/red]"
            bound = "" if g["bound"] is None else f" {g['bound']}"
            console.print(f"  gate {g['metric']} {g['kind']}{bound}: {g['value']} {mark} {g['note']}")
    verdict = "[green]PASS[/green]" if summary["passed"] else "[red]FAIL[/red]"
    console.print(f"suite {summary['suite']} {verdict} · run {summary['run_id']} · mode {summary['mode']}")
    for kind, path in summary["reports"].items():
        console.print(f"  {kind}: {path}")


@app.command("list")
@friendly
def list_cmd(suite: str = typer.Option(None, "--suite", help="Only this suite's runs."),
             limit: int = typer.Option(30, "--limit", min=1),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Past runs, newest first."""
    from rich.console import Console
    from rich.table import Table

    from coach.evaluation import list_runs

    rows = list_runs(_settings(), suite=suite, limit=limit)
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("no runs yet: coach eval run SUITE")
        return
    table = Table()
    table.add_column("run id", no_wrap=True)  # copied into `compare`/`--resume`: never wrapped
    for col in ("status", "gates", "cases", "commit", "mode"):
        table.add_column(col, no_wrap=True)
    for r in rows:  # the suite is part of the run id
        gates = "-" if r.passed is None else ("[green]pass[/green]" if r.passed else "[red]FAIL[/red]")
        table.add_row(r.run_id, r.status, gates, str(r.cases), (r.git_commit or "-")[:7],
                      str(r.settings.get("mode", "-")))
    Console().print(table)


@app.command("suites")
@friendly
def suites_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """The suites in eval/suites/."""
    from coach.evaluation import list_suites

    suites = list_suites(_settings())
    if as_json:
        typer.echo(json.dumps(suites, ensure_ascii=False, indent=2))
        return
    for s in suites:
        state = f"INVALID: {s['error']}" if s["error"] else ", ".join(s["tasks"])
        typer.echo(f"{s['name']:12} {state}  {s['description']}")


@app.command("compare")
@friendly
def compare_cmd(run_a: str = typer.Argument(..., help="The reference run."),
                run_b: str = typer.Argument(..., help="The run to compare with it."),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Metric deltas B − A; '*' = B outside A's 95% interval."""
    from rich.console import Console
    from rich.table import Table

    from coach.evaluation import compare_runs

    cmp = compare_runs(_settings(), run_a, run_b)
    if as_json:
        typer.echo(json.dumps(cmp, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{cmp['a']['run_id']} → {cmp['b']['run_id']}")
    for col in ("metric", "A", "A 95% CI", "B", "delta", "significant"):
        table.add_column(col, no_wrap=True)
    for row in cmp["rows"]:
        delta = "n/a" if row["delta"] is None else f"{row['delta']:+.4f}"
        flag = "[red]* worse[/red]" if row["worse"] else ("*" if row["significant"] else "")
        ci = f"[{row['a_ci'][0]:.3f}, {row['a_ci'][1]:.3f}]" if row["a_ci"] else "—"
        table.add_row(row["metric"], _fmt(row["a"]), ci, _fmt(row["b"]), delta, flag)
    console = Console()
    console.print(table)
    for note in cmp["notes"]:
        console.print(f"[yellow]note:[/yellow] {note}")


def _fmt(v: Any) -> str:
    return "n/a" if v is None else f"{v:.4f}" if isinstance(v, float) else str(v)


@app.command("baseline")
@friendly
def baseline_cmd(run_id: str = typer.Argument(..., help="A finished run whose metrics become the baseline.")) -> None:
    """Write eval/baselines/<suite>.json from a run (review and commit it)."""
    from coach.evaluation import write_baseline_for

    typer.echo(f"wrote {write_baseline_for(_settings(), run_id)}")


@app.command("validate")
@friendly
def validate_cmd(paths: list[Path] = typer.Argument(None, help="Suite .yaml files; default: every suite in "  # noqa: B008
                                                   "eval/suites/ and every dataset they use.")) -> None:
    """Check suites and their datasets; prints every problem as file:line: message; exits 1 if any."""
    from coach.evaluation.validate import validate

    problems, checked = validate(_settings(), list(paths or []))
    for p in problems:
        typer.echo(p)
    typer.echo(f"{len(checked)} file(s) checked, {len(problems)} problem(s)", err=True)
    if problems:
        raise typer.Exit(1)
