"""角色扮演 (trainers, trainees): pick a scenario (the recommended one is marked) and a difficulty, chat with the
simulated customer, watch the mood meter and the per-turn coaching, end with the debrief; progress charts and the
练习记录 table below — one's own, or (with `progress.all`: trainers) any trainee's or the team's, picked by name (see
roleplay_progress).

The handlers call coach.roleplay's plain functions (the same ones as the CLI and REST API) and return NamedTuples,
which Gradio takes as the tuple of output values."""

from __future__ import annotations

from typing import Any, NamedTuple

import gradio as gr
import pandas as pd
from gradio.context import LocalContext

from coach.errors import CoachError
from coach.roleplay import service as rp
from coach.roleplay.service import SessionView
from coach.services import Services
from coach.web.guard import Allows, everyone
from coach.web.render import md, md_inline
from coach.web.tabs.roleplay_progress import Charts, progress_for, trainee_charts, trainee_picker
from coach.web.tabs.roleplay_text import (
    Messages,
    briefing_markdown,
    chat_messages,
    debrief_markdown,
    feedback_markdown,
    meter_markdown,
)

ALL = "全部难度"
DIFFICULTIES = [ALL, "1", "2", "3", "4", "5"]


class Picker(NamedTuple):
    scenarios: Any   # gr.update of the scenario dropdown
    advice: str


class Screen(NamedTuple):
    session_id: str
    chat: Messages
    briefing: str
    mood: int
    meter: str
    feedback: str
    debrief: str


class Turned(NamedTuple):
    chat: Messages
    mood: int
    meter: str
    feedback: str
    reply: str       # the input box: cleared after a turn, kept when it was refused
    debrief: str


def logged_in() -> str | None:
    """The user name of the web request being served (None: single-user mode, or not a web call)."""
    request = LocalContext.request.get(None)
    return getattr(request, "username", None) if request is not None else None


def _trainee(name: str | None) -> str:
    """Logged in, a trainee practises and sees progress as themselves whatever the box says (the box is
    read-only then, but a page can send anything); in single-user mode the box names the trainee."""
    return logged_in() or (name or "").strip() or "default"


def scenario_picker(services: Services, trainee: str, difficulty: str = ALL) -> Picker:
    """The scenario choices at this difficulty, the recommended one first and marked ⭐, selected."""
    items = rp.list_scenarios(services)
    if difficulty and difficulty != ALL:
        items = [s for s in items if str(s["difficulty"]) == difficulty]
    try:
        rec = rp.recommend(services, _trainee(trainee))
    except CoachError as exc:
        return Picker(gr.update(choices=[], value=None), f"**{md_inline(str(exc))}**")
    choices = []
    for s in items:
        star = "⭐ 推荐 · " if rec and s["id"] == rec.scenario_id else ""
        choices.append((f"{star}{s['title']}（难度 {s['difficulty']} · {s['product']}）", s["id"]))
    choices.sort(key=lambda c: not c[0].startswith("⭐"))
    advice = f"⭐ 推荐「{md_inline(rec.title)}」：{md_inline(rec.reason)}" if rec else ""
    if not choices:
        advice += "\n\n这个难度还没有场景，换一个难度试试。"
    return Picker(gr.update(choices=choices, value=choices[0][1] if choices else None), advice)


def _screen(view: SessionView, note: str = "") -> Screen:
    return Screen(view.session_id, chat_messages(view), briefing_markdown(view), view.meter.mood,
                  meter_markdown(view.meter, view.outcome_label), note, "")


def _failed(message: str) -> Screen:
    return Screen("", [], "", 0, "", f"**{md_inline(message)}**", "")


def start_handler(services: Services, trainee: str, scenario_id: str | None, seed: str | None = None) -> Screen:
    """A new session (`seed` picks the customer's lines: replaying a seed replays the session)."""
    if not scenario_id:
        return _failed("请先选择一个场景。")
    try:
        start = rp.start_session(services, scenario_id, trainee=_trainee(trainee), seed=seed)
        view = rp.get_session(services, start.session_id)
    except CoachError as exc:
        return _failed(str(exc))
    notes = "\n".join(f"> ⚠️ {md_inline(n)}" for n in start.notices)
    return _screen(view, notes or "顾客先开口了：在下面输入你的回复。")


def resume_handler(services: Services, session_id: str | None) -> Screen:
    if not session_id:
        return _failed("没有选择要继续的会话。")
    try:
        view = rp.get_session(services, session_id)
    except CoachError as exc:
        return _failed(str(exc))
    user = logged_in()
    if user and view.trainee != user:
        return _failed("这个会话不是你的练习，不能继续。")
    return _screen(view, f"已恢复会话，共 {len(view.transcript) // 2} 轮：接着回复顾客。")


def unfinished(services: Services, trainee: str) -> Any:
    """The trainee's active sessions, newest first, for the 继续 dropdown."""
    rows = rp.list_sessions(services, trainee=_trainee(trainee), status="active")
    rows.sort(key=lambda r: r["started_at"], reverse=True)
    choices = [(f"{r['title']}（{r['session_id']}）", r["session_id"]) for r in rows]
    return gr.update(choices=choices, value=choices[0][1] if choices else None)


def turn_handler(services: Services, session_id: str, text: str, chat: Messages | None) -> Turned:
    chat = list(chat or [])
    if not session_id:
        return Turned(chat, 0, "", "**请先开始一个场景。**", text, "")
    try:
        r = rp.take_turn(services, session_id, text)
    except CoachError as exc:
        return Turned(chat, gr.skip(), gr.skip(), f"**{md_inline(str(exc))}**", text, "")
    chat += [{"role": "user", "content": md(r.trainee)}, {"role": "assistant", "content": md(r.customer)}]
    debrief = debrief_markdown(rp.debrief(services, session_id)) if r.ended else ""
    return Turned(chat, r.mood_after, meter_markdown(r.meter, r.outcome_label), feedback_markdown(services, r), "",
                  debrief)


def end_handler(services: Services, session_id: str) -> str:
    if not session_id:
        return "**还没有进行中的会话。**"
    try:
        return debrief_markdown(rp.end_session(services, session_id))
    except CoachError as exc:
        return f"**{md_inline(str(exc))}**"


def progress_handler(services: Services, trainee: str) -> Charts:
    """The trainee's own session scores over time, mean score per principle (weakest first) and sessions table."""
    return trainee_charts(services, _trainee(trainee))


def progress_view(services: Services, allows: Allows, trainee: str, selected: str | None) -> Charts:
    """The progress view for the picker value `selected` (None/empty: one's own). Someone else's progress, or the
    team's, needs `progress.all` for the request being served: refused here, not only by hiding the picker."""
    return progress_for(services, allows, _trainee(trainee), selected)


def picker_update(services: Services, allows: Allows, trainee: str, selected: str | None = None) -> Any:
    """The trainee picker (shown with `progress.all` only), keeping `selected` if it is still a choice."""
    return trainee_picker(services, allows, _trainee(trainee), selected)


class Loaded(NamedTuple):
    trainee: Any
    scenarios: Any
    advice: str
    pending: Any
    picker: Any
    scores: pd.DataFrame
    principles: pd.DataFrame
    summary: str
    table: pd.DataFrame


def page_load(services: Services, trainee: str, difficulty: str, allows: Allows = everyone) -> Loaded:
    """On page load: the logged-in user as the (read-only) trainee, their recommended scenario, unfinished
    sessions and own progress; the trainee picker for users allowed every trainee's progress."""
    user = logged_in()
    box = gr.update(value=user, interactive=False) if user else gr.skip()
    pick = scenario_picker(services, trainee, difficulty)
    return Loaded(box, *pick, unfinished(services, trainee), picker_update(services, allows, trainee),
                  *progress_handler(services, trainee))


def build(services: Services, allows: Allows = everyone) -> list[Any]:
    """The tab; returns what to run when the page loads (the trainee's name, scenarios and progress).
    `allows(request, permission)` decides who may pick another trainee's progress (default: single-user mode)."""
    session = gr.State("")
    with gr.Row():
        trainee = gr.Textbox(label="学员", value="default", max_length=rp.MAX_TRAINEE_ID, scale=1, elem_id="rp-trainee")
        difficulty = gr.Dropdown(DIFFICULTIES, value=ALL, label="难度", scale=1)
        scenario = gr.Dropdown([], label="场景（⭐ 为推荐）", scale=3, elem_id="rp-scenario")
        start = gr.Button("开始练习", variant="primary", scale=1, elem_id="rp-start")
    advice = gr.Markdown()
    with gr.Accordion("继续未完成的会话", open=False), gr.Row():
        pending = gr.Dropdown([], label="未完成的会话", scale=3)
        resume = gr.Button("继续", scale=1)
    briefing = gr.Markdown()
    with gr.Row():
        with gr.Column(scale=3):
            chat = gr.Chatbot(label="对话（你是客服，对方是模拟顾客）", height=380, sanitize_html=True,
                              feedback_options=None, elem_id="rp-chat")
            reply = gr.Textbox(label="你的回复", lines=2, max_length=2000, elem_id="rp-reply")
            with gr.Row():
                send = gr.Button("发送", variant="primary", elem_id="rp-send")
                end = gr.Button("结束并复盘", variant="stop", elem_id="rp-end")
        with gr.Column(scale=2):
            mood = gr.Slider(0, 100, value=0, label="顾客情绪（0 愤怒 · 100 满意）", interactive=False, elem_id="rp-mood")
            meter = gr.Markdown(elem_id="rp-meter")
            feedback = gr.Markdown(elem_id="rp-feedback")
    debrief = gr.Markdown(elem_id="rp-debrief")
    gr.Markdown("#### 练习进步")
    with gr.Row():
        # shown on page load to users allowed `progress.all`; its values are opaque keys (roleplay_progress)
        picker = gr.Dropdown([], value=None, label="查看学员", visible=False, scale=1,
                             elem_id="rp-progress-trainee")
        summary = gr.Markdown(elem_id="rp-progress-summary")
    with gr.Row():
        line = gr.LinePlot(x="场次", y="得分", y_lim=[0, 100], label="每场得分", height=240)
        bars = gr.BarPlot(x="原则", y="平均分", y_lim=[0, 100], label="各原则平均分（最近 5 场）", height=240,
                          sort="y")
    table = gr.Dataframe(label="练习记录", interactive=False, wrap=True, max_height=320, elem_id="rp-progress-table")

    def pick(t: str, d: str) -> Picker:
        return scenario_picker(services, t, d)

    def charts(t: str, who: str | None) -> Charts:
        return progress_view(services, allows, t, who)

    def picker_keeping(t: str, who: str | None) -> Any:
        return picker_update(services, allows, t, who)

    progress = [line, bars, summary, table]
    screen = [session, chat, briefing, mood, meter, feedback, debrief]
    difficulty.change(pick, [trainee, difficulty], [scenario, advice])
    # single-user mode: a new name in the 学员 box is the trainee to practise as and to show
    trainee.blur(pick, [trainee, difficulty], [scenario, advice]).then(
        lambda t: unfinished(services, t), trainee, pending).then(
        lambda t: picker_update(services, allows, t), trainee, picker).then(charts, [trainee, picker], progress)
    picker.input(charts, [trainee, picker], progress)
    start.click(lambda t, s: start_handler(services, t, s), [trainee, scenario], screen).then(
        lambda t: unfinished(services, t), trainee, pending).then(picker_keeping, [trainee, picker], picker)
    resume.click(lambda s: resume_handler(services, s), pending, screen)
    turned = [chat, mood, meter, feedback, reply, debrief]
    for event in (send.click, reply.submit):
        event(lambda s, x, c: turn_handler(services, s, x, c), [session, reply, chat], turned,
              concurrency_limit=8).then(charts, [trainee, picker], progress)
    end.click(lambda s: end_handler(services, s), session, debrief).then(charts, [trainee, picker], progress)
    return [(lambda t, d: page_load(services, t, d, allows), [trainee, difficulty],
             [trainee, scenario, advice, pending, picker, *progress])]
