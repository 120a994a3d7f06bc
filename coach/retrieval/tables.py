"""Product tables (YAML as in knowledge/README.md, or CSV with English or Chinese headers) and template YAML.

A product becomes one document `product:<sku>` with up to three whole sections — main (name, prices, stock,
selling points), specs (specs and notes) and size (the size chart) — written as plain Chinese sentences with
numbers, because the claim checker reads facts from the text itself.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from coach.retrieval.documents import Document, LoadError, Section
from coach.retrieval.loaders import LoadResult, base_document, decode_text, iso_date, parse_yaml

# CSV headers as shops export them; anything unrecognised becomes a spec line.
_CSV_ALIASES = {
    "sku": ("sku", "商品编号", "货号", "商品id", "商品编码", "编号", "款号"),
    "name": ("name", "名称", "商品名称", "品名", "商品名"),
    "category": ("category", "类目", "分类", "品类", "商品类目"),
    "original_price": ("original_price", "原价", "划线价", "吊牌价"),
    "price": ("price", "到手价", "售价", "现价", "价格", "活动价"),
    "stock": ("stock", "库存", "库存数量", "库存量"),
    "selling_points": ("selling_points", "卖点", "商品卖点"),
    "notes": ("notes", "备注", "注意事项", "说明"),
}
_LIST_SEPARATORS = ("；", ";", "|", "\n")


def load_yaml(path: Path, data: bytes) -> LoadResult:
    doc = parse_yaml(decode_text(data), what="YAML")
    if not isinstance(doc, dict):
        raise LoadError("YAML top level must be a mapping with id/type/title and products: or templates:")
    if "products" in doc:
        return products_from_table(doc, path, doc.get("products"))
    if "templates" in doc or str(doc.get("type", "")).lower() in ("template", "templates"):
        return load_templates(doc, path)
    return load_generic_yaml(doc, path)


def load_csv(path: Path, data: bytes) -> LoadResult:
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    rows = list(csv.reader(io.StringIO(text), dialect))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise LoadError("CSV needs a header row and at least one product row")
    header = [_canonical_column(h) for h in rows[0]]
    if "sku" not in header or "name" not in header:
        raise LoadError("CSV header must name the sku and name columns (sku/商品编号, name/名称); got "
                        + ", ".join(rows[0]))
    products: list[dict[str, Any]] = []
    for row in rows[1:]:
        product: dict[str, Any] = {"specs": {}}
        for column, raw, value in zip(header, rows[0], row, strict=False):
            value = value.strip()
            if not value:
                continue
            if column in ("selling_points", "notes"):
                product[column] = _split_list(value)
            elif column in _CSV_ALIASES:
                product[column] = value
            else:
                product["specs"][raw.strip()] = value
        products.append(product)
    meta = {"id": f"catalog:{path.stem}", "type": "product", "title": path.stem}
    return products_from_table(meta, path, products)


def _canonical_column(header: str) -> str:
    h = header.strip().lstrip("\ufeff").lower()
    for canonical, aliases in _CSV_ALIASES.items():
        if h in aliases:
            return canonical
    return h


def _split_list(value: str) -> list[str]:
    for sep in _LIST_SEPARATORS:
        if sep in value:
            return [p.strip() for p in value.split(sep) if p.strip()]
    return [value]


# ---------------------------------------------------------------- products


def products_from_table(meta: dict[str, Any], path: Path, products: Any) -> LoadResult:
    if not isinstance(products, list) or not products:
        raise LoadError("`products:` must be a non-empty list of products")
    table = base_document(meta, path, default_id=f"catalog:{path.stem}", default_type="product",
                          default_title=path.stem)
    docs: list[Document] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for n, item in enumerate(products, start=1):
        if not isinstance(item, dict) or not item.get("sku") or not item.get("name"):
            warnings.append(f"product #{n} skipped: it needs at least sku and name")
            continue
        sku = str(item["sku"]).strip()
        if sku in seen:
            warnings.append(f"product #{n} skipped: duplicate sku {sku}")
            continue
        seen.add(sku)
        docs.append(product_document(item, table))
    if not docs:
        raise LoadError("no valid product (each needs sku and name); " + "; ".join(warnings[:3]))
    return LoadResult(docs, warnings)


def product_document(item: dict[str, Any], table: Document) -> Document:
    sku, name = str(item["sku"]).strip(), str(item["name"]).strip()
    category = str(item.get("category") or table.title or "").strip()
    doc = Document(
        doc_id=f"product:{sku}", type="product", title=name, path=table.path, source=table.source,
        version=table.version, sku=sku, product_name=name, category=category,
        effective_from=iso_date(item.get("effective_from"), "effective_from") or table.effective_from,
        effective_to=iso_date(item.get("effective_to"), "effective_to") or table.effective_to)
    doc.sections.append(Section("main", "商品信息", _main_text(item, sku, name, category)))
    specs = _specs_text(item)
    if specs:
        doc.sections.append(Section("specs", "规格参数与注意事项", specs))
    size = _size_text(item.get("size_chart"))
    if size:
        doc.sections.append(Section("size", "尺码表", size))
    return doc


def _money(value: Any) -> str:
    try:
        f = float(str(value).replace("元", "").replace("¥", "").replace("￥", "").strip())
    except ValueError:
        return str(value)
    return f"{f:g}元"


def _main_text(item: dict[str, Any], sku: str, name: str, category: str) -> str:
    lines = [f"{name}（SKU：{sku}，类目：{category}）" if category else f"{name}（SKU：{sku}）"]
    facts = []
    if item.get("original_price") not in (None, ""):
        facts.append(f"原价{_money(item['original_price'])}")
    if item.get("price") not in (None, ""):
        facts.append(f"到手价{_money(item['price'])}")
    if item.get("stock") not in (None, ""):
        facts.append(f"库存{item['stock']}件")
    if facts:
        lines.append("，".join(facts) + "。")
    points = _as_list(item.get("selling_points"))
    if points:
        lines.append("卖点：")
        lines.extend(f"- {p}" for p in points)
    return "\n".join(lines)


_KNOWN_KEYS = {"sku", "name", "category", "original_price", "price", "stock", "selling_points", "specs",
               "size_chart", "notes", "effective_from", "effective_to"}


def _specs_text(item: dict[str, Any]) -> str:
    lines: list[str] = []
    specs = item.get("specs")
    if isinstance(specs, dict) and specs:
        lines.append("规格参数：")
        lines.extend(f"{k}：{_flat(v)}" for k, v in specs.items())
    extra = {k: v for k, v in item.items() if k not in _KNOWN_KEYS and v not in (None, "", [], {})}
    lines.extend(f"{k}：{_flat(v)}" for k, v in extra.items())  # e.g. warranty, gifts: never dropped silently
    notes = _as_list(item.get("notes"))
    if notes:
        lines.append("注意事项：")
        lines.extend(f"- {n}" for n in notes)
    return "\n".join(lines)


def _size_text(chart: Any) -> str:
    if not isinstance(chart, list) or not chart:
        return ""
    lines = ["尺码表（平铺测量）："]
    for row in chart:
        if isinstance(row, dict):
            size = row.get("尺码") or row.get("size") or ""
            rest = "，".join(f"{k}{v}" for k, v in row.items() if k not in ("尺码", "size"))
            lines.append(f"{size}码：{rest}" if size else rest)
        else:
            lines.append(str(row))
    return "\n".join(lines)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [_flat(v) for v in value if v not in (None, "")]
    return [_flat(value)]


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return "，".join(f"{k}：{_flat(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_flat(v) for v in value)
    return str(value).strip()


# ---------------------------------------------------------------- templates and other YAML


def load_templates(doc: dict[str, Any], path: Path) -> LoadResult:
    """Reply templates are indexed lightly: one whole section per template, its strings flattened."""
    base = base_document(doc, path, default_id=f"template:{path.stem}", default_type="template",
                         default_title=path.stem)
    base.type = "template"
    entries = doc.get("templates")
    items: list[tuple[str, Any]]
    if isinstance(entries, list):
        items = [(str(e.get("id") or n) if isinstance(e, dict) else str(n), e) for n, e in enumerate(entries, 1)]
    elif isinstance(entries, dict):
        items = [(str(k), v) for k, v in entries.items()]
    else:
        items = [("1", {k: v for k, v in doc.items() if k not in _FRONT_KEYS})]
    for key, entry in items:
        label = key
        if isinstance(entry, dict):
            label = str(entry.get("title") or entry.get("name") or entry.get("scene") or key)
            # the reply text only: trigger rules (`when`) and variable lists are regex/code, and as BM25 text they
            # would make a template outrank the policy a question is really about
            body = [entry[k] for k in _TEMPLATE_TEXT_KEYS if entry.get(k)]
            text = "\n".join(_strings(body)) if body else "\n".join(_strings(entry, skip=_TEMPLATE_SKIP))
        else:
            text = "\n".join(_strings(entry))
        if text.strip():
            base.sections.append(Section(key=key, label=label, text=text))
    if not base.sections:
        raise LoadError("template file has no template text")
    return LoadResult([base])


_FRONT_KEYS = {"id", "type", "title", "version", "effective_from", "effective_to", "source"}
_TEMPLATE_TEXT_KEYS = ("text", "body", "template", "reply", "content", "branches")
_TEMPLATE_SKIP = {"id", "when", "variables", "optional", "condition", "conditions"}


def load_generic_yaml(doc: dict[str, Any], path: Path) -> LoadResult:
    """A YAML file that is neither a product table nor templates: index its text as a document."""
    base = base_document(doc, path, default_id=f"doc:{path.stem}", default_type="document",
                         default_title=path.stem)
    text = "\n".join(_strings({k: v for k, v in doc.items() if k not in _FRONT_KEYS}))
    if not text.strip():
        raise LoadError("YAML has no `products:` or `templates:` and no other text to index")
    base.sections.append(Section(key="0", label="", text=text, kind="free"))
    return LoadResult([base])


def _strings(value: Any, skip: frozenset[str] | set[str] = frozenset(), prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        out: list[str] = []
        for k, v in value.items():
            if str(k) in skip:
                continue
            if isinstance(v, (dict, list)):
                out.extend(_strings(v, skip, f"{k}："))
            elif v not in (None, ""):
                out.append(f"{k}：{v}")
        return out
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, skip, prefix)]
    return [f"{prefix}{value}"] if value not in (None, "") else []
