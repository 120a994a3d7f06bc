"""The FactBook: typed facts read once from all KB passages (products, promotions, policy numbers).

Built from `kb.passages()` when the critic first needs it and rebuilt when the index changes. Policy facts are
(kind, duration, passage) triples found by topic words around numbers; product facts come from product passages
(grouped by sku, else by document); promotions from promotion passages with their validity dates.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

import jieba
import yaml

from coach.claims.numbers import NUM, Duration, dates, durations, money_values, tiers, to_number
from coach.claims.tables import TableProduct, section_code, table_products
from coach.critic.text import normalize, split_sentences
from coach.models import Passage

CLAIMS_FILE = Path(__file__).resolve().parents[2] / "prompts" / "claims.yaml"


class KBLike(Protocol):
    def passages(self, types: Sequence[str] | None = None) -> list[Passage]: ...

    def search(self, query: str, k: int = 5, *, types: Sequence[str] | None = None, sku: str | None = None,
               as_of: date | None = None, mode: Literal["hybrid", "dense", "bm25"] = "hybrid") -> list[Passage]: ...


@dataclass(frozen=True)
class Fact:
    kind: str
    value: Duration
    passage_id: str
    sentence: str
    context: str = ""  # e.g. quality / no_reason for shipping payer
    qualifiers: frozenset[int] = frozenset()  # indexes into claims.yaml `qualifiers` (余额 / 银行卡 / 偏远 …)


@dataclass
class Product:
    key: str
    name: str
    sku: str | None
    passage_ids: list[str] = field(default_factory=list)
    price: float | None = None
    original_price: float | None = None
    stock: int | None = None
    text: str = ""
    aliases: set[str] = field(default_factory=set)
    _prohibited: list[str] | None = field(default=None, repr=False)

    def unit_values(self, unit_rx: str) -> set[float]:
        return {v for m in re.finditer(rf"({NUM})\s*(?:{unit_rx})", self.text) if (v := to_number(m.group(1)))}

    def prohibited(self, object_rx: str, subject_rx: str) -> list[str]:
        """Uses and people the product text rules out, split on 和/、/及/或 ("柔顺剂和漂白剂" → both)."""
        if self._prohibited is None:
            found: list[str] = []
            for m in re.finditer(object_rx, self.text):
                for part in re.split(r"和|、|及|或|与|以及", m.group("x")):
                    part = re.sub(r"(的|等|哦|呢|使用|清洗)$", "", re.sub(r"^(于|在|将|把|对)", "", part))
                    # quantities and manners ("超过最大水位", "直接贴合") are instructions, not a use to forbid
                    if len(part) >= 2 and not re.match(r"超过|低于|高于|直接|长时间|同时|打开|对着|靠近|有|其他|徒手", part):
                        found.append(part)
            found += [m.group("x") for m in re.finditer(subject_rx, self.text)]
            # "内芯不可机洗，外套可机洗": an item the same page also allows is conditional — leave it alone
            allowed = {f for f in found if re.search(rf"(?<!不)(可以|可|能|支持)\S{{0,2}}{re.escape(f)}", self.text)}
            self._prohibited = sorted(set(found) - allowed, key=len, reverse=True)
        return self._prohibited

    @cached_property
    def category(self) -> str:
        """The catalogue category ("类目:童装" in the product's header), '' when the page names none. Read once the
        FactBook is built (the text is complete then); the checks ask for it per sentence."""
        m = re.search(r"类目[:：]\s*([^\s，,）)；;]+)", self.text)
        return m.group(1) if m else ""

    @property
    def main_id(self) -> str:
        return next((p for p in self.passage_ids if p.endswith("#main")), self.passage_ids[0] if self.passage_ids else "")


@dataclass
class Promotion:
    key: str
    title: str
    start: date | None
    end: date | None
    passage_ids: list[str]
    text: str
    tiers: set[tuple[float, float]]
    aliases: set[str]

    def gifts(self, gift_rx: str) -> set[str]:
        return {m.group("g") for m in re.finditer(gift_rx, self.text)}

    def active(self, on: date) -> bool:
        return (self.start is None or self.start <= on) and (self.end is None or on <= self.end)


@lru_cache(maxsize=4)
def load_claim_kinds(path: Path = CLAIMS_FILE) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def sentence_kinds(sentence: str, kinds: dict[str, Any]) -> list[str]:
    out = []
    for name, spec in kinds.items():
        if re.search(spec["topic"], sentence) and not (spec.get("exclude") and re.search(spec["exclude"], sentence)):
            out.append(name)
    return out


def qualifier_of(text: str, pos: int, groups: list[str], end: int | None = None) -> frozenset[int]:
    """The qualifier groups named just before the number at `pos` — back to the previous number or 。；, at most
    14 chars ("储蓄卡和信用卡1-5个工作日" → both) — else after it in its clause ("24小时内到银行卡")."""
    window_start = max(0, pos - 14)
    cut = max(text.rfind(c, window_start, pos) for c in "。；;\n")
    digits = [m.end() for m in re.finditer(r"\d", text[window_start:pos])]
    window_start = max(window_start, cut + 1, window_start + digits[-1] if digits else 0)
    before = text[window_start:pos]
    found = frozenset(i for i, g in enumerate(groups) if re.search(g, before))
    if found or end is None:
        return found
    after = re.split(r"[，,；;。\n]", text[end:end + 16], maxsplit=1)[0]
    return frozenset(i for i, g in enumerate(groups) if re.search(g, after))


class FactBook:
    def __init__(self, kb: KBLike, as_of: date) -> None:
        self.kb = kb
        self.as_of = as_of
        self.spec = load_claim_kinds()
        self.kinds: dict[str, Any] = self.spec["kinds"]
        self.facts: dict[str, list[Fact]] = defaultdict(list)
        self.payer: list[Fact] = []
        self.products: dict[str, Product] = {}
        self.promotions: list[Promotion] = []
        self.compensation: list[tuple[float, str, str]] = []  # (amount 元, passage id, sentence)
        self.no_concession: list[str] = []  # passage ids of rules that forbid agent discounts/gifts for bargaining
        self.multiples_allowed = False      # does any rule mention 倍 compensation (假一赔三 …)
        self.numbered_sentences: list[tuple[str, list[Duration]]] = []  # sentences with figures of no kind
        self.default_couriers: dict[str, str] = {}
        self.agent_allowances: list[str] = []  # passage ids of rules that let agents give a coupon/discount/gift
        self.promise_bans: dict[str, str] = {}  # "same_day_ship" / "sure_delivery" → passage id of the ban
        self.standing_tiers: set[tuple[float, float]] = set()  # 满X减Y written in policies, valid without a promotion  # courier named as a default → passage id
        self.private_rules: list[str] = []  # passage ids of rules against side deals (私下转账, 平台外交易)
        # every policy/promotion sentence with its passage id: the term checks (coach/claims/terms.py) read rules
        # such as "不能叠加" or "以下商品不支持无理由" from them
        self.rule_sentences: list[tuple[str, str]] = []
        self.derived: dict[str, Any] = {}  # caches of coach/claims/terms.py, built on first use
        self._cite_cache: dict[str, list[str]] = {}
        self._build(kb.passages())

    # ------------------------------------------------------------------ building
    def _build(self, passages: list[Passage]) -> None:
        promo_groups: dict[str, list[Passage]] = defaultdict(list)
        coded_sections: list[tuple[str, Passage, str]] = []
        for p in passages:
            text = normalize(p.text)
            if p.type == "product" or (p.sku and p.type not in ("policy", "promotion", "template")):
                self._add_product(p, text)
                continue
            if p.type == "template":
                continue
            code = section_code(normalize(p.section))
            if code:
                coded_sections.append((code, p, text))
            if p.type == "promotion" or (p.type == "document" and self._looks_like_promotion(p, text)):
                # a file of our own format is one promotion; a shop's free-form file holds one per section
                key = p.id.rsplit("-", 1)[0] if p.doc_id.startswith("doc:") else p.doc_id
                promo_groups[key].append(p)
            context_hint = normalize(f"{p.title} {p.section}")
            previous: list[str] = []
            for sent in split_sentences(text):
                found = durations(sent.text)
                # an item of a list under a heading ("…送达时间：" then "偏远地区4-7天；") keeps the heading's topic
                kinds = sentence_kinds(sent.text, self.kinds) or (previous if found else [])
                kinds = kinds or (sentence_kinds(context_hint, self.kinds) if found else [])
                if found and not kinds:
                    self.numbered_sentences.append((sent.text, found))
                # "注意不是7天" names the figure the policy is NOT
                found = [d for d in found if not re.search(r"(不是|并非|而非|而不是|非)\s*$", sent.text[max(0, d.start - 3):d.start])]
                for kind in kinds:
                    for d in found:
                        # "德邦大件在上面基础上加1-2天" is an increment, not the big-item figure itself
                        relative = re.search(r"(加|多|延长|额外|再|顺延)\s*$", sent.text[max(0, d.start - 3):d.start])
                        q = frozenset() if relative else qualifier_of(sent.text, d.start, self.spec.get("qualifiers", []), d.end)
                        self.facts[kind].append(Fact(kind, d, p.id, sent.text, qualifiers=q))
                previous = kinds or previous
                self.rule_sentences.append((sent.text, p.id))
                self._read_rules(p, sent.text)
                payer = self.payer_of(sent.text)
                if payer:
                    ctx = self.context_of(sent.text) or self.context_of(context_hint) or "general"
                    self.payer.append(Fact("payer", Duration(0, 0, 0, 0, ""), p.id, sent.text, f"{ctx}:{payer}"))
        # tables can span several chunks of one document: read them over the document's whole text
        by_doc: dict[str, list[Passage]] = defaultdict(list)
        for p in passages:
            if p.type not in ("product", "template"):
                by_doc[p.doc_id].append(p)
        for group in by_doc.values():
            for row in table_products("\n".join(normalize(p.text) for p in group)):
                self._add_table_product(row, next((p for p in group if row.row in normalize(p.text)), group[0]))
        for code, p, text in coded_sections:
            prod = self.products.get(code)
            if prod is not None:
                prod.passage_ids.append(p.id)
                prod.text += "\n" + text
        for key, group in promo_groups.items():
            self._add_promotion(key, group)

    def _read_rules(self, p: Passage, sentence: str) -> None:
        draft = self.spec["draft"]
        if (re.search(r"客服(可以|可|能|有权|最多|单次)|权限|老(客|顾客)|可(以)?(发|送|申请)", sentence)
                and re.search(r"券|红包|赠品|优惠|便宜|改价|减|补偿", sentence)
                and not re.search(r"不得|不能|不可|禁止|不允许|无权", sentence)):
            self.agent_allowances.append(p.id)
        for m in re.finditer(draft["promise_ban"], sentence):
            banned = sentence[m.end(): m.end() + 16]
            if re.search(r"当天|24小时", banned) and re.search(r"发", banned):
                self.promise_bans.setdefault("same_day_ship", p.id)
            if re.search(r"哪(一)?天|具体(日期|时间|哪天)|送达|送到|到货|明天|时效|指定时间", banned):
                self.promise_bans.setdefault("sure_delivery", p.id)
        if p.type == "policy" and re.search(r"券|长期|复购|会员", sentence) and not re.search(r"(\d+月\d+日|双1[12]|双十[一二])", sentence):
            self.standing_tiers |= tiers(sentence)
        for m in re.finditer(rf"默认(?:使用|走|用|发|是)?\s*({draft['couriers']})", sentence):
            self.default_couriers.setdefault(m.group(1), p.id)
        if re.search(r"私下|平台外|站外|线下", sentence) and re.search(r"不得|不能|不要|禁止|严禁|不可|不允许|切勿", sentence):
            self.private_rules.append(p.id)
        if re.search(r"补偿|赔偿|赔付|补贴|致歉券|安抚", sentence):
            self.compensation += [(v, p.id, sentence) for v, _, _ in money_values(sentence)]
        if re.search(draft["no_concession_rule"], sentence):
            self.no_concession.append(p.id)
        if re.search(r"倍(赔|退)|赔(偿)?[一二三四五六七八九十\d]+倍|假一赔|退一赔", sentence) and not re.search(
                r"不(得|能|可)|禁止|不承诺|不支持", sentence):
            self.multiples_allowed = True

    def _looks_like_promotion(self, p: Passage, text: str) -> bool:
        return bool(re.search(r"活动|促销|大促|会员日|满减|优惠券|双1[12]|双十[一二]", f"{p.title}{text[:80]}")) and len(
            dates(text, self.as_of.year)) >= 2

    def _add_product(self, p: Passage, text: str) -> None:
        key = p.sku or p.doc_id
        prod = self.products.get(key)
        if prod is None:
            name = normalize(p.title or text.split("\n", 1)[0])
            name = re.sub(r"[（(].*?[)）]", "", name).strip()
            prod = self.products[key] = Product(key=key, name=name, sku=p.sku, aliases=product_aliases(name))
        prod.passage_ids.append(p.id)
        prod.text += "\n" + text
        for attr, rx in (("original_price", self.spec["product"]["original_price"]),
                         ("price", self.spec["product"]["price"])):
            m = re.search(rx, text)
            if m and getattr(prod, attr) is None:
                setattr(prod, attr, to_number(m.group("v")))
        m = re.search(self.spec["product"]["stock"], text)
        if m and prod.stock is None:
            v = to_number(m.group("v"))
            prod.stock = int(v) if v is not None else None
        if prod.stock is None and re.search(r"售罄|缺货|无货|暂无库存|已售完", text):
            prod.stock = 0

    def _add_table_product(self, row: TableProduct, p: Passage) -> None:
        key = row.code or normalize(row.name)
        if not key or key in self.products:
            return
        name = normalize(row.name or row.code)
        aliases = product_aliases(name) | ({row.code} if row.code else set())
        self.products[key] = Product(key=key, name=name, sku=row.code or None, passage_ids=[p.id],
                                     price=row.price, original_price=row.original_price, stock=row.stock,
                                     text=normalize(row.row), aliases=aliases)

    def _add_promotion(self, key: str, group: list[Passage]) -> None:
        text = "\n".join(normalize(p.text) for p in group)
        first = group[0]
        start, end = _iso(first.effective_from), _iso(first.effective_to)
        if first.doc_id.startswith("doc:"):
            # a shop's free-form file: validity comes from the section's own "date 至 date", never from a
            # date guessed for the whole file
            span = date_range(text, self.as_of.year)
            label_text = normalize(f"{first.title} {first.section}") + text
            if span is None or not re.search(r"活动|优惠|满\d+减|减\d+|券|折|促销|特价|赠|送|秒杀|大促|会员|到手|季|节|周", label_text):
                return
            start, end = span
        elif start is None or end is None:
            found = sorted(d for d, _, _ in dates(text, self.as_of.year))
            if not found:
                return
            start, end = start or found[0], end or found[-1]
        label = first.section if first.doc_id.startswith("doc:") and first.section else first.title
        title = normalize(re.sub(r"^\s*[\d一二三四五六七八九十]+[.、)）]\s*", "", label or key))
        self.promotions.append(Promotion(key=key, title=title, start=start, end=end,
                                         passage_ids=[p.id for p in group], text=text, tiers=tiers(text),
                                         aliases=promo_aliases(title)))

    # ------------------------------------------------------------------ reading
    def payer_of(self, sentence: str) -> str | None:
        spec = self.spec["payer"]
        if not re.search(spec["topic"], sentence):
            return None
        found = [who for who in ("insurance", "shop", "buyer") if re.search(spec[who], sentence)]
        if "shop" in found and "buyer" in found:
            return None  # a sentence that splits the cost (换货: buyer sends back, shop sends out) is no single fact
        return found[0] if found else None

    def context_of(self, sentence: str) -> str | None:
        spec = self.spec["payer"]
        if re.search(spec["out_of_warranty_context"], sentence):
            return "out_of_warranty"
        if re.search(spec["exchange_context"], sentence) and not re.search(spec["quality_context"], sentence):
            return "exchange"
        if re.search(spec["quality_context"], sentence):
            return "quality"
        if re.search(spec["no_reason_context"], sentence):
            return "no_reason"
        return None

    def find_product(self, product_id: str | None, text: str) -> Product | None:
        """The order's product, else the one product whose distinctive name words appear in the text."""
        if product_id:
            pid = product_id.strip().lower()
            for prod in self.products.values():
                if pid in {(prod.sku or "").lower(), prod.key.lower(), prod.key.lower().split(":")[-1]}:
                    return prod
        best: tuple[int, Product] | None = None
        tie = False
        for prod in self.products.values():
            score = sum(len(a) for a in prod.aliases if a in text)
            if prod.sku and prod.sku.lower() in text:
                score += 20
            if score and (best is None or score > best[0]):
                best, tie = (score, prod), False
            elif best and score == best[0] and score:
                tie = True
        return None if best is None or tie else best[1]

    def active_promotions(self) -> list[Promotion]:
        return [p for p in self.promotions if p.active(self.as_of)]

    def cite(self, query: str, types: tuple[str, ...] = ("policy",)) -> list[str]:
        """Best policy clause for a topic (cached: the same topics recur on every critique)."""
        key = f"{types}|{query}"
        if key not in self._cite_cache:
            try:
                hits = self.kb.search(query, k=1, types=list(types), mode="bm25")
            except Exception:  # a KB that cannot answer must not break the critique
                hits = []
            self._cite_cache[key] = [hits[0].id] if hits else []
        return self._cite_cache[key]

    def best_passage(self, sentence: str, candidates: set[str]) -> str | None:
        """Among candidate passage ids, the one retrieval ranks highest for this sentence."""
        if not candidates:
            return None
        try:
            hits = self.kb.search(sentence, k=10, mode="bm25")
        except Exception:
            hits = []
        for h in hits:
            if h.id in candidates:
                return h.id
        return sorted(candidates)[0]


# words too common to tie a sentence to a topic ("可以", "订单", "签收"…)
FILLER_WORDS = {"可以", "我们", "直接", "或者", "就是", "这个", "您的", "已经", "还是", "如果", "的话", "一般", "天内", "小时",
           "以内", "之内", "订单", "申请", "签收", "退货", "退款"}


def window_facts(facts: list[Fact], product: Product | None, convo: str) -> list[Fact]:
    """The return-window facts that apply: those naming the product (or its category); without a product, those
    naming goods the customer wrote ("跑鞋" in "鞋服类商品（徒步鞋、越野跑鞋…）15天"); else all of them."""
    if product is not None:
        return [f for f in facts if names_product(f.sentence, product)] or facts
    words = {w for w in jieba.lcut(convo[-120:]) if len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)} - FILLER_WORDS
    return [f for f in facts if any(w in f.sentence for w in words) and "无理由" in f.sentence] or facts


def names_product(sentence: str, product: Product) -> bool:
    if product.category and re.search(rf"(?<![非除]){re.escape(product.category)}", sentence):
        return True
    return any(len(a) >= 2 and a in sentence for a in product.aliases if a not in product.name[:2])



_GENERIC = {"暖屿", "女款", "男款", "男女", "同款", "中性", "儿童", "款", "装", "套装", "加厚", "新款", "升级",
            "旗舰", "官方", "正品", "经典", "系列", "礼盒", "连帽", "轻薄"}


def product_aliases(name: str) -> set[str]:
    """Distinctive words of a product name (炸锅, 羽绒服, 面霜 …) for matching what customers type."""
    name = re.sub(r"[（(][^)）]*[)）]", " ", name)  # 智能喂食器（可视款）: the bracket is a variant, not the product
    # sizes and counts ("8枚装", "25g×30袋", "5斤装") are no product words: "甜石榴", not "枚装"
    name = re.sub(r"[\d.]+\s*(ml|l|g|kg|w|cm|mm|片|支|枚|个|只|袋|盒|箱|罐|瓶|包|斤|粒|颗|入|条|对|饼|泡)?\s*(装)?(?![a-z])|[×x*]", " ", name)
    words = {w for w in jieba.lcut(name) if len(w) >= 2}
    aliases = {w for w in words if w not in _GENERIC and not re.fullmatch(r"[a-z0-9\-]+", w)}
    # the last word of a Chinese product name is usually the product type (…羽绒服, …电热水壶)
    compact = re.sub(r"[^\u4e00-\u9fff]", "", name)
    for n in (2, 3):
        if len(compact) >= n:
            aliases.add(compact[-n:])
    return aliases


def promo_aliases(title: str) -> set[str]:
    base = re.sub(r"20\d{2}(年)?|活动|大促|专场|规则|说明|已结束|进行中|今天最后一天|[（(].*?[)）]|[·\s✅❌⏰*]|[^\u4e00-\u9fffa-z0-9]", "", title)
    out = {base} if len(base) >= 2 else set()
    for a, b in (("十一", "11"), ("十二", "12")):
        for s in list(out):
            out.add(s.replace(a, b))
            out.add(s.replace(b, a))
    for s in list(out):
        for m in re.finditer(r"双1[12]|双十[一二]|会员日|年货节|618|女王节|开学季|周年庆|[\u4e00-\u9fff]{2}(?:季|节|周)", s):
            out.add(m.group())
    return {a for a in out if len(a) >= 2}


def date_range(text: str, year: int) -> tuple[date, date] | None:
    """The first "date 至/到/-/~ date" span in the text."""
    found = dates(text, year)
    for (a, _, a_end), (b, b_start, _) in itertools.pairwise(found):
        between = text[a_end:b_start]
        if len(between) <= 12 and re.search(r"至|到|-|~|～|—|–", between) and a <= b:
            return a, b
    return None


def _iso(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
