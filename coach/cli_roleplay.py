"""`coach roleplay …`: the scenario library, scripted play, resume, debrief, progress and export (interfaces.md §3).

Thin shell over coach.roleplay.service — the same functions the web tab and REST API call. `friendly` comes
from coach.cli_support; `_services` is looked up in coach.cli when a command runs (tests replace it there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from coach.cli_support import friendly

if TYPE_CHECKING:
    from coach.roleplay.debrief import Debrief
    from coach.roleplay.service import TurnResult
    from coach.services import Services

app = typer.Typer(help="Roleplay training: simulated customers, per-turn coaching, debriefs and progress.",
                  no_args_is_help=True)



def _services() -> Services:
    from coach.cli import _services as make

    return make()


def _dump(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False))


@app.command("list")
@friendly
def list_cmd(as_json: bool = typer.Option(False, "--json", help="One JSON array.")) -> None:
    """The scenario library: id, title, scene, difficulty. Broken scenario files are reported on stderr."""
    from coach.roleplay.service import list_scenarios, scenario_errors

    services = _services()
    items = list_scenarios(services)
    for path, problems in scenario_errors(services).items():
        typer.echo(f"场景文件有误，已跳过 / skipped {path}:", err=True)
        for p in problems:
            typer.echo(f"  {p}", err=True)
    if as_json:
        _dump(items)
        return
    for s in items:
        typer.echo(f"{s['id']:30} 难度{s['difficulty']}  {s['scene']:22} {s['title']}")


@app.command("validate")
@friendly
def validate_cmd(files: list[Path] = typer.Argument(..., help="Scenario YAML files to check.")) -> None:  # noqa: B008
    """Check scenario files without loading them into the library; exit 1 if any is broken."""
    from coach.roleplay.library import load_scenario
    from coach.roleplay.yamlfile import DataFileError

    bad = 0
    for f in files:
        try:
            sc = load_scenario(f)
        except DataFileError as exc:
            bad += 1
            typer.echo(f"✗ {f}")
            for p in exc.problems:
                typer.echo(f"  {p}")
            continue
        typer.echo(f"✓ {f}  ({sc.id}: {sc.title}, 难度 {sc.difficulty}, {len(sc.hidden_facts)} 条隐藏信息)")
    if bad:
        raise typer.Exit(1)


@app.command("play")
@friendly
def play_cmd(
    scenario: str = typer.Argument(..., help="Scenario id (see `coach roleplay list`)."),
    script: Path = typer.Option(..., "--script", help="Trainee turns, one per line ('#' lines are comments)."),  # noqa: B008
    seed: str = typer.Option(None, "--seed", help="Seed for the customer's line choices (same seed, same session)."),
    trainee: str = typer.Option("cli", "--trainee", help="Trainee id the session is recorded under."),
    resume: str = typer.Option(None, "--resume", help="Continue this session id instead of starting a new one."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object at the end."),
) -> None:
    """Play a scenario with the turns of FILE; stops when the customer ends the conversation."""
    from coach.errors import InputError
    from coach.roleplay import service as rp

    turns = rp.read_script(script)
    services = _services()
    services.ensure_demo_index()
    if resume:
        view = rp.get_session(services, resume)
        if view.scenario["id"] != scenario:
            raise InputError(f"session {resume} plays {view.scenario['id']!r}, not {scenario!r}")
        if view.status != "active":
            raise InputError(f"session {resume} has already ended ({view.outcome_label})")
        session_id, opening, mood = resume, view.last_customer, view.meter.mood
    else:
        start = rp.start_session(services, scenario, trainee=trainee, seed=seed)
        session_id, opening, mood = start.session_id, start.opening, start.meter.mood
        if not as_json:
            typer.echo(f"【{start.scenario['title']}】 会话 {session_id}  种子 {start.seed}\n{start.briefing}")
            for n in start.notices:
                typer.echo(f"注意：{n}", err=True)
    if not as_json:
        typer.echo(f"\n顾客：{opening}   （情绪 {mood}）")
    results = []
    for text in turns:
        r = rp.take_turn(services, session_id, text)
        results.append(r)
        if not as_json:
            _print_turn(r)
        if r.ended:
            break
    ended = results[-1].ended if results else False
    debrief = rp.end_session(services, session_id)
    if as_json:
        _dump({"session_id": session_id, "scenario": scenario, "seed": rp.get_session(services, session_id).seed,
               "opening": opening, "turns": [_turn_json(r) for r in results], "outcome": debrief.status,
               "ended_by_customer": ended, "debrief": debrief.model_dump(mode="json")})
    else:
        _print_debrief(debrief)


def _turn_json(r: TurnResult) -> dict[str, Any]:
    return {"turn": r.turn, "trainee": r.trainee, "customer": r.customer, "score": r.score,
            "mood": r.mood_after, "mood_change": r.mood_after - r.mood_before, "trust": r.trust_after,
            "violations": r.violations,
            "findings": [f.model_dump(mode="json", exclude_none=True) for f in r.findings],
            "revealed": [f.model_dump() for f in r.revealed], "caught": [c.model_dump() for c in r.caught],
            "status": r.status, "process_ms": r.process_ms}


def _print_turn(r: TurnResult) -> None:
    typer.echo(f"\n第{r.turn}轮  学员：{r.trainee}")
    typer.echo(f"  得分 {r.score}  情绪 {r.mood_before}→{r.mood_after}（{r.meter.band_label}）  "
               f"信任 {r.trust_before}→{r.trust_after}")
    for f in r.findings:
        if f.verdict == "violated":
            typer.echo(f"  ✗ {f.principle}: 「{f.evidence}」 {f.suggestion}")
    for c in r.caught:
        typer.echo(f"  ⚠ 顾客抓住了：{c.note}")
    for fact in r.revealed:
        typer.echo(f"  ★ 问出了关键信息：{fact.fact}")
    typer.echo(f"顾客：{r.customer}")
    if r.ended:
        typer.echo(f"\n—— 结束：{r.outcome_label} ——")


def _print_debrief(d: Debrief) -> None:
    typer.echo(f"\n复盘：{d.title}  结果 {d.outcome_label}  平均得分 {d.score}  "
               f"情绪 {d.mood_start}→{d.mood_end}  {'通过' if d.passed else '未通过'}")
    for p in d.principles:
        prev = f"（以往 {p.previous:.0f}）" if p.previous is not None else ""
        typer.echo(f"  {p.name:8} {p.score:5.0f}  做到 {p.applied} / 违反 {p.violated}{prev}")
    if d.worst and d.worst.rewrite:
        typer.echo(f"最需要改进的一轮（第{d.worst.turn}轮，{d.worst.score}分）：{d.worst.trainee}\n  建议改写：{d.worst.rewrite}")
    for tip in d.tips:
        typer.echo(f"  · {tip}")


@app.command("debrief")
@friendly
def debrief_cmd(session: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """The debrief of an ended session."""
    from coach.roleplay.service import debrief

    d = debrief(_services(), session)
    if as_json:
        _dump(d.model_dump(mode="json"))
    else:
        _print_debrief(d)


@app.command("sessions")
@friendly
def sessions_cmd(trainee: str = typer.Option(None, "--trainee"), status: str = typer.Option(None, "--status"),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Recorded sessions (status `active` ones can be resumed with `play --resume`)."""
    from coach.roleplay.service import list_sessions

    rows = list_sessions(_services(), trainee, status)
    if as_json:
        _dump(rows)
        return
    for r in rows:
        typer.echo(f"{r['session_id']}  {r['trainee']:12} {r['scenario_id']:28} {r['status']:10} {r['score']}")


@app.command("progress")
@friendly
def progress_cmd(trainee: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """A trainee's per-principle progress and the recommended next scenario."""
    from coach.roleplay.service import progress, recommend

    services = _services()
    prog, rec = progress(services, trainee), recommend(services, trainee)
    if as_json:
        _dump({"progress": prog.model_dump(mode="json"), "recommendation": rec.model_dump() if rec else None})
        return
    typer.echo(f"{trainee}: {len(prog.sessions)} 场，平均 {prog.mean_score}，解决率 {prog.resolved_rate}")
    for t in prog.principles:
        typer.echo(f"  {t.name:8} 平均 {t.mean:5.1f}  趋势 {t.trend:+.1f}  ({t.sessions} 场)")
    if rec:
        typer.echo(f"推荐下一场：{rec.scenario_id}（{rec.title}）— {rec.reason}")


@app.command("export")
@friendly
def export_cmd(session: str = typer.Argument(...),
               fmt: str = typer.Option("md", "--format", help="md or csv"),
               output: Path = typer.Option(None, "--output", help="Write here instead of stdout.")) -> None:  # noqa: B008
    """Export a transcript with personal data masked."""
    from coach.roleplay.service import export_session

    text = export_session(_services(), session, fmt)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)
