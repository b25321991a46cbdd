"""大贵口村's points supermarket (积分超市): its catalogue, its money and goods, and
the households of the finished cycle redeeming their points.

The committee head opens the shop in the autumn of the demo's year with sixteen
daily goods (prices in points from real schemes: 1 point ≈ 1 yuan, towels 10, soap
5, a bucket of oil 80; a thermos for 4A and above, a pressure cooker for 5A). The
money comes from four sources — the district's fund, the village collective, a
business's donation, the credit union's sponsorship — and the clerk `chaoshi` buys
the goods in from them (each receipt paid from one source, which always has the
money). After the cycle is final, every household at 3A or above comes to the shop
within three days and spends part of its points (their wallets first take in the
year's approved points, `wallet_sync`, and the district's grade allowance), so the
month's report shows every rated household served. What ran low is bought in again
from the credit union's sponsorship, which arrives in November. Two bottles of soy sauce break (a loss confirmed by a committee
member), the month ends with a stocktake that finds one bar of soap short, and at
the moment of the build the clerk redeems for the wrong household and voids it at
once. Everything goes through the services with the story's dates; what the
services stamp with the real moment (receipt numbers, the void) is the build's.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sanxin.accounts.models import User
from sanxin.households.models import Household, Person
from sanxin.regions.models import Region
from sanxin.web.demo.calendar import FINAL_DAY, VETO_DAY, Calendar, at
from sanxin.web.demo.fixtures import SEED
from sanxin.web.demo.regions import PILOT_VILLAGE, village_path

if TYPE_CHECKING:
    from sanxin.web.demo.result import BuildResult

logger = logging.getLogger(__name__)

SHOP_NAME = "大贵口村积分超市"
SHOP_CODE = "DGK"
CLERK, HEAD, CONFIRMER, DISTRICT_ADMIN = "chaoshi", "tuanzhang", "chengyuan1", "quadmin"
# The district's redemption policy of the demo: the defaults (base and vanguard points
# credit the wallet, 3A and above redeem) and a grade allowance when a cycle becomes
# final — what most of a 3A household's points are: its conduct points are a few
# dozen, most of its score is the credit union's assessment, which is not spendable.
ALLOWANCES = {"3A": Decimal(30), "4A": Decimal(50), "5A": Decimal(80)}


@dataclass(frozen=True)
class DemoProduct:
    name: str
    unit: str
    price: int  # points
    cost: str  # yuan a unit, paid to the supplier
    stock: int  # bought in October
    min_grade: str = ""
    limit: tuple[int, str] | None = None  # (quantity, period)


# Prices in points as real schemes set them (reference §4: soap 5, toothpaste 10,
# toilet paper 20, washing liquid 20–25, oil 80, a pressure cooker about 210).
PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct("毛巾", "条", 10, "7.50", 60),
    DemoProduct("拖鞋", "双", 15, "11.00", 40),
    DemoProduct("洗衣液（2kg）", "瓶", 25, "19.80", 50),
    DemoProduct("食用油（5L）", "桶", 80, "69.90", 30, limit=(1, "quarter")),
    DemoProduct("大米（10kg）", "袋", 50, "42.00", 40, limit=(1, "month")),
    DemoProduct("面粉（5kg）", "袋", 25, "21.50", 40),
    DemoProduct("牙膏", "支", 10, "8.20", 60),
    DemoProduct("香皂", "块", 5, "3.80", 80),
    DemoProduct("洗洁精", "瓶", 15, "11.50", 50),
    DemoProduct("卫生纸", "提", 20, "16.80", 50),
    DemoProduct("酱油", "瓶", 8, "6.50", 50),
    DemoProduct("醋", "瓶", 6, "4.80", 40),
    DemoProduct("盐", "袋", 3, "2.00", 60),
    DemoProduct("暖壶", "个", 45, "36.00", 15, min_grade="4A", limit=(1, "year")),
    DemoProduct("雨靴", "双", 35, "28.00", 25),
    DemoProduct("高压锅", "个", 210, "179.00", 8, min_grade="5A", limit=(1, "year")),
)

# (kind, name, amount in yuan, day received, note), in the demo's first-year dates.
FUNDING: tuple[tuple[str, str, str, tuple[int, int, int], str], ...] = (
    ("district_fund", "区级积分超市专项资金", "12000.00", (2025, 9, 1), "区财政拨付"),
    ("village_collective", "村集体经济收益", "4000.00", (2025, 9, 5), "村两委会议决定"),
    ("business_donation", "承德滦河商贸有限公司捐赠", "5000.00", (2025, 10, 9), "企业捐赠"),
    ("credit_union", "双塔山信用社赞助", "3000.00", (2025, 11, 2), "共建积分超市"),
)

SUPPLIERS = ("双塔山镇供销社", "滦河百货批发部")
# What ran low in the redemption days, bought in again on the veto day (first-year
# dates: 7 November) from the credit union's sponsorship.
RESTOCK = {"盐": 30, "香皂": 40, "拖鞋": 20, "酱油": 20}


@dataclass
class ShopResult:
    products: int = 0
    receipts: int = 0
    redemptions: int = 0
    households: int = 0
    eligible: int = 0
    voids: int = 0


def build_shop(cal: Calendar, regions: dict[tuple[str, ...], Region], result: BuildResult) -> None:
    """The shop of 大贵口村 and its first season, unless it exists already."""
    from sanxin.ratings.choices import CycleState
    from sanxin.ratings.models import Cycle
    from sanxin.rewards.models import Shop

    village = regions[village_path(PILOT_VILLAGE)]
    if Shop.objects.filter(code=SHOP_CODE).exists():
        return
    names = [CLERK, HEAD, CONFIRMER, DISTRICT_ADMIN]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    if len(users) < len(names):
        return
    final = Cycle.objects.filter(
        village=village, period=cal.cycle_period, state=CycleState.FINAL
    ).first()
    if final is None:
        return  # no finished cycle: nobody has a grade to redeem with
    done = ShopResult()
    _policy_and_allowance(cal, village, final, users)
    shop = _open_shop(cal, village, users, done)
    _redeem_all(cal, shop, village, users, done)
    _restock(cal, shop, users, done)
    _losses_and_stocktake(cal, shop, users)
    _void_at_the_counter(shop, village, users, done)
    logger.info(
        "demo shop: %d products, %d receipts, %d redemptions by %d of %d eligible households, "
        "%d void",
        done.products, done.receipts, done.redemptions, done.households, done.eligible, done.voids,
    )  # fmt: skip


def _policy_and_allowance(cal: Calendar, village: Region, final, users: dict[str, User]) -> None:
    """The district publishes its policy with a grade allowance in September (before
    the cycle); the cycle's final then credits it. The cycle story ran before this
    part of the demo, so the allowance is credited here as the `cycle_final` receiver
    would have (`allowances_credit` is idempotent)."""
    from sanxin.rewards.models import RedemptionPolicy
    from sanxin.rewards.services.policy import policy_publish
    from sanxin.rewards.services.wallets import allowances_credit

    district = Region.objects.get(pk=Region.ids_in_path(village.path)[0])
    if not RedemptionPolicy.objects.filter(district=district).exists():
        effective = cal.d(2025, 9, 1)
        policy_publish(
            actor=users[DISTRICT_ADMIN],
            district=district,
            effective_from=effective,
            allowances=ALLOWANCES,
            note="评定定级后，3A、4A、5A 农户分别奖励 30、50、80 积分，可在积分超市兑换。",
            today=effective,
        )
    final_day = cal.as_of + timedelta(days=FINAL_DAY)
    allowances_credit(cycle=final, actor=users[HEAD], today=final_day, now=at(final_day, 60))


def _open_shop(cal: Calendar, village: Region, users: dict[str, User], done: ShopResult):
    from sanxin.rewards.services import funding, shops, stock

    head, clerk = users[HEAD], users[CLERK]
    shop = shops.shop_create(
        actor=head,
        region=village,
        name=SHOP_NAME,
        code=SHOP_CODE,
        villages=[village],
        address="大贵口村村委会一楼",
    )
    sources = []
    for kind, name, amount, (y, m, d), note in FUNDING:
        source = funding.funding_source_create(actor=head, shop=shop, kind=kind, name=name)
        day = cal.d(y, m, d)
        funding.funding_receive(
            actor=head,
            source=source,
            amount=Decimal(amount),
            received_on=day,
            note=note,
            at=at(day, 60),
        )
        sources.append(source)
    products = []
    for i, p in enumerate(PRODUCTS):
        limit_quantity, limit_period = p.limit if p.limit else (None, "")
        products.append(
            shops.product_create(
                actor=head,
                shop=shop,
                name=p.name,
                unit=p.unit,
                price_points=Decimal(p.price),
                min_grade=p.min_grade,
                limit_quantity=limit_quantity,
                limit_period=limit_period,
                sort_order=i + 1,
            )
        )
    done.products = len(products)
    # Bought in twice, in September and in October, each receipt paid from the first
    # source that has received enough money by its day.
    balances = {s.pk: Decimal(f[2]) for s, f in zip(sources, FUNDING, strict=True)}
    for n, (product, plan) in enumerate(zip(products, PRODUCTS, strict=True)):
        batches = ((cal.d(2025, 9, 10), plan.stock // 2), (cal.d(2025, 10, 20), plan.stock - plan.stock // 2))  # fmt: skip
        for day, quantity in batches:
            cost = Decimal(plan.cost) * quantity
            source = next(s for s in sources if balances[s.pk] >= cost and _received(s, day, cal))
            balances[source.pk] -= cost
            stock.stock_receive(
                actor=clerk,
                product=product,
                quantity=quantity,
                unit_cost=Decimal(plan.cost),
                supplier=SUPPLIERS[n % 2],
                funding_source=source,
                received_on=day,
                at=at(day, 120 + n),
            )
            done.receipts += 1
    return shop


def _received(source, day: date, cal: Calendar) -> bool:
    """Whether the source's money had arrived by `day`."""
    (y, m, d) = next(f[3] for f in FUNDING if f[1] == source.name)
    return cal.d(y, m, d) <= day


def _redeem_all(
    cal: Calendar, shop, village: Region, users: dict[str, User], done: ShopResult
) -> None:
    """Every household whose grade in force is 3A or above comes in the three days
    after the final (before the veto of the cycle story), with a basket it can pay."""
    from sanxin.ratings.standing import grades_in_force
    from sanxin.rewards.models import Product, Wallet
    from sanxin.rewards.services.redemptions import Line, redemption_create
    from sanxin.rewards.services.wallets import wallet_sync
    from sanxin.rules.choices import grade_rank

    households = {h.pk: h for h in Household.objects.filter(village=village).select_related("village", "villager_group")}  # fmt: skip
    wallet_sync(household_ids=list(households), now=at(cal.as_of + timedelta(days=FINAL_DAY), 60))
    records = grades_in_force(list(households))
    eligible = sorted(
        (h for h, r in records.items() if grade_rank(r.grade) >= grade_rank("3A")),
        key=lambda h: households[h].number,
    )
    done.eligible = len(eligible)
    balances = dict(Wallet.objects.filter(household_id__in=eligible).values_list("household_id", "balance"))  # fmt: skip
    heads = {
        p.household_id: p
        for p in Person.objects.filter(household_id__in=eligible, is_head=True, active=True)
    }
    products = list(Product.objects.filter(shop=shop).order_by("sort_order"))
    left = {p.pk: p.stock_quantity for p in products}
    rng = random.Random(SEED + 11)
    days = VETO_DAY - FINAL_DAY - 1  # the days between the final and the veto
    for i, household_id in enumerate(eligible):
        grade = records[household_id].grade
        basket = _basket(rng, products, left, grade, Decimal(balances.get(household_id, 0)))
        if not basket or household_id not in heads:
            continue
        day = cal.as_of + timedelta(days=FINAL_DAY + 1 + i % days)
        redemption_create(
            actor=users[CLERK],
            shop=shop,
            household=households[household_id],
            lines=[Line(product=p, quantity=q) for p, q in basket],
            collected_by=heads[household_id],
            idempotency_key=f"demo-{household_id}",
            occurred_at=at(day, 30 + (i * 7) % 480),
        )
        for p, q in basket:
            left[p.pk] -= q
        done.redemptions += 1
        done.households += 1


def _basket(rng: random.Random, products, left, grade: str, balance: Decimal):
    """One to three products the household may take and can pay for, about half its
    points at most (it keeps some for later)."""
    from sanxin.rules.choices import grade_rank

    budget = min(balance, max(balance / 2, Decimal(30)))
    wanted = rng.choice((1, 2, 2, 3))
    chosen: list[tuple[object, int]] = []
    spent = Decimal(0)
    for p in rng.sample(products, len(products)):
        if len(chosen) == wanted:
            break
        if p.min_grade and grade_rank(grade) < grade_rank(p.min_grade):
            continue
        if left[p.pk] < 1 or spent + p.price_points > budget:
            continue
        chosen.append((p, 1))
        spent += p.price_points
    if not chosen:
        cheapest = min(products, key=lambda p: p.price_points)
        if left[cheapest.pk] >= 1 and cheapest.price_points <= balance:
            chosen.append((cheapest, 1))
    return chosen


def _restock(cal: Calendar, shop, users: dict[str, User], done: ShopResult) -> None:
    from sanxin.rewards.models import FundingSource, Product
    from sanxin.rewards.services import stock

    day = cal.as_of + timedelta(days=VETO_DAY)
    source = FundingSource.objects.get(shop=shop, kind="credit_union")
    costs = {p.name: Decimal(p.cost) for p in PRODUCTS}
    for n, product in enumerate(Product.objects.filter(shop=shop, name__in=RESTOCK)):
        stock.stock_receive(
            actor=users[CLERK],
            product=product,
            quantity=RESTOCK[product.name],
            unit_cost=costs[product.name],
            supplier=SUPPLIERS[0],
            funding_source=source,
            received_on=day,
            at=at(day, 60 + n),
        )
        done.receipts += 1


def _losses_and_stocktake(cal: Calendar, shop, users: dict[str, User]) -> None:
    """Two bottles of soy sauce broken (the clerk asks, a committee member confirms),
    then the month's stocktake: one bar of soap fewer than the book."""
    from sanxin.rewards.models import Product
    from sanxin.rewards.services import stock

    day = cal.as_of + timedelta(days=VETO_DAY)
    sauce = Product.objects.get(shop=shop, name="酱油")
    request = stock.stock_adjust_request(
        actor=users[CLERK],
        product=sauce,
        quantity=-2,
        reason="搬运时摔碎两瓶",
        at=at(day, 30),
    )
    stock.stock_adjust_confirm(actor=users[CONFIRMER], adjustment=request, at=at(day, 240))
    counted_on = cal.as_of + timedelta(days=VETO_DAY + 1)
    counts = {
        p.pk: p.stock_quantity - (1 if p.name == "香皂" else 0)
        for p in Product.objects.filter(shop=shop)
        if p.stock_quantity >= 1 or p.active
    }
    stock.stocktake_record(
        actor=users[CLERK],
        shop=shop,
        counted_on=counted_on,
        counts=counts,
        note="兑换高峰后盘点",
        at=at(counted_on, 8 * 60),
    )


def _void_at_the_counter(shop, village: Region, users: dict[str, User], done: ShopResult) -> None:
    """At the build's moment: the clerk redeems a towel for the wrong household and
    voids it at once (same day: no second person needed)."""
    from sanxin.ratings.standing import with_grade_in_force
    from sanxin.rewards.models import Product, Wallet
    from sanxin.rewards.services.redemptions import Line, redemption_create, redemption_void

    towel = Product.objects.get(shop=shop, name="毛巾")
    rich = set(Wallet.objects.filter(balance__gte=towel.price_points).values_list("household_id", flat=True))  # fmt: skip
    household = (
        with_grade_in_force(Household.objects.filter(village=village, pk__in=rich))
        .filter(grade_in_force__in=["3A", "4A", "5A"])
        .select_related("village", "villager_group")
        .order_by("-number")
        .first()
    )
    if household is None or towel.stock_quantity < 1:
        return
    head = Person.objects.filter(household=household, is_head=True, active=True).first()
    if head is None:
        return
    redemption = redemption_create(
        actor=users[CLERK],
        shop=shop,
        household=household,
        lines=[Line(product=towel, quantity=1)],
        collected_by=head,
        idempotency_key="demo-void",
    )
    redemption_void(
        actor=users[CLERK], redemption=redemption, reason="扫错了农户的二维码，当场撤销"
    )
    done.voids += 1


def month_of_redemptions(cal: Calendar) -> date:
    """The month the demo's households redeemed in (its report adds up)."""
    return (cal.as_of + timedelta(days=FINAL_DAY + 1)).replace(day=1)
