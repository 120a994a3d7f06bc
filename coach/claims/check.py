"""Verify the concrete claims of a draft against the FactBook.

Each check returns `Issue`s: the draft span, why it is wrong (quoting the KB fact), the fix, and the citation of the
KB passage that holds the fact. A claim with nothing in the KB to check against is not a violation: we cannot tell.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import jieba

from coach.claims import shelf, sizing, terms
from coach.claims.facts import (
    FILLER_WORDS,
    Fact,
    FactBook,
    Product,
    qualifier_of,
    sentence_kinds,
    window_facts,
)
from coach.claims.issue import Issue
from coach.claims.numbers import NUM, Duration, durations, tiers, to_number
from coach.critic.lexicon import Lexicon
from coach.critic.text import Sentence, Text

_OWN_ACTION_AFTER = re.compile(r"^\s*(内|之内|以内)?\s*(我|我们|这边)?\s*(帮|给|为|替)?(您|你)?\s*(回复|答复|同步|联系|核实|核查|查|看|处理|确认|反馈|回电|致电|跟进|催|把[^。，,]{0,6}(告诉|发给|发您|发你|同步|反馈|回复)|给(您|你)(单号|回复|答复|结果|消息))")


def own_action(sentence: str, d: Duration) -> bool:
    return bool(_OWN_ACTION_AFTER.search(sentence[d.end:d.end + 10]))


_ELAPSED_BEFORE = re.compile(r"(签收|收到|收货|买了|用了|穿了|到货|下单|付款)(了)?(才|已经|已|刚|都|快|有)\s*$|(才|已经|刚刚?)(签收|收到|用了|买了)(了)?\s*$")
_SALES_SCENES = {"presale_product", "presale_size", "logistics_query", "order_urging_payment", "promotion_query",
                 "price_objection", "bargaining"}
_ARRIVES = re.compile(r"\s*(左右|内|之内|以内)?\s*(就|就能|能|可以|会)?\s*(到|送到|送达|到货|收到)(?!账|期|付)")
MAX_TOPIC_DISTANCE = 16  # a number far from its topic word in a long sentence is about something else


def assign(sentence: str, kinds: dict[str, Any]) -> list[tuple[str, Duration]]:
    """Each duration in the sentence goes to the nearest matching topic (a sentence may carry several kinds)."""
    names = sentence_kinds(sentence, kinds)
    if not names:
        return []
    anchors = [(n, m.start()) for n in names for m in re.finditer(kinds[n]["topic"], sentence)]
    out = []
    for d in durations(sentence):
        # "签收才4天" / "已经用了10天了" is how long it has been, not a promise about policy
        # "6天还没送到" counts the wait as well
        if _ELAPSED_BEFORE.search(sentence[max(0, d.start - 6):d.start]) or sentence[d.end:d.end + 1] == "了" \
                or re.match(r"(了)?(还|都|仍|也)(没|未|不)", sentence[d.end:d.end + 3]):
            continue
        # "已经发出了，一般2-4天到": a span followed by arriving is a delivery time, whatever topic is nearer
        arrive = "delivery_time" in kinds and _ARRIVES.match(sentence, d.end) and not (
            kinds["delivery_time"].get("exclude") and re.search(kinds["delivery_time"]["exclude"], sentence))
        if arrive:
            out.append(("delivery_time", d))
            continue
        kind, pos = min(anchors, key=lambda a: min(abs(a[1] - d.start), abs(a[1] - d.end)))
        if min(abs(pos - d.start), abs(pos - d.end)) <= MAX_TOPIC_DISTANCE:
            out.append((kind, d))
    return out


def _fmt(d: Duration) -> str:
    return f"{d.lo:g}" if d.lo == d.hi else f"{d.lo:g}-{d.hi:g}"


def consistent(claim: Duration, facts: list[Fact], deadline: bool = False) -> bool:
    """A figure inside a policy range is fine ("3天" of "1-5天") — unless it is a deadline: "24小时内到银行卡"
    promises faster than the policy's "1-5个工作日" allows."""
    for f in facts:
        v = f.value
        inside = v.lo < v.hi and claim.within(v) and not (deadline and claim.hi < v.hi - 0.02)
        if claim.same(v) or inside or abs(claim.hi - v.hi) <= 0.02:
            return True
    return False


class ClaimChecker:
    def __init__(self, book: FactBook, lex: Lexicon) -> None:
        self.book = book
        self.lex = lex
        self.draft_spec: dict[str, Any] = book.spec["draft"]
        self._from_order = False
        self._convo, self._scene = "", ""

    def check(self, draft: Text, convo: str, product_id: str | None, scene: str,
              signed_at: date | None = None) -> tuple[list[Issue], list[Issue]]:
        """(policy_accuracy issues, honest_urgency issues)."""
        product = self.book.find_product(product_id, convo + "\n" + draft.norm)
        self._convo, self._scene = convo, scene
        self._from_order = bool(product_id) and product is not None and product is self.book.find_product(product_id, "")
        policy: list[Issue] = []
        for sent in draft.sentences:
            policy += self._durations(sent, product, convo)
            policy += self._payer(sent, convo, scene)
            policy += self._promotions(sent)
            policy += self._absolute_and_unbounded(sent)
            policy += self._compensation(sent, scene)
            policy += self._courier(sent) + self._expired_gift(sent) + self._side_deal(sent) + self._banned_promise(sent)
            if product:
                policy += self._product(sent, product)
        policy += self._expired_in_question(draft, convo)
        policy += terms.TermChecker(self.book).check(draft, convo, product, scene, signed_at)
        urgency = [i for sent in draft.sentences for i in self._urgency(sent, product)]
        # a false *concrete* fact behind the urgency (a stock count, an end date, a price change) also contradicts
        # the KB: principles.md lists stock and promotion terms under policy_accuracy
        policy += [Issue("policy_accuracy", i.span, i.concrete, i.suggestion, i.citations) for i in urgency if i.concrete]
        return _dedupe(policy), _dedupe(urgency)

    # ------------------------------------------------------------------ policy numbers
    def _durations(self, sent: Sentence, product: Product | None, convo: str = "") -> list[Issue]:
        out = []
        groups: list[str] = self.book.spec.get("qualifiers", [])
        named = [i for i, g in enumerate(groups) if re.search(g, convo)]
        for kind, d in assign(sent.text, self.book.kinds):
            if own_action(sent.text, d):
                continue
            facts = self.book.facts.get(kind, [])
            if kind == "warranty" and product:
                facts = self._product_warranty(product) + facts  # the page's figures and the warranty policy
            if kind == "return_window":
                # "鞋服类15天，装备类7天": the clause naming this product's category (or the product) decides
                facts = window_facts(facts, product, convo)
            # "退余额也是2-5个工作日吗" — the bank-card figure is no answer for the balance: compare like with like.
            # A qualifier only the customer named may belong to another step of the process: then the
            # unqualified figures still count and a deadline is read loosely
            own = qualifier_of(sent.text, d.start, groups, d.end)
            q = own or frozenset(named if len(named) == 1 else [])
            if q:
                facts = [f for f in facts if f.qualifiers & q or (not own and not f.qualifiers)] or facts
            deadline = bool(own) and bool(re.match(r"\s*(内|之内|以内)", sent.text[d.end:]))
            if not facts or consistent(d, facts, deadline) or self._stated_elsewhere(d, sent.text):
                continue
            best = self.book.best_passage(sent.text, {f.passage_id for f in facts}) or facts[0].passage_id
            fact = next((f for f in facts if f.passage_id == best), facts[0])
            label = self.book.kinds[kind].get("label", kind)
            claimed = sent.text[d.start:d.end]
            right = fact.sentence[fact.value.start:fact.value.end]
            out.append(Issue("policy_accuracy", (sent.start + d.start, sent.start + d.end),
                             f"{label}与知识库不符：回复说“{claimed}”，政策为“{fact.sentence[:60]}”。",
                             f"按政策改为“{right}”，并引用条款。", [best], (claimed, right)))
        return out

    def _stated_elsewhere(self, d: Duration, sentence: str) -> bool:
        """The same figure stands in a KB sentence about the same thing under another kind ("签收20天内可以换新或
        退货" read as a refund time): the kind guess was wrong, not the number."""
        words = {w for w in jieba.lcut(sentence) if len(w) >= 2 and not re.fullmatch(r"[\d.\-–~]+", w)} - FILLER_WORDS
        for facts in self.book.facts.values():
            for f in facts:
                if f.value.same(d) and len(words & set(jieba.lcut(f.sentence))) >= 3:
                    return True
        # a KB sentence outside every kind ("少发的24小时内补寄") still backs the same figure for the same thing
        for text, found in self.book.numbered_sentences:
            if any(v.same(d) for v in found) and len(words & set(jieba.lcut(text))) >= 2:
                return True
        return False

    def _product_warranty(self, product: Product) -> list[Fact]:
        out = []
        for sent in re.split(r"[。\n；;]", product.text):
            if re.search(r"保修|质保", sent):
                out += [Fact("warranty", d, product.passage_ids[-1], sent) for d in durations(sent)]
        return out

    def _payer(self, sent: Sentence, convo: str, scene: str) -> list[Issue]:
        who = self.book.payer_of(sent.text)
        if who is None:
            return []
        ctx = self.book.context_of(sent.text)
        if ctx is None:
            ctx = "quality" if scene in ("defect_after_sales", "wrong_item") else (
                self.book.context_of(convo) or ("no_reason" if scene == "return_request" else None))
        if ctx is None:
            return []
        facts = [f for f in self.book.payer if f.context.startswith(ctx + ":")]
        side = {"insurance": "buyer"}.get(who, who)
        kb_sides = {({"insurance": "buyer"}.get(w, w)) for f in facts if (w := f.context.split(":")[1])}
        if not facts or side in kb_sides:
            return []
        best = self.book.best_passage(sent.text, {f.passage_id for f in facts}) or facts[0].passage_id
        fact = next(f for f in facts if f.passage_id == best)
        what = {"quality": "质量问题", "no_reason": "无理由退换", "exchange": "换货"}.get(ctx, ctx)
        return [Issue("policy_accuracy", (sent.start, sent.end),
                      f"{what}的运费承担说法与政策不符：政策为“{fact.sentence[:60]}”。",
                      "按政策说明运费由谁承担（无理由退货一般买家承担、运费险理赔；质量问题店铺承担）。", [best])]

    # ------------------------------------------------------------------ promotions
    def _expired_in_question(self, draft: Text, convo: str) -> list[Issue]:
        """The customer names an ended promotion ("双11的券还能用吗") and the draft says yes."""
        spec, today = self.draft_spec, self.book.as_of
        sents = draft.sentences
        # "您好呀～可以用的哦" — a greeting-only first sentence is not the answer
        first = sents[1] if len(sents) > 1 and self.lex.rx("greeting.opening").search(sents[0].text) and len(sents[0].text) <= 8 else (sents[0] if sents else None)
        if first is None or re.search(spec["ended_words"], draft.norm):
            return []
        if not re.search(r"^[^。，,！!]{0,8}(可以|能|有的|还能|还可以|没问题|当然|行的|可用|有效)", first.text):
            return []
        for promo in self.book.promotions:
            if promo.end and promo.end < today and any(a in convo[-200:] for a in promo.aliases):
                return [Issue("policy_accuracy", (first.start, first.end),
                              f"顾客问的“{promo.title}”已于{promo.end:%m月%d日}结束，回复却说可以。",
                              "如实告知活动已结束，推荐当前正在进行的活动。", promo.passage_ids[:1])]
        return []

    def _promotions(self, sent: Sentence) -> list[Issue]:
        s, out, today = sent.text, [], self.book.as_of
        spec = self.draft_spec
        for promo in self.book.promotions:
            if not any(a in s for a in promo.aliases):
                continue
            if promo.end and promo.end < today and re.search(spec["usable_words"], s) and not re.search(spec["ended_words"], s):
                out.append(Issue("policy_accuracy", (sent.start, sent.end),
                                 f"“{promo.title}”已于{promo.end:%m月%d日}结束，不能再按它的优惠承诺。",
                                 "如实告知活动已结束，推荐当前正在进行的活动。", promo.passage_ids[:1]))
            elif promo.start and promo.start > today and re.search(spec["now_words"], s) and not re.search(
                    r"预热|还没开始|未开始|届时|到时候|开始后|以后|之后|(号|日)(才)?开始|开始时间|不到|不能|不了|没法|无法|不一定"
                    r"|\d+\s*(号|日)?\s*(到|至|-|~|～)\s*\d+\s*(号|日)", s):  # "双12是12月10号到12号" gives its dates
                out.append(Issue("policy_accuracy", (sent.start, sent.end),
                                 f"“{promo.title}”{promo.start:%m月%d日}才开始，现在还不能享受。",
                                 "说明活动开始时间，不提前承诺活动价。", promo.passage_ids[:1]))
        claimed_tiers = tiers(s)
        if claimed_tiers and self.book.promotions and not re.search(spec["ended_words"], s):
            active = set().union(*(p.tiers for p in self.book.active_promotions())) if self.book.active_promotions() else set()
            active |= self.book.standing_tiers  # long-term coupons written in the policies (复购券满199减15)
            named_here = {t for p in self.book.promotions if any(a in s for a in p.aliases) for t in p.tiers}
            for t in claimed_tiers - active - named_here:
                src = next((p for p in self.book.promotions if t in p.tiers), None)
                why = (f"满{t[0]:g}减{t[1]:g}属于已结束的“{src.title}”" if src and not src.active(today)
                       else f"当前没有满{t[0]:g}减{t[1]:g}的活动")
                cite = src.passage_ids[:1] if src else [p.passage_ids[0] for p in self.book.active_promotions()][:1]
                out.append(Issue("policy_accuracy", (sent.start, sent.end), f"{why}。",
                                 "只说当前有效的满减档位。", cite))
        m = re.search(spec["end_date_claim"], s)
        if m and self.book.active_promotions():
            month = int(m.group("m")) if m.group("m") else today.month
            day = int(m.group("d") or m.group("d2"))
            try:
                claimed = date(today.year, month, day)
            except ValueError:
                claimed = None
            ends = {p.end for p in self.book.active_promotions() if p.end}
            if claimed and ends and claimed not in ends:
                p = min(self.book.active_promotions(), key=lambda x: abs(((x.end or today) - claimed).days))
                out.append(Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                                 f"活动截止日期说错了：“{p.title}”截止到{p.end:%m月%d日}。",
                                 f"改为{p.end:%m月%d日}。", p.passage_ids[:1]))
        return out

    # ------------------------------------------------------------------ wording the rules forbid
    def _absolute_and_unbounded(self, sent: Sentence) -> list[Issue]:
        out = []
        m = self.lex.rx("absolute_words").search(sent.text)
        if m:
            out.append(Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                             f"“{m.group()}”是广告法禁止的绝对化用语，也无法被事实支持。",
                             "换成可验证的具体事实（成分、参数、销量数据来源）。",
                             self.book.cite("广告法 绝对化用语 最 第一 极限词")))
        m = self.lex.rx("unbounded_promises").search(sent.text)
        if m:
            out.append(Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                             f"“{m.group()}”超出了店铺政策能兑现的范围。",
                             "只承诺政策写明的期限和条件。",
                             self.book.cite(sent.text) or self.book.cite("承诺 政策 范围")))
        return out

    # ------------------------------------------------------------------ couriers, gifts, side deals
    def _courier(self, sent: Sentence) -> list[Issue]:
        """"全场默认顺丰" when the KB names another default courier for some or all orders."""
        defaults = self.book.default_couriers
        m = re.search(self.draft_spec["universal_courier"], sent.text)
        if not m or not defaults or re.search(r"不|没|无法|除了", sent.text[max(0, m.start() - 4):m.start()]):
            return []
        claimed = m.group("c") or m.group("d")
        # "书架属于大件家具，统一走德邦" names the courier the KB gives that kind of goods: only an every-order claim
        # about a courier the KB does use for something is checked
        if any(claimed in t for t, _ in self.book.rule_sentences) and not re.search(r"全场|全店|所有|全部|一律", m.group()):
            return []
        others = [c for c in defaults if c != claimed]
        if not others or (m.group("d") and claimed in defaults):
            return []
        return [Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                      f"快递说法与政策不符：知识库写明默认使用{'、'.join(defaults)}。",
                      "按政策说明默认快递，以及改发其他快递的条件和费用。", [defaults[others[0]]])]

    def _expired_gift(self, sent: Sentence) -> list[Issue]:
        """A gift that only an ended (or not yet started) promotion gives, offered as current."""
        s, today = sent.text, self.book.as_of
        if not re.search(r"送|赠", s) or re.search(self.draft_spec["ended_words"], s) or re.search(
                r"(没有|不再|不送|已经?送完|送完了)", s):
            return []
        rx = self.draft_spec["gift"]
        for promo in self.book.promotions:
            if promo.active(today) or any(a in s for a in promo.aliases):
                continue  # a promotion named in the sentence ("双12下单送…") is described, not offered now
            for g in promo.gifts(rx):
                core = g[-4:] if len(g) > 4 else g
                if core not in s:
                    continue
                if any(core in x for p in self.book.active_promotions() for x in p.gifts(rx)):
                    continue
                when = f"已于{promo.end:%m月%d日}结束" if promo.end and promo.end < today else "还没开始"
                return [Issue("policy_accuracy", (sent.start, sent.end),
                              f"赠品“{g}”属于“{promo.title}”，该活动{when}，现在下单不送。",
                              "只承诺当前有效活动的赠品。", promo.passage_ids[:1])]
        return []

    def _banned_promise(self, sent: Sentence) -> list[Issue]:
        """A promise the KB says agents must not make (same-day dispatch, a sure delivery day)."""
        for key, why in (("same_day_ship", "店铺不承诺当天发货"), ("sure_delivery", "店铺不承诺具体哪天送到")):
            pid = self.book.promise_bans.get(key)
            # expediting an overdue order today is the remedy, not a sales promise; a tracking status read out
            # ("物流显示今天就能到") is no promise either
            if key == "same_day_ship" and self._scene not in _SALES_SCENES:
                continue
            if key == "sure_delivery" and re.search(r"显示|物流信息|轨迹|派送|派件|快递员|钱|款|到账|打给|转账|红包", sent.text):
                continue
            m = re.search(self.draft_spec[key], sent.text) if pid else None
            if m and pid and not re.search(r"不|没法|无法|预计|一般|大概|左右|争取|尽量|参考", sent.text[max(0, m.start() - 6):m.end()]):
                return [Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                              f"“{m.group()}”超出政策：{why}。", "说政策写明的时效，用“预计”“一般”表述，不做保证。", [pid])]
        return []

    def _side_deal(self, sent: Sentence) -> list[Issue]:
        m = re.search(self.draft_spec["private_money"], sent.text)
        # a side deal on the PRICE (私下算59 / 私下补差价) breaks the pricing rules; other side deals are privacy's
        if m and not re.search(r"便宜|改价|算|差价|价|优惠", sent.text):
            return []
        if not m or not self.book.private_rules or re.search(
                r"不|没有|禁止|谨防|小心", sent.text[max(0, m.start() - 6):m.start()]):
            return []
        return [Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                      "私下转账/改价绕开平台，店铺规则不允许客服这样让利。",
                      "只用平台内的券和活动让利，不做私下交易。", self.book.private_rules[:1])]

    # ------------------------------------------------------------------ money the agent offers
    def _compensation(self, sent: Sentence, scene: str) -> list[Issue]:
        s, spec, book = sent.text, self.draft_spec, self.book
        m = re.search(spec["multiple_compensation"], s)
        # "双倍赔偿这个我们真的做不到" turns the demand down: the refusal may come after the words
        if m and not book.multiples_allowed and not re.search(r"不(能|会|支持)|没有|无法", s[:m.start()][-6:]) \
                and not re.search(r"做不到|不能|不可能|没有|无法|不支持|不行|不了", s[m.end():m.end() + 14]):
            return [Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                          f"“{m.group()}”的多倍赔偿超出店铺政策，一线客服不能自行承诺。",
                          "按政策说明可提供的补偿方案，超出权限的升级给主管处理。",
                          book.cite("补偿 赔偿 标准 权限 投诉"))]
        # a discount or gift for haggling is beyond policy when the KB forbids it — or grants agents nothing of the kind
        if scene in ("bargaining", "price_objection") and (book.no_concession or not book.agent_allowances):
            c = re.search(spec["concession"], s)
            # "真的很想给您少，但价格我这边改不了" wishes, it does not concede
            if c and not re.search(r"不(能|会|可以|行)|没法|无法|没办法|做不到|给不了|改不了|不了", s[max(0, c.start() - 5):c.end() + 14]) \
                    and not re.search(r"想$", s[:c.start()]):
                best = (book.best_passage(s, set(book.no_concession)) or book.no_concession[0]) if book.no_concession \
                    else (book.cite("价格 优惠 议价 改价") or [""])[0]
                return [Issue("policy_accuracy", (sent.start + c.start(), sent.start + c.end()),
                              f"“{c.group()}”：店铺规定客服不能因议价私自改价、发券或加送。",
                              "用原价、包含的价值和当前真实活动来说明价格，不做政策外让步。", [best] if best else [])]
        if book.compensation and re.search(r"补偿|赔偿|赔付|弥补|歉意|致歉|作为|安抚", s):
            allowed = {v for v, _, _ in book.compensation}
            for cm in re.finditer(spec["compensation_claim"], s):
                v = float(cm.group("v") or cm.group("v2"))
                if all(abs(v - a) > 0.01 for a in allowed):
                    cands = {pid for _, pid, _ in book.compensation}
                    best = book.best_passage(s, cands) or sorted(cands)[0]
                    return [Issue("policy_accuracy", (sent.start + cm.start(), sent.start + cm.end()),
                                  f"补偿金额{v:g}元不在店铺补偿标准内（标准：{'、'.join(f'{a:g}元' for a in sorted(allowed))}）。",
                                  "按补偿标准给出金额，超出权限的由主管决定。", [best])]
        return []

    # ------------------------------------------------------------------ products
    def _product(self, sent: Sentence, product: Product) -> list[Issue]:
        s, out, spec = sent.text, [], self.draft_spec
        cite = [product.main_id]
        allowed = {v for v in (product.price, product.original_price) if v is not None}
        if allowed:
            active = self.book.active_promotions()
            deductions = {t[1] for p in active for t in p.tiers}
            rates = {float(r) / 10 for p in active for r in re.findall(r"(\d(?:\.\d)?)\s*折", p.text)}
            base = list(allowed)
            allowed |= {a - d for a in base for d in deductions} | {round(a * r, 2) for a in base for r in rates}
            if not self._from_order:
                # a product guessed from the words of the chat may be the wrong one: a price that is another
                # product's own price says the guess failed, not the agent
                allowed |= {v for p in self.book.products.values() if p is not product
                            for v in (p.price, p.original_price) if v is not None}
            for m in re.finditer(spec["price_claim"], s):
                v = float(m.group("v"))
                if v >= 10 and all(abs(v - a) > 0.5 for a in allowed) and not _mentioned_by_customer(v, s):
                    out.append(Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                                     f"价格说错了：{product.name}原价{_num(product.original_price)}元、到手价{_num(product.price)}元。",
                                     f"改为到手价{_num(product.price)}元。", cite,
                                     (m.group(), m.group().replace(m.group('v'), _num(product.price)))))
        if product.stock == 0 and re.search(spec["in_stock_claim"], s):
            m2 = re.search(spec["in_stock_claim"], s)
            assert m2 is not None
            out.append(Issue("policy_accuracy", (sent.start + m2.start(), sent.start + m2.end()),
                             f"{product.name}目前库存为0（已售罄），不能说有货。",
                             "如实告知缺货和预计补货时间，提供到货提醒或相近款。", cite))
        for m in re.finditer(spec["stock_count_claim"], s):
            v = int(m.group("v"))
            if product.stock is not None and v > product.stock and not self.lex.rx("urgency.cue").search(s):
                out.append(Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                                 f"库存说错了：{product.name}库存{product.stock}件。", "按实际库存说明。", cite))
        for unit_rx in spec["spec_units"].values():
            if unit_rx == "^":
                continue
            have = product.unit_values(unit_rx)
            if not have:
                continue
            for m in re.finditer(rf"(?<![\d.])({NUM})\s*(?:{unit_rx})", s):
                val = to_number(m.group(1))
                if val is not None and all(abs(val - h) > 0.01 * max(h, 1) for h in have):
                    out.append(Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                                     f"参数说错了：{product.name}的参数为{'、'.join(f'{h:g}' for h in sorted(have))}（同一单位）。",
                                     "按商品详情页的参数回答。", [p for p in product.passage_ids if p.endswith("#specs")][:1] or cite))
        for m in re.finditer(spec["spf_claim"], s):
            have = {float(x) for x in re.findall(r"spf\s*(\d+)", product.text)}
            if have and float(m.group("v")) not in have:
                out.append(Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                                 f"防晒值说错了：{product.name}为SPF{'/'.join(f'{h:g}' for h in sorted(have))}。",
                                 "按商品参数回答。", cite))
        out += sizing.check_size(sent, product, self._convo, "")
        out += shelf.check_shelf(sent, product)
        out += self._whole_unit_warranty(sent, product)
        out += self._prohibited_use(sent, product)
        return out

    def _prohibited_use(self, sent: Sentence, product: Product) -> list[Issue]:
        """The draft permits what the product page forbids (干洗 / 柔顺剂 / 孕期使用 …)."""
        spec = self.draft_spec
        for item in product.prohibited(spec["product_prohibition"], spec["product_prohibition_subject"]):
            for m in re.finditer(re.escape(item), sent.text):
                start, end = _clause(sent.text, m.start())
                clause = sent.text[start:end]
                before_item = sent.text[start:m.start()]
                if re.search(spec["negation"], before_item[-6:]) or re.search(spec["negation"], sent.text[m.end():end][:4]):
                    continue
                if not (re.search(spec["permission"], clause) or re.search(r"(用|使用|加|涂|抹|送)\S{0,2}$", before_item)):
                    continue
                return [Issue("policy_accuracy", (sent.start + start, sent.start + end),
                              f"与商品资料矛盾：{product.name}的说明写明不可/不建议“{item}”。",
                              f"按商品资料说明“{item}”的限制，并给出可行的替代做法。",
                              [p for p in product.passage_ids if p.endswith("#specs")][:1] or [product.main_id])]
        return []

    def _whole_unit_warranty(self, sent: Sentence, product: Product) -> list[Issue]:
        m = re.search(self.draft_spec["warranty_claim"], sent.text)
        if not m or not (m.group("whole") or m.group("whole2")):
            return []
        whole = re.search(rf"整机\s*(?:保修|质保)?\s*({NUM})\s*(年|个月)", product.text)
        if not whole:
            return []
        v = to_number(m.group("v") or m.group("v2") or "")
        unit = m.group("u") or m.group("u2")
        right = to_number(whole.group(1))
        if v is None or right is None:
            return []
        months = v * (12 if unit == "年" else 1)
        right_months = right * (12 if whole.group(2) == "年" else 1)
        if abs(months - right_months) < 0.5:
            return []
        return [Issue("policy_accuracy", (sent.start + m.start(), sent.start + m.end()),
                      f"整机保修期说错了：{product.name}整机保修{whole.group(1)}{whole.group(2)}。",
                      f"改为整机保修{whole.group(1)}{whole.group(2)}，并说明核心部件的保修期。",
                      [p for p in product.passage_ids if p.endswith("#specs")][:1] or [product.main_id])]

    # ------------------------------------------------------------------ urgency
    def _urgency(self, sent: Sentence, product: Product | None) -> list[Issue]:
        found = []
        cues = list(self.lex.rx("urgency.cue").finditer(sent.text))
        if cues:
            # "丑橘只剩12箱" in a draft about 沃柑: the figure is checked against the product its sentence names
            # (looked up only for a sentence with a cue: scanning every product per sentence is the slow part)
            product = self.book.find_product(None, sent.text) or product
        for m in cues:
            if self._backed(m.group(), sent.text, product):
                continue
            concrete, cite = self._contradicted_fact(m.group(), sent.text, product)
            found.append(Issue("honest_urgency", (sent.start + m.start(), sent.start + m.end()),
                               f"“{m.group()}”制造了紧迫感，但知识库里没有对应的库存或活动截止事实。",
                               "只说真实的库存和活动截止时间；没有就不要催，改为说明商品价值或当前真实活动。",
                               cite or self.book.cite("虚构库存 倒计时 紧迫 虚假宣传"), concrete=concrete))
        # "卖得特别快，库存就剩最后5台" — report the cue that states a checkable (and wrong) fact when there is one
        return sorted(found, key=lambda i: not i.concrete)[:1]

    def _contradicted_fact(self, cue: str, sentence: str, product: Product | None) -> tuple[str, list[str]]:
        """What checkable fact an unbacked urgency cue states wrongly: a stock count the KB contradicts, or a
        deadline / price change when the KB says otherwise. Vague pressure (卖得火, 剩得不多) states none."""
        # 最后一天 is no count, and 十几 is a vague one (judged below)
        count = re.search(rf"({NUM})", re.sub(r"最后(一|1)(天|晚|小时|波|次|批)|十几|几十|几", "", cue))
        # "就剩最后十几台" against 230 in stock is as false as a number, unless it is about one colour or size
        # the KB does not count separately
        vague = (re.search(r"(十)?几(?!十)|没几", cue) and not re.search(r"[色码号]|[a-z]{1,3}(?![a-z])", sentence)
                 and not re.search(r"送的|赠品|赠送|满\d+送", self._convo))  # a gift's stock is not the product's
        if (product and product.stock is not None and re.search(r"剩|最后|还有|库存", cue)
                and (count or (vague and product.stock >= 30))):
            return f"库存说法与知识库不符：{product.name}库存{product.stock}件。", [product.main_id]
        # a price deadline, not "明天就没了" (that is scarcity, judged by the stock above)
        if re.search(r"今天|今晚|今日|明天|明日|最后(一|1)(天|晚)", cue) and re.search(
                r"结束|截止|恢复|涨|调价", sentence):
            # a deadline is a concrete promotion term: the KB's real end date (or its silence) contradicts it —
            # three of four independent labellers count it under policy_accuracy as well
            named = [p for p in self.book.promotions if any(a in sentence for a in p.aliases)]
            candidates = named or self.book.active_promotions()
            promo = candidates[0] if candidates else None
            if promo is not None and promo.end:
                return f"活动截止时间说错了：“{promo.title}”截止到{promo.end:%m月%d日}。", promo.passage_ids[:1]
            if product is not None:
                return "知识库没有任何涨价或活动截止安排，这个截止时间是编造的。", [product.main_id]
        return "", []

    def _relevant_ends(self, sentence: str, product: Product | None) -> tuple[list[date], bool]:
        """End dates of the active promotions this sentence can be about, and whether any was found by name:
        one it names (by title or 满减 tier), else those covering the product, else (no product) all of them."""
        active = self.book.active_promotions()
        claimed = tiers(sentence)
        named = [p for p in self.book.promotions
                 if any(a in sentence for a in p.aliases) or (claimed and claimed & p.tiers)]
        if named:
            return [p.end for p in named if p.end and p.active(self.book.as_of)], True
        if product is not None:
            keys = {a for a in product.aliases if len(a) >= 2} | ({product.sku.lower()} if product.sku else set())
            covering = [p for p in active if re.search(r"全场|全店|全品|所有商品|店铺通用", p.text)
                        or any(k in p.text for k in keys)]
            return [p.end for p in covering if p.end], False
        return [p.end for p in active if p.end], False

    def _backed(self, cue: str, sentence: str, product: Product | None) -> bool:
        today = self.book.as_of
        active = self.book.active_promotions()
        ends, named = self._relevant_ends(sentence, product)
        n = re.search(r"\d+", cue)
        if re.search(r"剩|最后\s*\d|库存|售罄|抢光|卖完|卖空|断货|断码|没货|限量|有限|领完|抢完|抢手", cue):
            # "限前500单，已经送出400多份，剩得不多了": a limited give-away the KB states is real scarcity
            if re.search(r"限量|有限|领完|抢完|不多|送完", cue) and (re.search(r"限(前)?\d+|前\d+(名|单|份)", sentence) or any(
                    re.search(r"限量|前\d+名|送完即止|先到先得|共\d+|数量有限", p.text) for p in active)):
                return True
            limit = max(int(n.group()) if n else 0, 10)
            return product is not None and product.stock is not None and 0 < product.stock <= limit
        if re.search(r"今天|今晚|今日|最后(一|1)(天|晚)|只有今天|仅限今天", cue):
            return today in ends
        if re.search(r"明天|明日", cue):
            # "明天恢复原价" is true when a promotion ends today; "明天结束" when it ends tomorrow
            return today + timedelta(days=1) in ends or (bool(re.search(r"恢复|涨", cue)) and today in ends)
        if re.search(r"涨价|恢复原价|调价|涨", cue):
            # a price rise needs a promotion behind the current price: named, or covering this product
            return (named or product is not None) and any(0 <= (e - today).days <= 7 for e in ends)
        if re.search(r"结束|截止|很快|即将|马上|就要|快要", cue):
            return any(0 <= (e - today).days <= 7 for e in ends)
        # generic pressure (手慢无, 错过再等, 倒计时): backed only by real scarcity or a promotion about to end
        low_stock = product is not None and product.stock is not None and 0 < product.stock <= 10
        return low_stock or any(0 <= (e - today).days <= 2 for e in ends)


def _num(v: float | None) -> str:
    return "?" if v is None else f"{v:g}"


def _mentioned_by_customer(v: float, sentence: str) -> bool:
    return bool(re.search(rf"(别家|别人|其他家|他们|人家|您说的|您看到的)[^。]{{0,8}}{v:g}", sentence))


def _clause(text: str, pos: int) -> tuple[int, int]:
    left = max(text.rfind(c, 0, pos) for c in "，,；;：:") + 1
    rights = [i for c in "，,；;：:" if (i := text.find(c, pos)) != -1]
    return left, min(rights) if rights else len(text)


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[int, int]] = set()
    out = []
    for i in issues:
        if i.span not in seen:
            seen.add(i.span)
            out.append(i)
    return out


__all__ = ["ClaimChecker", "Issue"]
