"""Shop terms checked without a wrong number (coach/claims/terms.py), against a small made-up shop whose rules are
unlike the demo shop's: the checks must read the rule from the KB text, so the same draft is fine in a shop
without the rule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from coach.critic.engine import Critic
from coach.models import Case, Passage

AS_OF = date(2026, 11, 23)
RULES = {
    "policy:coupons#1": "每单只能用1张店铺券，鲜果券、新人券、会员券之间不能叠加，只能选其中一张。",
    "policy:coupons#2": "店铺券可以和平台券同时使用。",
    "policy:returns#1": "茶叶类商品支持签收之日起15天无理由退货；零食类商品支持签收之日起7天无理由退货。",
    "policy:returns#2": "以下商品一经拆封不支持无理由退货：① 茶叶、花茶等冲泡类；② 坚果、果干等零食。",
    "policy:returns#3": "生鲜水果不支持七天无理由退货，坏果请在签收后24小时内拍照申请赔付。",
    "policy:shipping#1": "全国包邮，以下偏远地区除外：新疆、西藏、青海，需另付12元运费。",
    "policy:insurance#1": "零食、茶叶订单赠送运费险；生鲜订单不赠送运费险。",
    "policy:complaints#1": "买家申请平台介入或投诉是买家的权利，客服不得阻拦或劝说撤回。",
    "policy:shipping#2": "生鲜不配送西藏、新疆，茶叶和零食可以正常发货。",
    "policy:price#1": "茶叶付款之日起7天内降价可申请价保；生鲜不参与价保。",
    "policy:ads#1": "茶叶是普通食品，不得宣称降血脂、治失眠等功效。",
}
PRODUCTS = {
    "GZ-TEA-01": "果知味 明前龙井 250g（sku:gz-tea-01，类目:茶叶）\n原价268元，到手价198元，库存120件。",
    "GZ-FR-01": "果知味 赣南脐橙 5斤（sku:gz-fr-01，类目:生鲜）\n原价59元，到手价39元，库存300件。",
}


class TinyKB:
    """Enough of the KnowledgeBase protocol for the critic: every passage, and a naive keyword search."""

    version = "tiny-1"

    def __init__(self, rules: dict[str, str]) -> None:
        self.items = [Passage(id=pid, doc_id=pid.split("#")[0], type="policy", title="规则", text=t)
                      for pid, t in rules.items()]
        self.items += [Passage(id=f"product:{sku}#main", doc_id=f"product:{sku}", type="product", sku=sku,
                               title=text.split("（")[0], text=text) for sku, text in PRODUCTS.items()]

    def passages(self, types: Sequence[str] | None = None) -> list[Passage]:
        return [p for p in self.items if types is None or p.type in types]

    def search(self, query: str, k: int = 5, **_: Any) -> list[Passage]:
        scored = sorted(self.items, key=lambda p: -sum(ch in p.text for ch in set(query)))
        return scored[:k]

    def get(self, pid: str) -> Passage | None:
        return next((p for p in self.items if p.id == pid), None)


def critic(rules: dict[str, str] = RULES) -> Critic:
    return Critic.load(kb=TinyKB(rules), as_of=AS_OF)


def policy(c: Critic, customer: str, draft: str, **extra: Any) -> Any:
    crit = c.critique(Case(id="t", customer=customer, draft=draft, **extra))
    return next(f for f in crit.findings if f.principle == "policy_accuracy")


@pytest.fixture(scope="module")
def shop() -> Critic:
    return critic()


def test_coupons_the_kb_says_do_not_stack(shop: Critic) -> None:
    f = policy(shop, "鲜果券和会员券能一起用吗", "亲，可以一起用的，鲜果券减10，会员券减20，一共减30～")
    assert f.verdict == "violated" and "policy:coupons#1" in f.citations
    # a coupon with a platform coupon is allowed by the same KB, and asking back is no claim
    assert policy(shop, "会员券和平台券能一起用吗", "亲，可以一起用的，会员券先减，再用平台券～").verdict != "violated"
    assert policy(shop, "鲜果券和会员券能一起用吗", "亲，我帮您看下能不能一起用哈～").verdict != "violated"


def test_without_the_rule_stacking_is_not_judged() -> None:
    lenient = critic({k: v for k, v in RULES.items() if not k.startswith("policy:coupons")})
    assert policy(lenient, "鲜果券和会员券能一起用吗", "亲，可以一起用的，一共减30～").verdict != "violated"


def test_opened_goods_outside_no_reason_returns(shop: Critic) -> None:
    f = policy(shop, "龙井拆开喝了两泡不喜欢", "亲，拆开了也能无理由退的，您在订单页申请就行～", order={"product_id": "GZ-TEA-01"})
    assert f.verdict == "violated" and f.citations == ["policy:returns#2"]
    # unopened tea is returnable: the exclusion depends on the state
    ok = policy(shop, "龙井还没拆，不想要了", "亲，没拆封的可以退的，您在订单页申请就行～", order={"product_id": "GZ-TEA-01"})
    assert ok.verdict != "violated"


def test_refusing_a_return_inside_the_category_window(shop: Critic) -> None:
    f = policy(shop, "龙井签收10天了 能退吗", "不好意思亲，已经超过了，没办法退了呢。", order={"product_id": "GZ-TEA-01"})
    assert f.verdict == "violated" and "15天" in f.explanation
    # the order's own delivery date counts as well; 20 days is past the tea window
    late = policy(shop, "龙井能退吗", "不好意思亲，已经超过15天了，没办法退了呢。",
                  order={"product_id": "GZ-TEA-01", "signed_at": "2026-11-03"})
    assert late.verdict != "violated"


def test_free_shipping_where_the_kb_has_exceptions(shop: Critic) -> None:
    assert policy(shop, "发新疆包邮吗", "亲，全国包邮的，新疆也不例外～").verdict == "violated"
    assert policy(shop, "发新疆包邮吗", "亲，新疆需另付12元运费，其他地区包邮～").verdict != "violated"
    assert policy(shop, "发杭州包邮吗", "亲，包邮的哈～").verdict != "violated"


def test_shipping_insurance_on_orders_that_carry_none(shop: Critic) -> None:
    f = policy(shop, "橙子不想要了 运费险能赔吗", "亲，订单都带运费险，寄回运费会自动理赔的～", order={"product_id": "GZ-FR-01"})
    assert f.verdict == "violated" and f.citations == ["policy:insurance#1"]
    tea = policy(shop, "龙井不想要了 运费险能赔吗", "亲，订单带运费险，寄回运费会自动理赔的～", order={"product_id": "GZ-TEA-01"})
    assert tea.verdict != "violated"


def test_talking_a_customer_out_of_a_complaint(shop: Critic) -> None:
    f = policy(shop, "再不解决我就投诉", "亲，投诉也解决不了问题的，您再等等吧")
    assert f.verdict == "violated" and f.citations == ["policy:complaints#1"]


def test_regions_the_kb_does_not_deliver_to_named_by_a_city(shop: Critic) -> None:
    f = policy(shop, "我在乌鲁木齐，能买脐橙吗", "亲，可以的，顺丰发出后3天左右就能到～", order={"product_id": "GZ-FR-01"})
    assert f.verdict == "violated" and "新疆" in f.explanation and f.citations == ["policy:shipping#2"]
    # the rule names 生鲜: tea goes there
    tea = policy(shop, "我在乌鲁木齐，能买龙井吗", "亲，可以的，发出后3天左右就能到～", order={"product_id": "GZ-TEA-01"})
    assert tea.verdict != "violated"


def test_price_protection_granted_to_a_category_left_out(shop: Critic) -> None:
    f = policy(shop, "橙子买贵了能补差价吗", "亲，可以补差价的，在订单页申请价保就行～", order={"product_id": "GZ-FR-01"})
    assert f.verdict == "violated" and f.citations == ["policy:price#1"]
    assert policy(shop, "龙井降价了能补差价吗", "亲，可以补差价的，在订单页申请价保就行～",
                  order={"product_id": "GZ-TEA-01"}).verdict != "violated"


def test_health_claims_the_kb_forbids(shop: Critic) -> None:
    f = policy(shop, "龙井能降血脂吗", "能的，每天喝两杯，降血脂效果很好～", order={"product_id": "GZ-TEA-01"})
    assert f.verdict == "violated" and f.citations == ["policy:ads#1"]
    assert policy(shop, "龙井能降血脂吗", "亲，茶叶是普通食品，不能降血脂哦，血脂问题请遵医嘱～",
                  order={"product_id": "GZ-TEA-01"}).verdict != "violated"


def with_product(sku: str, chunk: str, title: str, text: str) -> Critic:
    """The shop plus one more product page chunk (`product:<sku>#<chunk>`)."""
    kb = TinyKB(RULES)
    kb.items += [Passage(id=f"product:{sku}#{chunk}", doc_id=f"product:{sku}", type="product", sku=sku,
                         title=title, text=text)]
    return Critic.load(kb=kb, as_of=AS_OF)


def test_a_size_recommended_against_the_chart() -> None:
    c = with_product("GZ-AP-01", "size", "果知味 加绒卫衣",
                     "果知味 加绒卫衣（sku:gz-ap-01，类目:服饰）\n原价199元，到手价129元，库存80件。\n尺码表：\n"
                     "S码：身高150-158cm，体重40-47kg\nM码：身高158-165cm，体重47-54kg\nL码：身高165-170cm，体重54-61kg")
    wrong = policy(c, "我158 45kg，卫衣拍M还是S", "亲，您这个身高体重拍M正好哦～", order={"product_id": "GZ-AP-01"})
    assert wrong.verdict == "violated" and "应选S" in wrong.explanation
    assert policy(c, "我158 45kg，卫衣拍M还是S", "亲，您拍S正好哦～", order={"product_id": "GZ-AP-01"}).verdict != "violated"
    # a size up offered for a wish the customer has is advice, not a wrong reading of the chart
    assert policy(c, "我158 45kg，喜欢宽松点，拍M还是S", "亲，按尺码表是S，想宽松就拍M～",
                  order={"product_id": "GZ-AP-01"}).verdict != "violated"


def test_keeping_times_checked_against_the_product_page() -> None:
    c = with_product("GZ-FR-02", "main", "果知味 徐香猕猴桃",
                     "果知味 徐香猕猴桃 30枚（sku:gz-fr-02，类目:生鲜）\n原价59元，到手价42元，库存200件。\n"
                     "注意事项:\n  到货偏硬，常温后熟3-5天\n  未软化冷藏30天，软化后冷藏3天内吃完")
    wrong = policy(c, "猕猴桃放冰箱能放多久", "亲，放冰箱冷藏能放两个月左右～", order={"product_id": "GZ-FR-02"})
    assert wrong.verdict == "violated" and "冷藏" in wrong.explanation
    ok = policy(c, "猕猴桃怎么吃", "亲，到货偏硬，常温放3-5天变软就能吃，没软的冷藏能放30天～", order={"product_id": "GZ-FR-02"})
    assert ok.verdict != "violated"
