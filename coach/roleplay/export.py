"""Transcript export (Markdown, CSV). Every free text goes through coach.privacy.mask first: trainees type
realistic phone numbers and addresses into roleplay, and an exported transcript leaves the process."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from coach.privacy import mask
from coach.roleplay.engine import OUTCOME_LABELS
from coach.roleplay.store import SessionRow, TurnRow

CSV_COLUMNS = ["session_id", "scenario_id", "turn", "role", "text", "score", "violations", "mood_after",
               "trust_after", "think_ms"]


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else "—"


def _md_cell(text: str) -> str:
    return mask(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(row: SessionRow, turns: Sequence[TurnRow]) -> str:
    lines = [f"# 角色扮演记录：{mask(row.scenario_title)}", "",
             f"- 学员：{mask(row.trainee_id)}",
             f"- 场景：{row.scenario_id}（难度 {row.difficulty}）",
             f"- 结果：{OUTCOME_LABELS.get(row.status, row.status)}",
             f"- 开始：{_when(row.started_at)}　结束：{_when(row.ended_at)}",
             f"- 平均得分：{row.score if row.score is not None else '—'}", "",
             "| 轮次 | 角色 | 内容 | 得分 | 违反原则 | 情绪 | 信任 |", "|---|---|---|---|---|---|---|",
             f"| 0 | 顾客 | {_md_cell(row.opening)} |  |  |  |  |"]
    for t in turns:
        crit = t.critique()
        lines.append(f"| {t.idx} | 学员 | {_md_cell(t.trainee)} | {t.score} | {', '.join(crit.get('violations', []))} "
                     f"| {t.mood_before}→{t.mood_after} | {t.trust_before}→{t.trust_after} |")
        lines.append(f"| {t.idx} | 顾客 | {_md_cell(t.customer)} |  |  |  |  |")
    return "\n".join(lines) + "\n"


def _csv_safe(text: str) -> str:
    # A cell starting with = + - @ is a formula to Excel: prefix it so an exported transcript cannot run one.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(row: SessionRow, turns: Sequence[TurnRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    w.writerow([row.id, row.scenario_id, 0, "customer", _csv_safe(mask(row.opening)), "", "", "", "", ""])
    for t in turns:
        crit = t.critique()
        w.writerow([row.id, row.scenario_id, t.idx, "trainee", _csv_safe(mask(t.trainee)), t.score,
                    " ".join(crit.get("violations", [])), t.mood_after, t.trust_after, round(t.think_ms)])
        w.writerow([row.id, row.scenario_id, t.idx, "customer", _csv_safe(mask(t.customer)), "", "", t.mood_after,
                    t.trust_after, ""])
    return buf.getvalue()
