"""Understand the situation before judging: scene, emotion, first reply, price objection, missing information.

Principles are only judged where they apply (principles.md: a principle that does not apply is not violated), so
this step decides applicability for most of them.
"""

from __future__ import annotations

import re

from coach.critic.lexicon import Lexicon
from coach.critic.text import normalize
from coach.models import Case, Situation

SCENES = (
    "presale_product", "presale_size", "price_objection", "bargaining", "order_urging_payment", "logistics_delay",
    "logistics_query", "defect_after_sales", "wrong_item", "return_request", "refund_status", "complaint_angry",
    "review_request", "promotion_query", "privacy_sensitive",
)
AFTER_SALES = {"logistics_delay", "defect_after_sales", "wrong_item", "refund_status", "complaint_angry",
               "return_request"}
PROBLEM_SCENES = {"logistics_delay", "defect_after_sales", "wrong_item", "complaint_angry"}
PRICE_SCENES = {"price_objection", "bargaining"}


def customer_text(case: Case) -> str:
    """The customer's side of the conversation, latest message last (normalised)."""
    turns = [t.text for t in case.context if t.role == "customer"]
    return normalize("\n".join([*turns, case.customer]))


def detect_scene(lex: Lexicon, latest: str, earlier: str, order_status: str) -> str:
    scores: dict[str, float] = {}
    for scene, rules in lex.scene_rules:
        total = 0.0
        for weight, rx in rules:
            total += weight * min(2, len(rx.findall(latest))) + 0.3 * weight * min(1, len(rx.findall(earlier)))
        if total:
            scores[scene] = total
    status_hint = _status_hint(lex, order_status)
    if status_hint:
        scores[status_hint] = scores.get(status_hint, 0) + 1.0
    if not scores:
        return "presale_product"
    order = {s: i for i, (s, _) in enumerate(lex.scene_rules)}
    return max(scores, key=lambda s: (scores[s], -order.get(s, 99)))


def _status_hint(lex: Lexicon, status: str) -> str | None:
    if not status:
        return None
    for name, pattern in (lex.get("order_status") or {}).items():
        if re.search(pattern, status):
            return {"unpaid": "order_urging_payment", "in_transit": "logistics_query",
                    "refunding": "refund_status"}.get(name)
    return None


def detect_emotion(lex: Lexicon, latest: str) -> str:
    hypothetical = lex.rx("emotion.hypothetical")
    for level in ("angry", "frustrated", "worried"):
        for m in lex.rx(f"emotion.{level}").finditer(latest):
            # "怕放坏了" / "会不会过敏" names a trouble that has not happened: that is worry, not frustration
            if level == "frustrated" and hypothetical.search(latest[max(0, m.start() - 5):m.start()]):
                continue
            return level
    return "neutral"


def price_objection(lex: Lexicon, text: str) -> bool:
    return any(rx.search(text) for scene, rules in lex.scene_rules if scene in PRICE_SCENES for _, rx in rules)


def missing_info(lex: Lexicon, scene: str, convo: str, case: Case, draft: str = "") -> list[str]:
    """Names of the `clarifying.needs` entries that this scene needs and the conversation does not hold."""
    missing = []
    for name, need in (lex.get("clarifying.needs") or {}).items():
        if scene not in need.get("scenes", []):
            continue
        if need.get("needs_no_order") and case.order and (case.order.order_id or case.order.status):
            continue
        if "present" not in need:
            continue  # judged by the analyzer with the knowledge base (e.g. which_item)
        if need.get("when") and not re.search(need["when"], convo):
            continue
        seen = convo + ("\n" + draft if need.get("draft_counts") else "")
        if not re.search(need["present"], seen):
            missing.append(name)
    return missing


def understand(lex: Lexicon, case: Case) -> Situation:
    latest = normalize(case.customer)
    convo = customer_text(case)
    whole = normalize("\n".join([t.text for t in case.context] + [case.customer]))
    earlier = convo[: max(0, len(convo) - len(latest))]
    status = normalize(str(case.order.status)) if case.order and case.order.status else ""
    scene = case.scene if case.scene in SCENES else detect_scene(lex, latest, earlier, status)
    emotion = detect_emotion(lex, latest) if latest.strip() else detect_emotion(lex, convo)
    if emotion == "neutral" and scene == "complaint_angry":
        emotion = "angry"
    return Situation(
        scene=scene,
        emotion=emotion,
        first_reply=not any(t.role == "agent" for t in case.context),
        price_objection=scene in PRICE_SCENES or price_objection(lex, latest),
        after_sales=scene in AFTER_SALES,
        missing_info=missing_info(lex, scene, whole, case, normalize(case.draft)),
    )
