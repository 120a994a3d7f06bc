"""What the 角色扮演 tab shows, as text: the chat, the briefing, the mood meter, per-turn feedback and the debrief.
Everything the trainee or the customer wrote goes through coach.web.render (inert Markdown)."""

from __future__ import annotations

from coach.roleplay import service as rp
from coach.roleplay.debrief import Debrief
from coach.roleplay.service import MeterView, SessionView, TurnResult
from coach.services import Services
from coach.web.render import md, md_inline

Messages = list[dict[str, str]]


def chat_messages(view: SessionView) -> Messages:
    return [{"role": "assistant" if t.role == "customer" else "user", "content": md(t.text)}
            for t in view.transcript]


def briefing_markdown(view: SessionView) -> str:
    s = view.scenario
    return (f"### {md_inline(s['title'])}\n难度 {s['difficulty']} · 商品 {md_inline(s['product'])} · "
            f"顾客 {md_inline(s['persona'])} · 会话 `{view.session_id}`\n\n{md(view.briefing)}")


def meter_markdown(m: MeterView, status: str = "进行中") -> str:
    return (f"**顾客情绪：{m.band_label}（{m.mood}/100）** · 信任 {m.trust}/100 · 耐心还剩 {m.patience_left} 轮 · "
            f"最多还有 {m.turns_left} 轮 · 状态：{status}")


def feedback_markdown(services: Services, r: TurnResult) -> str:
    name = rp.roleplay(services).name
    moved = r.mood_after - r.mood_before
    lines = [f"#### 第 {r.turn} 轮点评：{r.score}/100 · 情绪 {r.mood_before}→{r.mood_after}（{moved:+d}） · "
             f"信任 {r.trust_before}→{r.trust_after}"]
    for f in r.findings:
        if f.verdict == "violated":
            quote = f"「{md_inline(f.evidence)}」" if f.evidence else ""
            lines.append(f"- ❌ **{md_inline(name(f.principle))}** {quote} {md_inline(f.suggestion or f.explanation)}")
    done = [name(f.principle) for f in r.findings if f.verdict == "applied"]
    if done:
        lines.append(f"- ✅ 做到：{md_inline('、'.join(done))}")
    lines += [f"- 💬 {md_inline(c.reason)}" for c in r.changes if c.reason]
    lines += [f"- ⚠️ 顾客抓住了：{md_inline(c.note)}" for c in r.caught]
    lines += [f"- ★ 问出了关键信息：{md_inline(f.fact)}" for f in r.revealed]
    if r.rewrite:
        lines.append(f"\n**可以这样说：** {md_inline(r.rewrite)}")
    lines += [f"> ⚠️ {md_inline(n)}" for n in r.notices]
    if r.ended:
        lines.append(f"\n**对话结束：{r.outcome_label}。** 点「结束并复盘」查看复盘。")
    return "\n".join(lines)


def debrief_markdown(d: Debrief) -> str:
    verdict = "✅ 通过" if d.passed else "未通过"
    score = "-" if d.score is None else f"{d.score:.0f}"
    lines = [f"### 复盘：{md_inline(d.title)} · {d.outcome_label} · 平均 {score} 分 · {verdict}",
             f"{d.turns} 轮 · 情绪 {d.mood_start}→{d.mood_end} · 信任 {d.trust_start}→{d.trust_end} · "
             f"情绪曲线 {' → '.join(map(str, d.mood_curve))}"]
    if d.principles:
        lines += ["", "| 原则 | 做到 | 违反 | 得分 | 比以往 |", "|---|---|---|---|---|"]
        lines += [f"| {md_inline(p.name)} | {p.applied} | {p.violated} | {p.score:.0f} | "
                  f"{'-' if p.delta is None else f'{p.delta:+.0f}'} |" for p in d.principles]
    for label, h in (("最好的一轮", d.best), ("最需要改进的一轮", d.worst)):
        if h is not None:
            lines.append(f"\n**{label}（第 {h.turn} 轮，{h.score} 分）**：{md_inline(h.trainee)}")
            if h.rewrite:
                lines.append(f"- 可以这样说：{md_inline(h.rewrite)}")
    lines += [f"- ★ 问出：{md_inline(f)}" for f in d.facts_found]
    lines += [f"- ☆ 没问出：{md_inline(f)}" for f in d.facts_missed]
    lines += [f"- ⚠️ {md_inline(c)}" for c in d.caught]
    if d.tips:
        lines += ["", "**下次练习：**", *[f"- {md_inline(t)}" for t in d.tips]]
    c = d.comparison
    if c.previous_sessions and c.score_delta is not None:
        lines.append(f"\n与之前 {c.previous_sessions} 场（平均 {c.previous_mean_score:.0f}）相比：{c.score_delta:+.0f} 分")
    return "\n".join(lines)
