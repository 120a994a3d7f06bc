"""Shop terms a draft can get wrong without stating a wrong number.

Coupons the KB says do not stack, goods the KB excludes from no-reason returns, a return refused as "too late" while
the window is still open, free shipping promised where the KB lists exceptions, 运费险 promised on orders that carry
none, and talking a customer out of a complaint the KB says is their right. Every rule is read from the shop's own
KB sentences (`FactBook.rule_sentences`) with the patterns in prompts/claims.yaml `terms`; nothing about a particular
shop lives here, so a new shop's KB brings its own terms. No rule in the KB, no finding: we cannot tell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import jieba.posseg

from coach.claims.facts import FactBook, Product, window_facts
from coach.claims.issue import Issue
from coach.claims.numbers import tiers, to_number
from coach.critic.text import Sentence, Text

# where a coupon's name starts: "不能和新客券" → 新客券, "会员券属于店铺券" → 店铺券
_NAME_STOP = set("、，,；;：:。！？!?（）() 和与跟及或把张的种个用领是为有在于能可以吗呢啊哦也都还再")
_GENERIC_COUPONS = {"券", "优惠券", "红包券", "代金券"}
# nouns of an exclusion sentence that name no goods
_NOT_GOODS = {"商品", "理由", "质量", "问题", "平台", "订单", "页面", "买家", "卖家", "店铺", "客服", "原因", "情况", "时间",
              "期限", "运费", "标准", "规则", "政策", "范围", "条件", "影响", "销售", "退货", "退款", "天数", "以下", "外包装",
              "包装", "详情页", "类目", "卫生", "安全", "运输", "限制", "受限制", "类", "部件", "状态", "款式", "本店", "申请"}


@dataclass(frozen=True)
class _StackRule:
    names: frozenset[str]
    tiers: frozenset[tuple[float, float]]
    passage_id: str


@dataclass(frozen=True)
class _Exclusion:
    goods: frozenset[tuple[str, ...]]  # ("奶粉",) or ("定制", "窗帘"): every part must be named
    conditional: bool  # excluded only once opened / used / worn
    passage_id: str
    sentence: str


def _goods(text: str, state: str) -> set[tuple[str, ...]]:
    """The goods an exclusion names: nouns, with the modifier glued to them ("定制窗帘" → ("定制", "窗帘"))."""
    tokens = jieba.posseg.lcut(text)
    out: set[tuple[str, ...]] = set()
    for i, (w, flag) in enumerate(tokens):
        if not flag.startswith("n") or len(w) < 2 or w in _NOT_GOODS or re.search(state, w):
            continue
        prev = tokens[i - 1].word if i else ""
        glued = len(prev) >= 2 and prev not in _NOT_GOODS and not re.search(state, prev) and re.fullmatch(
            r"[\u4e00-\u9fff]+", prev) and tokens[i - 1].flag[:1] in ("v", "a", "b")
        out.add((prev, w) if glued else (w,))
    # "定制窗帘（按尺寸制作的窗帘）": the bare repeat names the same goods as the glued form
    return {g for g in out if len(g) > 1 or not any(len(h) > 1 and h[-1] == g[0] for h in out)}


def coupon_names(text: str) -> set[str]:
    """Coupon names in a text; a 满减 offer that is no coupon ("满799减120", "店铺满减") is named 满减."""
    out = {"满减"} if re.search(r"满\s*\d+\s*(元)?\s*减\s*\d+|满减(?!券)", text) else set()
    for m in re.finditer("券", text):
        i = m.start()
        while i > 0 and text[i - 1] not in _NAME_STOP and m.start() - i < 5:
            i -= 1
        name = text[i:m.end()]
        if name not in _GENERIC_COUPONS and len(name) >= 2:
            out.add(name)
    return out


def _same_coupon(a: str, b: str) -> bool:
    short = min(a, b, key=len)
    return a == b or (len(short) >= 3 and (a.endswith(b) or b.endswith(a)))


def _covers(subject: str, product: Product) -> bool:
    """Does the subject of a KB exclusion ("生鲜水果…不参与价保") name this product's category or the product?
    "非童装订单不赠送运费险" excludes everything but 童装, so a name after 非 does not count."""
    keys = {product.category} | {a for a in product.aliases if len(a) >= 2}
    return any(k and re.search(rf"(?<!非){re.escape(k)}", subject) for k in keys)


def _negated(text: str, pos: int, width: int = 3) -> bool:
    return bool(re.search(r"不|没|无法|别|未|非", text[max(0, pos - width):pos]))


class TermChecker:
    def __init__(self, book: FactBook) -> None:
        self.book = book
        self.spec: dict[str, str] = book.spec["terms"]
        self.cities: dict[str, str] = book.spec["terms"]["region_cities"]
        if "terms" not in book.derived:
            book.derived["terms"] = self._read_rules()
        rules: dict[str, Any] = book.derived["terms"]
        self.stack_rules: list[_StackRule] = rules["stack"]
        self.categories: set[str] = rules["categories"]
        self.exclusions: list[_Exclusion] = rules["exclusions"]
        self.shipping: list[tuple[str, str, set[str]]] = rules["shipping"]
        self.no_insurance: list[tuple[str, str]] = rules["no_insurance"]
        self.complaint_rules: list[str] = rules["complaint"]
        self.no_delivery: list[tuple[str, str, set[str]]] = rules["no_delivery"]
        self.categories_of_goods: set[str] = rules["categories_of_goods"]
        self.no_price_protection: list[tuple[str, str]] = rules["no_price_protection"]
        self.banned_claims: list[tuple[str, str]] = rules["banned_claims"]

    # ------------------------------------------------------------------ reading the KB once
    def _read_rules(self) -> dict[str, Any]:
        spec = self.spec
        stack, exclusions, shipping, no_ins, complaint, no_delivery = [], [], [], [], [], []
        no_pp: list[tuple[str, str]] = []
        banned: list[tuple[str, str]] = []
        categories: set[str] = set()
        sentences = self.book.rule_sentences
        head: tuple[str, str] | None = None  # the exclusion sentence a "；"-separated list continues
        for i, (text, pid) in enumerate(sentences):
            categories |= {m.group("c") for m in re.finditer(spec["rule_coupon_category"], text)}
            found = list(re.finditer(spec["rule_no_stack"], text))
            if found:
                seg = text[:found[-1].end()]
                stack.append(_StackRule(frozenset(coupon_names(seg)), frozenset(tiers(seg)), pid))
            m = re.search(spec["rule_return_exclusion"], text)
            if m and re.search(r"质量问题(的|退)?[^。；;]{0,4}(可以|支持|可)", text[:m.start()]):
                m = None
            if m or head is not None:
                # "以下商品一经拆封不支持无理由退货：① 奶粉…；② 纸尿裤…" — each item is its own exclusion; the
                # head's condition ("一经拆封") holds for every item
                head_text = text if m else head[0] if head else ""
                lead = head_text.split("：")[0].split(":")[0]
                goods = _goods(text, spec["exclusion_state"])
                items = text.split("：", 1)[-1].split(":", 1)[-1] if m else text
                conditional = bool(re.search(spec["exclusion_state"], items) or re.search(spec["exclusion_state"], lead))
                if goods:
                    exclusions.append(_Exclusion(frozenset(goods), conditional, pid, text))
                head = (head_text, pid) if text.rstrip().endswith(("；", ";", "：", ":")) and (
                    i + 1 < len(sentences) and sentences[i + 1][1] == pid) else None
            if re.search(spec["rule_shipping_exception"], text) and re.search(r"包邮|运费", text):
                regions = set(re.findall(spec["remote_regions"], text))
                if regions:
                    shipping.append((text, pid, regions))
            for m in re.finditer(spec["rule_no_insurance"], text):
                no_ins.append((text[max(0, m.start() - 24):m.start()], pid))
            if re.search(spec["rule_complaint_right"], text):
                complaint.append(pid)
            for m in re.finditer(spec["rule_no_price_protection"], text):
                no_pp.append((text[max(0, m.start() - 24):m.start()], pid))
            for m in re.finditer(spec["rule_claim_ban"], text):
                what = re.split(r"等(功效|效果|作用|疗效|用语)", m.group("what"))[0]
                words = re.findall(r"[“\"‘']([^”\"’']{2,8})[”\"’']", what) or re.split(r"[、，,和及或]", what)
                banned += [(w.strip(), pid) for w in words if 2 <= len(w.strip()) <= 6 and re.search(r"[\u4e00-\u9fff]", w)
                           and not re.search(r"效果|功效|用语|医疗|宣传|如$", w)]
            if m := re.search(spec["rule_no_delivery"], text):
                # the comma clause holding the rule: "生鲜不配送新疆，茶叶可以正常发货" binds 生鲜 only
                a = max(text.rfind(c, 0, m.start()) for c in "，,") + 1
                ends = [e for c in "，," if (e := text.find(c, m.end())) != -1]  # not `i`: the walrus would rebind the loop index
                clause = text[a:min(ends) if ends else len(text)]
                if regions := self.regions_in(clause):
                    no_delivery.append((clause, pid, regions))
        return {"stack": stack, "categories": categories, "exclusions": exclusions, "shipping": shipping,
                "no_insurance": no_ins, "complaint": complaint, "no_delivery": no_delivery,
                "no_price_protection": no_pp, "banned_claims": banned,
                "categories_of_goods": {p.category for p in self.book.products.values() if p.category}}

    def regions_in(self, text: str) -> set[str]:
        return {region for region, rx in self.cities.items() if re.search(rx, text)}

    # ------------------------------------------------------------------ the draft
    def check(self, draft: Text, convo: str, product: Product | None, scene: str,
              signed_at: date | None = None) -> list[Issue]:
        asked = convo[-300:]
        out: list[Issue] = []
        for sent in draft.sentences:
            out += self._stacking(sent, asked)
            out += self._excluded_return(sent, asked, product, scene)
            out += self._free_shipping(sent, asked, draft.norm)
            out += self._insurance(sent, product)
            out += self._complaint(sent)
            out += self._no_delivery(sent, asked, product)
            out += self._excluded_price_protection(sent, product)
            out += self._banned_claim(sent)
        out += self._window_refusal(draft, convo, product, scene, signed_at)
        return out

    def _stacking(self, sent: Sentence, asked: str) -> list[Issue]:
        s = sent.text
        # "能不能一起用" asks; a sentence that itself states the no-stacking rule explains it
        m = next((x for x in re.finditer(self.spec["draft_stack"], s)
                  if not _negated(s, x.start()) and "不" not in x.group()), None)
        if m is None or not self.stack_rules or re.search(self.spec["rule_no_stack"], s):
            return []
        names = {n for n in coupon_names(s) | coupon_names(asked)
                 if not any(_same_coupon(n, c) for c in self.categories)}
        claimed = tiers(s)
        for rule in self.stack_rules:
            both = {n for n in names if any(_same_coupon(n, r) for r in rule.names)}
            if len(both) >= 2:
                why = f"{'和'.join(sorted(both))}按店铺规则不能叠加使用"
            elif len(claimed) >= 2 and claimed <= rule.tiers and re.search(r"一共|总共|加起来|合计|再加上|累计|全部减", s):
                why = "满减各档只享受达到的最高一档，不能累加"
            else:
                continue
            return [Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()), f"优惠叠加说错了：{why}。",
                          "按规则说明哪些优惠能一起用、哪些只能选一个，并算出实际能减的金额。", [rule.passage_id])]
        return []

    def _excluded_return(self, sent: Sentence, asked: str, product: Product | None, scene: str) -> list[Issue]:
        s, spec = sent.text, self.spec
        if scene in ("defect_after_sales", "wrong_item") or re.search(r"质量|破损|故障|发错|错发|瑕疵", s):
            return []
        m = next((x for x in re.finditer(spec["draft_return_ok"], s) if not _negated(s, x.start())), None)
        if m is None:
            return []
        about = s + asked + (f"{product.name}{product.category}" if product else "")
        for ex in self.exclusions:
            # "定制窗帘" binds only when both words are there: a 成品窗帘 is returnable
            goods = ["".join(g) for g in ex.goods if all(part in about for part in g)]
            if not goods:
                continue
            if ex.conditional:
                said = s + asked
                if not re.search(spec["exclusion_state"], said) or re.search(spec["state_negated"], said):
                    continue
            return [Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                          f"{goods[0]}不在无理由退货范围内：知识库写明“{ex.sentence[:60]}”。",
                          "如实说明这类商品的退货限制，质量问题另按质量问题处理。", [ex.passage_id])]
        return []

    def _window_refusal(self, draft: Text, convo: str, product: Product | None, scene: str,
                        signed_at: date | None) -> list[Issue]:
        """"签收9天了能退吗" → "已经超过了，没法退": wrong when this product's window is longer."""
        spec = self.spec
        if scene in ("defect_after_sales", "wrong_item") or not re.search(r"超过|过了|超出|已过|过期|\d+\s*天", draft.norm):
            return []
        e = re.search(spec["elapsed_days"], convo[-300:] + "\n" + draft.norm)
        if signed_at is not None:  # the order's own record beats anyone's counting
            elapsed: float | None = float((self.book.as_of - signed_at).days)
        elif e is None:
            return []
        elif e.group("n"):
            elapsed = to_number(e.group("n"))
        else:
            today = self.book.as_of
            day = int(e.group("d"))
            signed = today.replace(day=day) if day <= today.day else (today.replace(day=1) - timedelta(days=1)).replace(day=min(day, 28))
            elapsed = float((today - signed).days)
        facts = self.book.facts.get("return_window", [])
        if elapsed is None or not facts:
            return []
        # the no-reason windows only (not "客服12小时内审核"), narrowed to this product or the goods named
        facts = [f for f in facts if "无理由" in f.sentence] or facts
        narrowed = window_facts(facts, product, convo)
        own = narrowed if len(narrowed) < len(facts) else []
        window = max(f.value.hi for f in own) if own else min(f.value.hi for f in facts)
        if elapsed > window:
            return []
        for sent in draft.sentences:
            m = next((x for x in re.finditer(spec["draft_window_passed"], sent.text)
                      if not _negated(sent.text, x.start(), 2)), None)
            # the refusal's own words must be about time: "因为卫生原因没法无理由退" refuses for another reason
            if m is None:
                continue
            near = sent.text[max(0, m.start() - 14):m.end() + 6]
            if re.search(r"超过|过了|超出|已过|过期|期限|天", near) and not re.search(
                    r"卫生|拆|开封|使用过|定制|人为|二次销售", near):
                fact = (own or sorted(facts, key=lambda f: f.value.hi))[0]
                return [Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                              f"还在无理由退货期限内：顾客签收约{elapsed:g}天，政策为“{fact.sentence[:60]}”。",
                              "按签收日期核对期限，期限内的直接告诉顾客可以申请退货。", [fact.passage_id])]
        return []

    def _free_shipping(self, sent: Sentence, asked: str, whole: str) -> list[Issue]:
        s, spec = sent.text, self.spec
        m = re.search(spec["draft_free_shipping"], s)
        # a draft that states the condition anywhere ("实付满99元包邮") has given the exception
        if m is None or not self.shipping or re.search(spec["shipping_condition"], whole) or _negated(s, m.start(), 2):
            return []
        for text, pid, regions in self.shipping:
            said = self.regions_in(s) | self.regions_in(asked[-120:])
            named = [r for r in regions if r in s or r in asked[-120:] or any(r.startswith(x) for x in said)]
            if re.search(spec["draft_universal"], s) or named:
                where = named[0] if named else "所有地区"
                return [Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                              f"包邮范围说错了：{where}不是无条件包邮，知识库写明“{text[:60]}”。",
                              "说明包邮范围和偏远地区的运费规则。", [pid])]
        return []

    def _no_delivery(self, sent: Sentence, asked: str, product: Product | None) -> list[Issue]:
        """"我在乌鲁木齐，能买脐橙吗" → "可以的，全国包邮": the KB does not deliver these goods there at all."""
        s, spec = sent.text, self.spec
        m = re.search(spec["draft_delivers"], s)
        if m is None or not self.no_delivery or re.search(spec["draft_no_delivery"], s):
            return []
        wanted = self.regions_in(asked[-120:]) | self.regions_in(s)
        for clause, pid, regions in self.no_delivery:
            if not wanted & regions:
                continue
            # "生鲜水果不配送新疆" says nothing about tea: a rule naming categories binds only those
            named = {c for c in self.categories_of_goods if c in clause}
            if named and (product is None or product.category not in named):
                continue
            where = sorted(wanted & regions)[0]
            return [Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                          f"{where}不在配送范围内：知识库写明“{clause[:60]}”。",
                          "如实告知不能配送，推荐能发货的商品或其他办法。", [pid])]
        return []

    def _excluded_price_protection(self, sent: Sentence, product: Product | None) -> list[Issue]:
        s = sent.text
        m = re.search(self.spec["draft_price_protection"], s)
        if m is None or product is None:
            return []
        for subject, pid in self.no_price_protection:
            if _covers(subject, product):
                return [Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                              f"{product.name}不参与价保：知识库写明“{subject}不参与价保”。",
                              "如实说明这类商品不参与价保，可推荐当前真实活动。", [pid])]
        return []

    def _banned_claim(self, sent: Sentence) -> list[Issue]:
        """"熟茶刮油降脂，血脂就能降下来" when the KB forbids claiming 降血脂: a claim the shop may not make."""
        s = sent.text
        for word, pid in self.banned_claims:
            core = word[-3:] if len(word) > 3 else word  # "降血脂" also in "血脂就能降下来" is too loose; keep the word
            i = s.find(core)
            if i < 0 or re.search(r"不(能|会|可以|可|具有|具备)|没有|无法|并非|不是|不得", s[max(0, i - 8):i]):
                continue
            return [Issue("policy_accuracy", (sent.start + i, sent.start + i + len(core)),
                          f"“{core}”是店铺规则禁止宣称的功效。", "只说商品资料写明的事实，不宣称保健或医疗功效。", [pid])]
        return []

    def _insurance(self, sent: Sentence, product: Product | None) -> list[Issue]:
        s = sent.text
        m = re.search(self.spec["draft_insurance"], s)
        if m is None or product is None or _negated(s, m.start(), 2):
            return []
        for subject, pid in self.no_insurance:
            if _covers(subject, product):
                return [Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                              f"{product.name}的订单不带运费险：知识库写明“{subject}…不赠送运费险”。",
                              "如实说明这类订单没有运费险，寄回运费按政策承担。", [pid])]
        return []

    def _complaint(self, sent: Sentence) -> list[Issue]:
        m = re.search(self.spec["draft_dissuade_complaint"], sent.text)
        if m is None or not self.complaint_rules:
            return []
        return [Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                      "投诉和申请平台介入是顾客的正当权利，店铺规则不允许客服劝阻。",
                      "尊重顾客的选择，同时给出具体的解决方案和时限，争取把问题先解决。", self.complaint_rules[:1])]


__all__ = ["TermChecker", "coupon_names"]
