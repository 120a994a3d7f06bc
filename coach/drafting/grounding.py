"""Everything a reply may rest on, computed once per request: the situation (the critic's own reading), the order,
the product, promotions in force, policy facts with their chunk ids, and the policy outcomes that follow from them.

The result is plain data (`values` for templates, `evidence` pairs for citations, `passages` for an LLM strategy).
Customer text is only ever matched by patterns here; no part of it becomes template source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from coach.claims.facts import FactBook, KBLike
from coach.critic.lexicon import Lexicon
from coach.critic.situation import PROBLEM_SCENES, customer_text, understand
from coach.drafting import product as products
from coach.drafting import promos
from coach.drafting.facts import FactValue
from coach.drafting.sizing import advise, body_data
from coach.models import Case, Situation

_ORDER_ID = re.compile(r"(?<!\d)\d{12,20}(?!\d)")
_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z·]{1,8}$")
_PAYMENT = {"debit": r"储蓄卡|借记卡|debit", "credit": r"信用卡|credit", "credit_line": r"花呗|白条|月付|huabei",
            "balance": r"余额|零钱|balance|wallet"}


@dataclass
class Grounding:
    case: Case
    situation: Situation
    convo: str  # normalised customer side of the conversation, for said()
    values: dict[str, Any]
    scene: str = ""  # the scene whose templates are used: the critic's, or a more specific one from a scene hint
    evidence: list[tuple[str, str, str]] = field(default_factory=list)  # (variable, text showing it, chunk id)
    facts: dict[str, FactValue] = field(default_factory=dict)

    def said(self, pattern: str) -> bool:
        return re.search(pattern, self.convo) is not None

    def passage_ids(self) -> list[str]:
        """Every chunk this request is grounded on (facts, product, promotions), for an LLM strategy's prompt."""
        return list(dict.fromkeys(cid for _, _, cid in self.evidence if cid))

    def cited(self, draft: str, variables: set[str] | frozenset[str]) -> list[str]:
        """Chunk ids of the facts a rendered draft shows: the template uses the variable and the text is there
        (digits must not run on: "2小时" is not in "72小时")."""
        out: list[str] = []
        for var, text, cid in self.evidence:
            if cid and cid not in out and var in variables and text and _shows(draft, text):
                out.append(cid)
        return out


def _shows(draft: str, text: str) -> bool:
    return re.search(rf"(?<!\d){re.escape(text)}" + (r"(?!\d)" if text[-1].isdigit() else ""), draft) is not None


def ground(case: Case, lex: Lexicon, book: FactBook | None, kb: KBLike | None, facts: dict[str, FactValue],
           attributes: dict[str, str], as_of: date, hints: list[dict[str, Any]] | None = None) -> Grounding:
    sit = understand(lex, case)
    convo = customer_text(case)
    latest = convo[-len(case.customer):] if case.customer else convo
    scene = refine_scene(sit.scene, latest, hints or [], explicit=case.scene is not None)
    values: dict[str, Any] = {
        "scene": scene, "emotion": sit.emotion, "first_reply": sit.first_reply,
        "problem_scene": scene in PROBLEM_SCENES or sit.emotion != "neutral", "missing": list(sit.missing_info),
        "opening": None, "ack": None, "closing": None,
        **{name: f.value for name, f in facts.items()},
    }
    evidence = [(name, f.value, f.citation) for name, f in facts.items()]
    values.update(_order(case, convo, lex, as_of))
    values["has_evidence"] = _has_evidence(lex, convo)
    values.update(_outcomes(values, facts))
    values.update(product=None, asked_attrs=[], unknown_attrs=[], size_advice=None, promotions=[], asked_promo=None)
    if book is not None and kb is not None:
        evidence += _product(values, book, kb, case, convo, latest, attributes, facts)
        shown, ev = promos.active(book, kb)
        values["promotions"] = shown
        evidence += [("promotions", text, cid) for text, cid in ev]
        values["asked_promo"], ev = promos.asked(book, convo)
        evidence += [("asked_promo", text, cid) for text, cid in ev]
    return Grounding(case=case, situation=sit, convo=convo, values=values, scene=scene, evidence=evidence, facts=facts)


def refine_scene(scene: str, latest: str, hints: list[dict[str, Any]], *, explicit: bool = False) -> str:
    """The critic's scene, unless a trainer's hint (common.yaml `scene_hints`) names a more specific one for what the
    customer just said (e.g. 面霜起红疹 read as a product question -> defect). Only template choice changes: the
    critic still judges the draft by its own reading, so a hint can never relax a check."""
    if explicit:
        return scene
    for hint in hints:
        if scene in hint["from"] and re.search(hint["said"], latest):
            return str(hint["scene"])
    return scene


def _order(case: Case, convo: str, lex: Lexicon, as_of: date) -> dict[str, Any]:
    order = case.order
    extra: dict[str, Any] = dict(order.model_extra or {}) if order else {}
    order_id = (order.order_id if order and order.order_id else None) or _first_match(_ORDER_ID, convo)
    status = str(order.status) if order and order.status else None
    stage = None
    if status:
        for name, pattern in (lex.get("order_status") or {}).items():
            if re.search(pattern, status.lower()):
                stage = name
                break
    payment_raw = str(extra.get("payment") or extra.get("pay_method") or "")
    payment = next((k for k, rx in _PAYMENT.items() if payment_raw and re.search(rx, payment_raw, re.I)), None)
    name = str(extra.get("customer_name") or extra.get("buyer_name") or extra.get("buyer_nick") or "").strip()
    delivered = _date(extra.get("delivered_at") or extra.get("signed_at") or extra.get("received_at"))
    tracking = str(extra.get("tracking_no") or extra.get("tracking") or "").strip()
    return {
        "order_id": _safe_id(order_id), "order_status": status, "order_stage": stage,
        "tracking_no": _safe_id(tracking), "payment": payment,
        "customer_name": name if _NAME.match(name) else None,
        "days_since_delivery": (as_of - delivered).days if delivered and delivered <= as_of else None,
    }


def _outcomes(values: dict[str, Any], facts: dict[str, FactValue]) -> dict[str, Any]:
    days = values.get("days_since_delivery")

    def within(name: str) -> bool | None:
        fact = facts.get(name)
        limit = _int(fact.value) if fact else None
        return None if days is None or limit is None else days <= limit

    return {"within_return_window": within("return_days"), "within_quality_window": within("quality_days")}


def _product(values: dict[str, Any], book: FactBook, kb: KBLike, case: Case, convo: str, latest: str,
             attributes: dict[str, str], facts: dict[str, FactValue]) -> list[tuple[str, str, str]]:
    pid = case.order.product_id if case.order else None
    prod = products.find(book, pid, convo)
    if prod is None:
        return []
    pv = products.view(kb, prod)
    v = pv.values
    evidence = [("product", text, cid) for text, cid in pv.evidence]
    evidence += [("size_advice", row.text, cid) for row, cid in pv.size_rows]
    courier = facts.get("courier_appliance" if v["is_appliance"] else "courier_apparel")
    if courier:
        v["courier"] = courier.value
        evidence.append(("product", courier.value, courier.citation))
    insured = facts.get("insurance_categories")
    if insured and v["category"]:
        v["has_insurance"] = v["category"][:2] in insured.value
        evidence.append(("product", "运费险", insured.citation))
    price = float(v["price"]) if v["price"] else None
    v["deal_price"], v["deal_label"], deal_id = promos.best_deal(book, kb, price)
    if deal_id and v["deal_label"]:
        evidence.append(("product", v["deal_label"], deal_id))
    values["product"] = v
    notes: list[str] = v.pop("notes")
    for key, pattern in attributes.items():
        if re.search(pattern, latest):
            note = next((n for n in notes if key in n), None)  # caveats (钻绒, 起球, 掉色) live in the notes
            if key in v["specs"] or note:
                values["asked_attrs"].append({"key": key, "value": v["specs"].get(key) or note})
            else:
                values["unknown_attrs"].append(key)
    if pv.rows:
        height, weight = body_data(convo)
        values["size_advice"] = advise(pv.rows, height, weight)
    return evidence


def _has_evidence(lex: Lexicon, convo: str) -> bool:
    needs = lex.get("clarifying.needs") or {}
    patterns = [needs[n]["present"] for n in ("defect_evidence", "wrong_item_evidence") if n in needs]
    return any(re.search(p, convo) for p in patterns)


def _first_match(rx: re.Pattern[str], text: str) -> str | None:
    m = rx.search(text)
    return m.group() if m else None


def _safe_id(value: str | None) -> str | None:
    """Order and tracking numbers are echoed back: only letters, digits and dashes, so nothing else rides along."""
    if not value:
        return None
    value = value.strip()
    return value if re.fullmatch(r"[A-Za-z0-9\-]{4,32}", value) else None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _int(text: str) -> int | None:
    m = re.search(r"\d+", text)
    return int(m.group()) if m else None
