"""The progress part of the 角色扮演 tab: the score curve, the per-principle bars, a summary line and the 练习记录
table — of the user's own sessions, or, for users allowed `progress.all` (trainers and admins with accounts, the one
local user without), of any trainee who has sessions or of the whole team (全部学员).

Who may look at whom is decided here, per call, with the request being served (`allows`, i.e. Access.allows): the
picker is hidden from trainees, but a page can send any value, so a refusal does not depend on the control.

Trainee names are personal data (without accounts a name is whatever was typed into the 学员 box, a phone number
included). They are shown only as coach.privacy.mask shows them — as the transcript export shows them — and the
picker's values are opaque keys (an HMAC of the name under a per-process secret), so a name that masking hides is
not sent to the page either. Nothing else about a trainee (no account details) is shown."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import statistics
from datetime import datetime
from typing import Any, NamedTuple

import gradio as gr
import pandas as pd

from coach.errors import CoachError
from coach.privacy import mask
from coach.roleplay import service as rp
from coach.roleplay.engine import OUTCOME_LABELS
from coach.roleplay.progress import Progress
from coach.services import Services
from coach.web.guard import Allows, permitted
from coach.web.render import md_inline

PERMISSION = "progress.all"
ALL_KEY = "all"
ALL_LABEL = "全部学员"
NO_SESSIONS = "还没有完成的练习：结束一场对话后这里会显示进步曲线。"
REFUSED = "只能查看自己的进度。"
_SECRET = secrets.token_bytes(16)  # picker keys are valid for this process only (a restart: reload the page)


class Charts(NamedTuple):
    scores: pd.DataFrame      # the line plot: 场次 → 得分
    principles: pd.DataFrame  # the bar plot: 原则 → 平均分, weakest first
    summary: str              # Markdown
    table: pd.DataFrame       # 练习记录: one row per finished session (one per trainee for 全部学员)


def _no_scores() -> pd.DataFrame:
    return pd.DataFrame({"场次": pd.Series([], dtype=int), "得分": pd.Series([], dtype=float)})


def _empty(summary: str = "") -> Charts:
    # typed empty columns: an untyped empty 原则 column reaches the bar plot as a number axis, and Gradio 6.31 keeps
    # that axis, so the bars stayed blank once a trainee with no sessions yet had finished one
    principles = pd.DataFrame({"原则": pd.Series([], dtype=str), "平均分": pd.Series([], dtype=float)})
    return Charts(_no_scores(), principles, summary,
                  pd.DataFrame({"时间": [], "场景": [], "难度": [], "结果": [], "得分": []}))


def trainee_key(name: str) -> str:
    """The picker value standing for a trainee (never the name itself)."""
    return "t:" + hmac.new(_SECRET, name.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def trainee_label(name: str) -> str:
    """A trainee's name as shown: masked like the export; a masked one gets a short tag to tell two apart."""
    shown = mask(name)
    return shown if shown == name else f"{shown}·{trainee_key(name)[2:6]}"


def trainees(services: Services) -> list[str]:
    """Every trainee who has started a session (the roleplay store's trainees)."""
    return rp.roleplay(services).store.trainees()


def resolve(services: Services, key: str) -> str | None:
    """The trainee a picker key stands for (None: no such trainee, or a key from before a restart)."""
    for name in trainees(services):
        if hmac.compare_digest(trainee_key(name), key):
            return name
    return None


def sees_everyone(allows: Allows) -> bool:
    return permitted(allows, PERMISSION)


def trainee_picker(services: Services, allows: Allows, own: str, selected: str | None = None) -> Any:
    """The picker's update: 全部学员 and every trainee with sessions (the user's own entry too, marked 我, so they
    can go back to it), keeping `selected` if still there, else their own; hidden and empty for a user without
    `progress.all`."""
    if not sees_everyone(allows):
        return gr.update(choices=[], value=None, visible=False)
    names = trainees(services)
    if own not in names:
        names.insert(0, own)
    choices = [(ALL_LABEL, ALL_KEY)] + [(trainee_label(n) + ("（我）" if n == own else ""), trainee_key(n))
                                        for n in names]
    value = selected if selected in {key for _, key in choices} else trainee_key(own)
    return gr.update(choices=choices, value=value, visible=True)


def progress_for(services: Services, allows: Allows, own: str, selected: str | None) -> Charts:
    """What the progress view shows for the picker value `selected` to the user whose own trainee name is `own`:
    their own progress when nothing (or their own entry) is picked; anyone else's, or 全部学员, only with
    `progress.all` — checked here, whatever the page sent."""
    want = (selected or "").strip()
    if not want or hmac.compare_digest(want, trainee_key(own)):
        return trainee_charts(services, own)
    if not sees_everyone(allows):
        return _empty(f"**{REFUSED}**")
    if want == ALL_KEY:
        return team_charts(services)
    name = resolve(services, want)
    if name is None:
        return _empty("**没有找到这名学员：请刷新页面后重新选择。**")
    return trainee_charts(services, name, title=f"学员 {md_inline(trainee_label(name))}：")


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else "—"


def _score(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f}"


def _rate(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def trainee_charts(services: Services, name: str, title: str = "") -> Charts:
    """One trainee: session scores over time, the mean score per principle (weakest first), the sessions table."""
    try:
        p = rp.progress(services, name)
    except CoachError as exc:
        return _empty(f"**{md_inline(str(exc))}**")
    if not p.sessions:
        return _empty(title + NO_SESSIONS)
    scores = pd.DataFrame({"场次": list(range(1, len(p.sessions) + 1)),
                           "得分": [s.score if s.score is not None else 0.0 for s in p.sessions]})
    principles = pd.DataFrame({"原则": [t.name for t in p.principles], "平均分": [t.mean for t in p.principles]})
    weakest = f"，最需要练习：{md_inline(p.principles[0].name)}" if p.principles else ""
    table = pd.DataFrame([{"时间": _when(s.started_at), "场景": s.title, "难度": s.difficulty,
                           "结果": OUTCOME_LABELS.get(s.status, s.status), "得分": _score(s.score)}
                          for s in reversed(p.sessions)])  # newest first
    return Charts(scores, principles, f"{title}已完成 {len(p.sessions)} 场 · 平均 {_score(p.mean_score)} 分 · "
                                      f"解决率 {_rate(p.resolved_rate)}{weakest}", table)


def team_charts(services: Services) -> Charts:
    """全部学员: one row per trainee, the team's mean per principle (each trainee's recent mean, averaged)."""
    rows: list[dict[str, Any]] = []
    done: list[Progress] = []
    for name in trainees(services):
        try:
            p = rp.progress(services, name)
        except CoachError:
            continue
        if p.sessions:
            done.append(p)
        rows.append({"学员": trainee_label(name), "已完成": len(p.sessions), "平均分": _score(p.mean_score),
                     "解决率": _rate(p.resolved_rate), "最需要练习": p.principles[0].name if p.principles else "-",
                     "最近练习": _when(p.sessions[-1].started_at) if p.sessions else "—"})
    if not rows:
        return _empty(f"{ALL_LABEL}：还没有人练习过。")
    means: dict[str, list[float]] = {}
    for p in done:
        for t in p.principles:
            means.setdefault(t.name, []).append(t.mean)
    team = sorted(((round(statistics.fmean(v), 1), k) for k, v in means.items()))
    principles = pd.DataFrame({"原则": [k for _, k in team], "平均分": [m for m, _ in team]})
    sessions = [s for p in done for s in p.sessions]
    scored = [s.score for s in sessions if s.score is not None]
    mean = statistics.fmean(scored) if scored else None
    rate = sum(s.status == "resolved" for s in sessions) / len(sessions) if sessions else None
    weakest = f" · 团队最需要练习：{md_inline(team[0][1])}" if team else ""
    summary = (f"{ALL_LABEL}：{len(rows)} 名 · 已完成 {len(sessions)} 场 · 平均 {_score(mean)} 分 · "
               f"解决率 {_rate(rate)}{weakest}（选择一名学员查看每场得分）")
    return Charts(_no_scores(), principles, summary, pd.DataFrame(rows))
