"""Validate the golden critique set and print its coverage counts.

Usage: python eval/golden/stats.py [eval/golden/critique.jsonl] [--split dev|holdout]

--split holdout keeps only the self-check holdout (ids whose number is a multiple of 5: G005, G010, …), --split dev the
rest; coverage minimums are only enforced on the full set.

Checks: every line parses; ids are unique; scenes are the interfaces.md scene ids; violations are a subset of the
twelve principle ids (no duplicates); context roles are customer/agent; order objects carry order_id/product_id/status;
notes cite a KB chunk id (with clause) whenever policy_accuracy or honest_urgency is labelled, and every cited chunk id
exists in knowledge/. Exits non-zero on any error.
Standard library only.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

PRINCIPLES = [
    "empathy", "positive_framing", "no_blame_shifting", "policy_accuracy", "anchoring", "reciprocity",
    "clarifying_question", "solution_timeline", "greeting_closing", "privacy", "honest_urgency", "clarity",
]
SCENES = [
    "presale_product", "presale_size", "price_objection", "bargaining", "order_urging_payment", "logistics_delay",
    "logistics_query", "defect_after_sales", "wrong_item", "return_request", "refund_status", "complaint_angry",
    "review_request", "promotion_query", "privacy_sensitive",
]
CHUNK_ID = re.compile(r"(?<![A-Za-z])((?:policy|promo|product):[A-Za-z0-9_\-]+)(?:#([A-Za-z0-9]+))?")
KB_DIR = Path(__file__).resolve().parents[2] / "knowledge"

SUBTLE_MARK = "【隐性】"

# Coverage targets from issue 4 / the golden-set brief.
MIN_PER_SCENE = 6
MIN_PER_PRINCIPLE = 12
MIN_CLEAN = 40
MIN_CASES = 170


def kb_chunk_ids(kb: Path) -> set[str]:
    """Chunk ids of the shop KB (knowledge/README.md): <doc id>#<clause> and product:<sku>#main|specs|size."""
    ids: set[str] = set()
    for md in list(kb.glob("policies/*.md")) + list(kb.glob("promotions/*.md")):
        text = md.read_text(encoding="utf-8")
        doc = re.search(r"^id:\s*(\S+)", text, re.M).group(1)
        ids.update(f"{doc}#{n}" for n in re.findall(r"^## (\d+)\.", text, re.M))
    for y in kb.glob("products/*.yaml"):
        text = y.read_text(encoding="utf-8")
        for sku in re.findall(r"^\s*- sku:\s*(\S+)", text, re.M):
            ids.update(f"product:{sku}#{part}" for part in ("main", "specs", "size"))
    return ids


def in_split(case_id: str, split: str | None) -> bool:
    if split is None:
        return True
    holdout = case_id[1:].isdigit() and int(case_id[1:]) % 5 == 0
    return holdout if split == "holdout" else not holdout


def main(path: str, split: str | None = None) -> int:
    errors: list[str] = []
    cases = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            errors.append(f"line {n}: empty line")
            continue
        try:
            cases.append(json.loads(line))
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: {e}")

    cases = [c for c in cases if in_split(str(c.get("id", "")), split)]
    ids = Counter(c.get("id") for c in cases)
    errors += [f"duplicate id {i}" for i, k in ids.items() if k > 1]
    for c in cases:
        cid = c.get("id", "?")
        for key in ("id", "scene", "customer", "draft", "violations", "notes"):
            if not c.get(key) and key != "violations":
                errors.append(f"{cid}: missing {key}")
        if c.get("scene") not in SCENES:
            errors.append(f"{cid}: unknown scene {c.get('scene')!r}")
        v = c.get("violations")
        if not isinstance(v, list) or any(p not in PRINCIPLES for p in v) or len(set(v)) != len(v):
            errors.append(f"{cid}: bad violations {v!r}")
            continue
        for turn in c.get("context", []):
            if turn.get("role") not in ("customer", "agent") or not turn.get("text"):
                errors.append(f"{cid}: bad context turn {turn!r}")
        if "order" in c and not all(c["order"].get(k) for k in ("order_id", "product_id", "status")):
            errors.append(f"{cid}: incomplete order {c['order']!r}")
        if {"policy_accuracy", "honest_urgency"} & set(v) and not any(
                clause for _, clause in CHUNK_ID.findall(c.get("notes", ""))):
            errors.append(f"{cid}: policy_accuracy/honest_urgency without a KB chunk id in notes")

    if KB_DIR.is_dir():  # every cited chunk id must exist in the KB
        known = kb_chunk_ids(KB_DIR)
        docs = {k.split("#")[0] for k in known}
        for c in cases:
            for doc, clause in CHUNK_ID.findall(c.get("notes", "")):
                cited = f"{doc}#{clause}" if clause else doc
                if (clause and cited not in known) or (not clause and doc not in docs):
                    errors.append(f"{c.get('id')}: notes cite unknown KB chunk {cited}")

    scene_n = Counter(c["scene"] for c in cases)
    princ_n = Counter(p for c in cases for p in c["violations"])
    clean = [c for c in cases if not c["violations"]]
    n_labels = Counter(len(c["violations"]) for c in cases)
    with_ctx = sum(1 for c in cases if c.get("context"))
    agent_ctx = sum(1 for c in cases if any(t["role"] == "agent" for t in c.get("context", [])))
    with_order = sum(1 for c in cases if c.get("order"))
    subtle = [c for c in cases if c["violations"] and c.get("notes", "").startswith(SUBTLE_MARK)]
    violating = len(cases) - len(clean)
    short_clean = sum(1 for c in clean if len(c["draft"]) <= 60)

    print(f"cases: {len(cases)}   clean: {len(clean)} (short ≤60 chars: {short_clean})   violating: {violating}")
    print(f"subtle (notes start with {SUBTLE_MARK}): {len(subtle)} = {len(subtle) / max(violating, 1):.0%} of violating")
    print(f"with context: {with_ctx} ({with_ctx / len(cases):.0%}); with an earlier agent turn: {agent_ctx}; "
          f"with order facts: {with_order}")
    print("labels per case: " + ", ".join(f"{k}→{n_labels[k]}" for k in sorted(n_labels)))
    print("\nscene                      cases  clean")
    for s in SCENES:
        print(f"  {s:<24} {scene_n[s]:>5}  {sum(1 for c in clean if c['scene'] == s):>5}")
    print("\nprinciple                  violated")
    for p in PRINCIPLES:
        print(f"  {p:<24} {princ_n[p]:>5}")

    if split is None and len(cases) < MIN_CASES:
        errors.append(f"only {len(cases)} cases (< {MIN_CASES})")
    if split is None:
        errors += [f"scene {s}: {scene_n[s]} cases (< {MIN_PER_SCENE})" for s in SCENES if scene_n[s] < MIN_PER_SCENE]
        errors += [f"principle {p}: violated {princ_n[p]} times (< {MIN_PER_PRINCIPLE})"
                   for p in PRINCIPLES if princ_n[p] < MIN_PER_PRINCIPLE]
    if split is None and len(clean) < MIN_CLEAN:
        errors.append(f"only {len(clean)} clean drafts (< {MIN_CLEAN})")

    if errors:
        print("\nERRORS:")
        for e in errors:
            print("  " + e)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=str(Path(__file__).with_name("critique.jsonl")))
    ap.add_argument("--split", choices=["dev", "holdout"])
    args = ap.parse_args()
    sys.exit(main(args.path, args.split))
