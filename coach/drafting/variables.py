"""The variables a template may use: what the drafter computes for every request (facts from the files join them).

Object variables list their attributes, so the library rejects `product.prise` at load time instead of failing at
render time. knowledge/templates/README.md documents the same list for trainers.
"""

from __future__ import annotations

PRODUCT_ATTRS = frozenset({
    "name", "sku", "category", "price", "original_price", "saving", "stock", "specs", "selling_point", "restock",
    "exception", "warranty", "care", "courier", "has_size_chart", "deal_price", "deal_label", "is_appliance",
    "has_insurance",
})
SIZE_ATTRS = frozenset({"size", "height", "weight", "row", "between", "out_of_range", "partial"})
PROMO_ATTRS = frozenset({"title", "status", "start", "end", "offer"})

VOCABULARY: dict[str, frozenset[str] | None] = {
    # the situation (coach.critic.situation.understand, the critic's own reading)
    "scene": None, "emotion": None, "first_reply": None, "problem_scene": None, "missing": None,
    # snippets rendered from common.yaml before the scene template
    "opening": None, "ack": None, "closing": None,
    # the order (interfaces.md case schema `order`, extra keys allowed)
    "order_id": None, "order_status": None, "order_stage": None, "tracking_no": None, "payment": None,
    "days_since_delivery": None, "customer_name": None,
    # policy outcomes computed from the order and the facts
    "within_return_window": None, "within_quality_window": None,
    # the product (the order's sku, else the one product the customer names) and what was asked about it
    "product": PRODUCT_ATTRS, "asked_attrs": None, "unknown_attrs": None, "asks_stock": None,
    "size_advice": SIZE_ATTRS,
    # promotions in force today, and the one the customer asked about (possibly ended or not yet started)
    "promotions": None, "asked_promo": PROMO_ATTRS,
    # evidence the customer already sent (photos/video)
    "has_evidence": None,
}
