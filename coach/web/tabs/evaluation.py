"""评测 (QA): pick a suite, run it with a progress bar, read the summary, the per-metric and per-principle tables and
the report, compare with the suite's baseline or an earlier run, download the HTML/JSON/Markdown report.

The runs go through coach.evaluation (the same runner as `coach eval run`), so a run started here is in
`coach eval list` too."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import gradio as gr
import pandas as pd

from coach.errors import CoachError
from coach.evaluation import compare_runs, list_runs, list_suites, report_paths, run_suite
from coach.evaluation.gates import flat_metrics, load_baseline
from coach.services import Services
from coach.web.render import md_inline, sandboxed_report

ProgressFn = Callable[[int, int, str], None]
METRIC_COLUMNS = ["任务", "指标", "数值", "95% 区间"]
PRINCIPLE_COLUMNS = ["原则", "精确率", "召回率", "F1", "样本数"]
BASELINE_COLUMNS = ["指标", "基线", "基线 95% 区间", "本次", "差值", "显著变差"]


class RunView(NamedTuple):
    summary: str
    metrics: pd.DataFrame
    principles: pd.DataFrame
    baseline: pd.DataFrame
    report: str              # the HTML report, sandboxed
    files: list[str] | None  # copies of the report files to download
    runs: Any                # gr.update of the run pickers (the new run included)


def _fmt(v: Any) -> str:
    if v is None:
        return "n/a"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def _ci(ci: Any) -> str:
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "—"


def suite_choices(services: Services) -> Any:
    choices = []
    for s in list_suites(services.settings):
        label = f"{s['name']} — {s['description']}" if not s["error"] else f"{s['name']}（文件有误：{s['error'][:60]}）"
        choices.append((label, s["name"]))
    default = "smoke" if any(v == "smoke" for _, v in choices) else (choices[0][1] if choices else None)
    return gr.update(choices=choices, value=default)


def run_choices(services: Services) -> Any:
    rows = [r for r in list_runs(services.settings, limit=50) if r.status == "done"]
    choices = [(f"{r.run_id}（{'通过' if r.passed else '未通过'}）", r.run_id) for r in rows]
    return gr.update(choices=choices, value=choices[0][1] if choices else None)


def _seconds(timing: dict[str, Any]) -> str:
    """The run's duration: total_s when the report has it (it is added after the report files are written)."""
    if "total_s" in timing:
        return f"{timing['total_s']:.1f}"
    parts = [timing.get(k) for k in ("load_s", "cases_s", "aggregate_s")]
    return f"{sum(p for p in parts if isinstance(p, (int, float))):.1f}" if any(parts) else "-"


def summary_markdown(report: dict[str, Any]) -> str:
    verdict = "✅ 全部门槛通过" if report["passed"] else "❌ 有门槛未通过"
    lines = [f"### {md_inline(report['suite'])}：{verdict}",
             f"运行 `{report['run_id']}` · 模式 {report['provenance']['settings']['mode']} · "
             f"用时 {_seconds(report.get('timing') or {})} 秒"]
    for label, t in report["tasks"].items():
        failed = [g for g in t["gates"] if not g["passed"]]
        mark = "✅" if not failed else "❌"
        lines.append(f"- {mark} **{md_inline(label)}**：{t['cases']} 条 · 错误 {t['errors']} · "
                     f"p50 {t['latency_p50_ms']} ms · p95 {t['latency_p95_ms']} ms")
        lines += [f"  - 未通过：`{g['metric']}` {g['kind']} {_fmt(g['bound'])}，实际 {_fmt(g['value'])} "
                  f"{md_inline(g['note'])}" for g in failed]
    return "\n".join(lines)


def metrics_table(report: dict[str, Any]) -> pd.DataFrame:
    rows = [[label, name, _fmt(m["value"]), _ci(m.get("ci"))]
            for label, t in report["tasks"].items() for name, m in t["metrics"].items()]
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


def principle_table(report: dict[str, Any], names: Callable[[str], str]) -> pd.DataFrame:
    rows = []
    for t in report["tasks"].values():
        for pid, m in (t.get("details") or {}).get("per_principle", {}).items():
            rows.append([f"{names(pid)}（{pid}）", _fmt(m.get("precision")), _fmt(m.get("recall")),
                         _fmt(m.get("f1")), m.get("support", "")])
    return pd.DataFrame(rows, columns=PRINCIPLE_COLUMNS)


def baseline_table(services: Services, report: dict[str, Any]) -> pd.DataFrame:
    """This run against eval/baselines/<suite>.json: significantly worse = outside the baseline's 95 % interval
    in the bad direction (lower-is-better metrics such as error and false-alarm rates respected)."""
    base = load_baseline(services.settings, report["suite"])
    if base is None:
        return pd.DataFrame([["（这个评测集还没有基线）", "", "", "", "", ""]], columns=BASELINE_COLUMNS)
    lower = {f"{label}.{m}" for label, t in report["tasks"].items() for m in t.get("lower_is_better", [])}
    rows = []
    for name, now in flat_metrics(report["tasks"]).items():
        b = base["metrics"].get(name)
        if b is None or name.endswith((".cases", "latency_p50_ms", "latency_p95_ms")):
            continue
        va, vb, ci = b.get("value"), now["value"], b.get("ci")
        delta = vb - va if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None
        worse = bool(ci and vb is not None and ((vb > ci[1]) if name in lower or name.endswith("errors")
                                                else (vb < ci[0])))
        rows.append([name, _fmt(va), _ci(ci), _fmt(vb), "n/a" if delta is None else f"{delta:+.3f}",
                     "⚠️ 是" if worse else ""])
    return pd.DataFrame(rows, columns=BASELINE_COLUMNS)


def downloads(paths: dict[str, Path]) -> list[str]:
    """Copies of the report files in a temp folder: the data dir itself is blocked from the web server."""
    folder = Path(tempfile.mkdtemp(prefix="coach-report-"))
    out = []
    for kind in ("html", "json", "md"):
        if kind in paths:
            out.append(str(shutil.copyfile(paths[kind], folder / paths[kind].name)))
    return out


def show_run(services: Services, run_id: str | None) -> RunView:
    """A finished run's summary, tables, report and downloads (also used to browse earlier runs)."""
    empty = pd.DataFrame(columns=METRIC_COLUMNS)
    try:
        paths = report_paths(services.settings, run_id or "")
    except CoachError as exc:
        paths, note = {}, str(exc)
    else:
        note = f"运行 {run_id} 没有报告（未完成或不存在）。"
    if "json" not in paths:
        return RunView(f"**{md_inline(note)}**", empty, pd.DataFrame(columns=PRINCIPLE_COLUMNS),
                       pd.DataFrame(columns=BASELINE_COLUMNS), "", None, gr.skip())
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    html_report = sandboxed_report(paths["html"].read_text(encoding="utf-8")) if "html" in paths else ""
    try:
        base = baseline_table(services, report)
    except CoachError as exc:
        base = pd.DataFrame([[str(exc), "", "", "", "", ""]], columns=BASELINE_COLUMNS)
    return RunView(summary_markdown(report), metrics_table(report),
                   principle_table(report, services.critic.rubric.name), base, html_report, downloads(paths),
                   gr.skip())


def run_handler(services: Services, suite: str | None, progress: ProgressFn | None = None) -> RunView:
    if not suite:
        return show_run(services, None)._replace(summary="**请先选择评测集。**")
    try:
        result = run_suite(services, suite, progress=progress)
    except CoachError as exc:
        return show_run(services, None)._replace(summary=f"**评测无法运行：** {md_inline(str(exc))}")
    return show_run(services, result.run_id)._replace(runs=run_choices(services))


def compare_handler(services: Services, run_a: str | None, run_b: str | None) -> tuple[str, pd.DataFrame]:
    columns = ["指标", "A", "A 95% 区间", "B", "差值 B−A", "显著"]
    if not run_a or not run_b:
        return "**请选择两次运行。**", pd.DataFrame(columns=columns)
    try:
        cmp = compare_runs(services.settings, run_a, run_b)
    except CoachError as exc:
        return f"**{md_inline(str(exc))}**", pd.DataFrame(columns=columns)
    rows = [[r["metric"], _fmt(r["a"]), _ci(r["a_ci"]), _fmt(r["b"]),
             "n/a" if r["delta"] is None else f"{r['delta']:+.4f}",
             "⚠️ 变差" if r["worse"] else ("*" if r["significant"] else "")] for r in cmp["rows"]]
    notes = "\n".join(f"- 注意：{md_inline(n)}" for n in cmp["notes"])
    head = f"**A** `{cmp['a']['run_id']}` → **B** `{cmp['b']['run_id']}`（* = B 落在 A 的 95% 区间之外）"
    return head + ("\n" + notes if notes else ""), pd.DataFrame(rows, columns=columns)


def build(services: Services) -> list[Any]:
    """The tab; returns what to run when the page loads (fill the suite and run pickers)."""
    with gr.Row():
        suite = gr.Dropdown([], label="评测集", scale=3, elem_id="eval-suite")
        go = gr.Button("运行评测", variant="primary", scale=1, elem_id="eval-run")
    summary = gr.Markdown(elem_id="eval-summary")
    with gr.Row():
        metrics = gr.Dataframe(headers=METRIC_COLUMNS, label="各项指标", interactive=False, max_height=360)
        principles = gr.Dataframe(headers=PRINCIPLE_COLUMNS, label="各原则（点评任务）", interactive=False,
                                  max_height=360)
    baseline = gr.Dataframe(headers=BASELINE_COLUMNS, label="与基线比较", interactive=False, max_height=300)
    files = gr.File(label="下载报告（HTML / JSON / Markdown）", file_count="multiple", interactive=False)
    with gr.Accordion("完整报告", open=False, elem_id="eval-report-box"):
        report = gr.HTML(elem_id="eval-report")
    with gr.Accordion("历史运行与对比", open=False):
        with gr.Row():
            run_a = gr.Dropdown([], label="A（参照）")
            run_b = gr.Dropdown([], label="B")
        with gr.Row():
            show = gr.Button("查看 B 的报告")
            cmp = gr.Button("比较 A 和 B")
        cmp_note = gr.Markdown()
        cmp_table = gr.Dataframe(label="B − A", interactive=False, max_height=360)

    def run(name: str, progress: gr.Progress = gr.Progress()) -> RunView:  # noqa: B008 (Gradio injects it)
        def tick(done: int, total: int, label: str) -> None:
            progress((done, total), desc=label[:40])

        return run_handler(services, name, tick)

    view = [summary, metrics, principles, baseline, report, files]
    go.click(run, suite, [*view, run_a], concurrency_limit=1, concurrency_id="eval-run").then(
        lambda: run_choices(services), None, run_b)
    show.click(lambda r: show_run(services, r)[:-1], run_b, view)
    cmp.click(lambda a, b: compare_handler(services, a, b), [run_a, run_b], [cmp_note, cmp_table])
    return [(lambda: suite_choices(services), [], [suite]),
            (lambda: run_choices(services), [], [run_a]),
            (lambda: run_choices(services), [], [run_b])]
