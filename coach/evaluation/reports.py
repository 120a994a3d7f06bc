"""A run's reports: JSON (machines), Markdown (a PR comment) and one self-contained HTML page with inline SVG charts.

Written once, when the run finishes, into its own folder (runs/<run id>/): reports are never overwritten. Case text
in them comes from the tasks already masked (coach.privacy.mask); the templates autoescape HTML, so text from a
dataset (an injection probe, a draft) is shown, never interpreted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from coach.evaluation import history, svg
from coach.settings import Settings

TEMPLATES = Path(__file__).with_name("templates")
TREND_RUNS = 20


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "html.j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["num"] = _num
    env.filters["ci"] = _ci
    env.filters["cell"] = lambda v: str(_plain(v)).replace("|", "\\|").replace("\n", " ")
    env.filters["plain"] = _plain
    return env


def _num(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def _ci(v: Any) -> str:
    return f"[{v[0]:.3f}, {v[1]:.3f}]" if v else "—"


def _plain(v: Any) -> str:
    if isinstance(v, list):
        return ", ".join(_plain(x) for x in v)
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_plain(x)}" for k, x in v.items())
    return _num(v)


def trend(settings: Settings, report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per task: the suite's previous finished runs plus this one, oldest first, for up to four metrics."""
    previous = [r for r in history.list_runs(settings, suite=report["suite"], limit=TREND_RUNS - 1, done_only=True)
                if r.run_id != report["run_id"]][::-1]
    out: dict[str, dict[str, Any]] = {}
    for label, t in report["tasks"].items():
        gated = [g["metric"] for g in t["gates"] if g["metric"] in t["metrics"]]
        names = list(dict.fromkeys(gated + list(t["metrics"])))[:4]
        runs = [r.run_id for r in previous] + [report["run_id"]]
        series = {m: [_value(r.metrics, label, m) for r in previous] + [t["metrics"][m]["value"]] for m in names}
        out[label] = {"runs": runs, "series": series}
    return out


def _value(metrics: dict[str, Any], label: str, name: str) -> float | None:
    value = metrics.get(label, {}).get("metrics", {}).get(name, {}).get("value")
    return value if isinstance(value, (int, float)) else None


def charts(label: str, t: dict[str, Any], tr: dict[str, Any]) -> list[Markup]:
    names = list(t["metrics"])
    values = [t["metrics"][m]["value"] for m in names]
    top = max([1.0, *(float(v) for v in values if v is not None)])  # rates fill [0, 1]; a count scales the axis
    out = [svg.bar_chart(names, values, max_value=top,
                         intervals=[tuple(t["metrics"][m]["ci"]) if t["metrics"][m]["ci"] else None for m in names],
                         title=f"{label}: headline metrics (95% CI)")]
    per = t["details"].get("per_principle")
    if per:
        out.append(svg.bar_chart(list(per), [v["f1"] for v in per.values()], title=f"{label}: F1 per principle"))
    conf = t["details"].get("confusion")
    if conf:
        out.append(svg.heatmap(conf["labels"], conf["matrix"], title=f"{label}: confusion (cases)"))
    out.append(svg.histogram(t["latency_ms"], title=f"{label}: latency per case"))
    if tr and tr["runs"]:
        out.append(svg.line_chart(tr["runs"], tr["series"], title=f"{label}: trend over runs"))
    return [Markup(c) for c in out]  # built by coach.evaluation.svg, which escapes every label


def tables(details: dict[str, Any]) -> list[dict[str, Any]]:
    """Every list-of-rows or mapping-of-rows in a task's details as a generic table (title, columns, rows)."""
    out: list[dict[str, Any]] = []
    for key, value in details.items():
        if key in ("confusion",):
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            cols = list(dict.fromkeys(k for row in value for k in row))
            out.append({"title": key, "columns": cols, "rows": [[row.get(c, "") for c in cols] for row in value]})
        elif isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            cols = list(dict.fromkeys(k for row in value.values() for k in row))
            out.append({"title": key, "columns": ["", *cols],
                        "rows": [[name, *(row.get(c, "") for c in cols)] for name, row in value.items()]})
        elif isinstance(value, str):
            out.append({"title": key, "text": value})
    return out


def write_reports(settings: Settings, report: dict[str, Any], folder: Path) -> dict[str, Path]:
    report["trend"] = trend(settings, report)
    env = _env()
    view = {"r": report, "tables": {label: tables(t["details"]) for label, t in report["tasks"].items()}}
    paths = {"json": folder / "report.json", "md": folder / "report.md", "html": folder / "report.html"}
    _create(paths["json"], json.dumps(report, ensure_ascii=False, indent=2))
    _create(paths["md"], env.get_template("report.md.j2").render(**view))
    view["charts"] = {label: charts(label, t, report["trend"].get(label, {})) for label, t in report["tasks"].items()}
    _create(paths["html"], env.get_template("report.html.j2").render(**view))
    return paths


def _create(path: Path, text: str) -> None:
    """Exclusive create: a report that exists is never overwritten."""
    with path.open("x", encoding="utf-8") as f:
        f.write(text)
