"""The points supermarket (积分超市): the district's redemption policy, wallets of
spendable points (apart from the grading ledger: spending never lowers a grade),
shops, products, stock, funding, redemptions and their voids, household QR cards.

Money is yuan (`Decimal`, 2 places), points are `Decimal` (2 places), stock is counted
in whole units. Everything that records a fact that happened is append-only (the
migration installs the triggers): policy versions and their allowances, wallet rows,
stock movements, stocktakes, funding receipts, redemptions, their lines and voids,
product photos, expiry notices. The two cached totals — `Wallet.balance` and
`Product.stock_quantity` — change only through `rewards.services.balances`
(`_wallet_post`, `_stock_post`): one conditional UPDATE plus the append-only row, so
the cache always equals the sum of its rows, and a CHECK keeps both at or above zero.

Scope (accounts/scope.py): wallets, wallet rows, redemptions and voids hang on the
household (`household__villager_group__path`, and a villager reaches their own
household's); shops, products, stock and funding hang on the shop's own region
(`region__path`). A town shop serving several villages therefore belongs to the town:
the town's admin and clerk (a clerk may be bound to a town) manage it, a village
committee does not see its stock or funding, but does see — and confirms voids of —
the redemptions of its own households there, since those hang on the household."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sanxin.lib.photos import PhotoBase, stored_name
from sanxin.regions.fields import district_field
from sanxin.rewards.choices import (
    FundingKind,
    LimitPeriod,
    RedemptionSource,
    RequestState,
    StockKind,
    WalletKind,
)
from sanxin.rules.choices import Grade, grade_check

POINTS = {"max_digits": 12, "decimal_places": 2}
YUAN = {"max_digits": 14, "decimal_places": 2}

# The ledger components that credit wallets unless a policy says otherwise
# (rules/default_scheme.json: base = 基础积分, credit = “双基”共建信用积分,
# vanguard = 先锋积分). The credit union's points are an assessment, not conduct.
DEFAULT_COMPONENTS = ["base", "vanguard"]


def default_components() -> list[str]:
    return list(DEFAULT_COMPONENTS)


# --- policy -----------------------------------------------------------------------


class RedemptionPolicy(models.Model):
    """One version of a district's redemption policy (积分兑换办法), in force from
    `effective_from` until a later version's date (`rewards.selectors.policy_in_force`;
    on equal dates the later published wins). Never changed: a change is a new
    version (`rewards.services.policy.policy_publish`).

    - `components`: the ledger components whose approved entries credit the wallet
      (positive points only; a deduction lowers the grade, not the wallet).
    - `min_grade`: the grade in force a household needs to use the shop at all.
    - `expiry_years`: points earned in year Y expire at the end of year Y + n
      (1, the default: the end of the following year); null: they never expire.
    - `notify_days_before`: the household is told this many days before.
    - per-grade allowances when a cycle becomes final: `RedemptionAllowance` rows."""

    SCOPE_PATH = "district__path"

    district = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="redemption_policies",
        verbose_name=_("区"),
    )
    effective_from = models.DateField(_("生效日期"))
    components = models.JSONField(_("计入钱包的积分类别"), default=default_components)
    min_grade = models.CharField(
        _("兑换最低等级"), max_length=10, choices=Grade.choices, default=Grade.A3
    )
    expiry_years = models.PositiveSmallIntegerField(
        _("有效年数"),
        null=True,
        blank=True,
        default=1,
        help_text=_("获得当年之后第几年年底过期；0 为当年年底；留空为不过期"),
    )
    notify_days_before = models.PositiveSmallIntegerField(_("过期前提醒天数"), default=30)
    note = models.TextField(_("说明"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = _("积分兑换办法")
        verbose_name_plural = _("积分兑换办法")
        ordering = ["district_id", "-effective_from", "-id"]
        constraints = [
            grade_check("min_grade", "redemptionpolicy_min_grade_valid"),
            models.CheckConstraint(
                condition=Q(notify_days_before__lte=366),
                name="redemptionpolicy_notify_days_bounded",
            ),
        ]
        indexes = [
            models.Index(fields=["district", "-effective_from"], name="redemptionpolicy_latest")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.effective_from}"

    def expires_on_for(self, earned_on: date) -> date | None:
        """The last day points earned on `earned_on` can be spent (they are gone the
        day after): 31 December of the year `expiry_years` after; None: never."""
        if self.expiry_years is None:
            return None
        return date(earned_on.year + self.expiry_years, 12, 31)


class RedemptionAllowance(models.Model):
    """The points a household of `grade` receives when its village's cycle becomes
    final under `policy` (a grade without a row receives nothing)."""

    SCOPE_PATH = "policy__district__path"

    policy = models.ForeignKey(
        RedemptionPolicy,
        on_delete=models.PROTECT,
        related_name="allowances",
        verbose_name=_("兑换办法"),
    )
    grade = models.CharField(_("等级"), max_length=10, choices=Grade.choices)
    points = models.DecimalField(_("奖励积分"), **POINTS)

    class Meta:
        verbose_name = _("等级奖励积分")
        verbose_name_plural = _("等级奖励积分")
        constraints = [
            grade_check("grade", "redemptionallowance_grade_valid"),
            models.UniqueConstraint(
                fields=["policy", "grade"], name="redemptionallowance_once_per_grade"
            ),
            models.CheckConstraint(
                condition=Q(points__gt=0), name="redemptionallowance_points_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grade} +{self.points}"


# --- wallets ----------------------------------------------------------------------


class Wallet(models.Model):
    """A household's spendable points. `balance` is a cache that always equals the
    sum of its `WalletEntry` rows; only `balances._wallet_post` changes it."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    # The household's id is the wallet's: a wallet row cites it without a look-up.
    household = models.OneToOneField(
        "households.Household",
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="wallet",
        verbose_name=_("农户"),
    )
    balance = models.DecimalField(_("可用积分"), default=0, **POINTS)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("积分钱包")
        verbose_name_plural = _("积分钱包")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="wallet_balance_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.balance}"


class WalletEntry(models.Model):
    """One movement of a wallet, citing its cause. Never changed.

    - entry_credit (+): an approved ledger entry (`entry`, unique per kind: credited once).
    - entry_takeback (−): an approved reversal (`entry` is the reversal) takes back the
      original's credit, as far as the balance allows; what was already spent is
      `shortfall` (the row may then be 0).
    - allowance (+): the policy's grade allowance for `cycle` (once per household and cycle).
    - redemption (−) / void (+): `redemption` / `void`.
    - expiry (−): points of lots whose `expires_on` has passed (`expires_on` names the lot).

    Lots (for expiry, oldest first): credits and allowances carry `earned_on` and
    `expires_on`; a take-back carries its original credit's `expires_on`."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    wallet = models.ForeignKey(
        Wallet, on_delete=models.PROTECT, related_name="rows", verbose_name=_("钱包")
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="wallet_rows",
        verbose_name=_("农户"),
    )
    district = district_field()  # the household's (docs/scaling.md)
    kind = models.CharField(_("类型"), max_length=20, choices=WalletKind.choices)
    points = models.DecimalField(_("积分"), **POINTS)
    shortfall = models.DecimalField(_("已用无法扣回"), default=0, **POINTS)
    entry = models.ForeignKey(
        "ledger.Entry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wallet_rows",
        verbose_name=_("积分记录"),
    )
    redemption = models.ForeignKey(
        "Redemption",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wallet_rows",
        verbose_name=_("兑换"),
    )
    void = models.ForeignKey(
        "RedemptionVoid",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wallet_rows",
        verbose_name=_("撤销"),
    )
    cycle = models.ForeignKey(
        "ratings.Cycle",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评定周期"),
    )
    policy = models.ForeignKey(
        RedemptionPolicy,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("兑换办法"),
    )
    earned_on = models.DateField(_("获得日期"), null=True, blank=True)
    expires_on = models.DateField(_("过期日期"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("钱包流水")
        verbose_name_plural = _("钱包流水")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "kind", "district"],
                condition=Q(entry__isnull=False),
                name="walletentry_entry_once_per_kind",
            ),
            models.UniqueConstraint(
                # With the district, for a database distributed by it (docs/scaling.md).
                fields=["household", "cycle", "district"],
                condition=Q(kind="allowance"),
                name="walletentry_allowance_once_per_cycle",
            ),
            models.UniqueConstraint(
                fields=["redemption", "district"],
                condition=Q(kind="redemption"),
                name="walletentry_redemption_debited_once",
            ),
            models.UniqueConstraint(
                fields=["void", "district"],
                condition=Q(kind="void"),
                name="walletentry_void_once",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=WalletKind.values), name="walletentry_kind_valid"
            ),
            models.CheckConstraint(condition=Q(shortfall__gte=0), name="walletentry_shortfall"),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["entry_credit", "allowance", "void"], points__gt=0)
                    | Q(kind__in=["redemption", "expiry"], points__lt=0)
                    | Q(kind="entry_takeback", points__lte=0)
                ),
                name="walletentry_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["entry_credit", "entry_takeback"], entry__isnull=False)
                    | Q(kind="allowance", cycle__isnull=False)
                    | Q(kind="redemption", redemption__isnull=False)
                    | Q(kind="void", void__isnull=False)
                    | Q(kind="expiry", expires_on__isnull=False)
                ),
                name="walletentry_cause_by_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "-occurred_at"], name="walletentry_household_time"),
            models.Index(fields=["household", "expires_on"], name="walletentry_household_lot"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind} {self.points}"


class ExpiryNotice(models.Model):
    """The household was told that `points` expire on `expires_on` (once per household
    and expiry date). Never changed."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("农户"),
    )
    expires_on = models.DateField(_("过期日期"))
    points = models.DecimalField(_("将过期积分"), **POINTS)
    notified_at = models.DateTimeField(_("提醒时间"))

    class Meta:
        verbose_name = _("积分过期提醒")
        verbose_name_plural = _("积分过期提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "expires_on"], name="expirynotice_once_per_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.expires_on}"


# --- shops and products -------------------------------------------------------------


class Shop(models.Model):
    """A points supermarket. `region` is the village (or town) it belongs to;
    `villages` are the villages whose households it serves (a village shop: its own
    village; a town shop: several villages of the town). Scoped on its own region
    (see the module docstring for a town shop)."""

    SCOPE_PATH = "region__path"

    name = models.CharField(_("名称"), max_length=60)
    code = models.CharField(
        _("简码"),
        max_length=12,
        unique=True,
        help_text=_("小票编号的前缀，字母或数字，如 DGK"),
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="shops",
        verbose_name=_("所属村/镇"),
    )
    villages = models.ManyToManyField(
        "regions.Region", related_name="served_by_shops", verbose_name=_("服务的村")
    )
    address = models.CharField(_("地址"), max_length=120, blank=True)
    active = models.BooleanField(_("营业中"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分超市")
        verbose_name_plural = _("积分超市")
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="shop_unique_name_in_region")
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product of a shop's catalogue. `stock_quantity` is a cache that always equals
    the sum of its `StockMovement` rows (only `balances._stock_post` changes it).
    `unit_cost` is the moving weighted average cost in yuan, rounded to 分
    (ROUND_HALF_UP) at each receipt; stock value = stock_quantity × unit_cost.
    `min_grade` empty: the policy's gate. A limit is `limit_quantity` per household
    per `limit_period` (both or neither)."""

    SCOPE_PATH = "shop__region__path"

    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="products", verbose_name=_("积分超市")
    )
    name = models.CharField(_("名称"), max_length=60)
    unit = models.CharField(_("单位"), max_length=10)
    price_points = models.DecimalField(_("兑换积分"), **POINTS)
    min_grade = models.CharField(
        _("最低等级"), max_length=10, choices=Grade.choices, blank=True, default=""
    )
    limit_quantity = models.PositiveIntegerField(_("每户限兑数量"), null=True, blank=True)
    limit_period = models.CharField(
        _("限兑周期"), max_length=10, choices=LimitPeriod.choices, blank=True, default=""
    )
    active = models.BooleanField(_("上架"), default=True)
    stock_quantity = models.IntegerField(_("库存"), default=0)
    unit_cost = models.DecimalField(_("单位成本（元）"), default=0, **YUAN)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["shop_id", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="product_unique_name_in_shop"),
            models.CheckConstraint(condition=Q(price_points__gt=0), name="product_price_positive"),
            models.CheckConstraint(
                condition=Q(stock_quantity__gte=0), name="product_stock_not_negative"
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="product_cost_not_negative"),
            grade_check("min_grade", "product_min_grade_valid", blank=True),
            models.CheckConstraint(
                condition=(Q(limit_quantity__isnull=True) & Q(limit_period=""))
                | (Q(limit_quantity__gte=1) & Q(limit_period__in=[p.value for p in LimitPeriod])),
                name="product_limit_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def photo(self) -> ProductPhoto | None:
        """The latest photo (photos are append-only; a new one replaces the shown one)."""
        return self.photos.order_by("-id").first()


def product_photo_path(instance: ProductPhoto, filename: str) -> str:
    return stored_name(
        "products", instance.product.created_at, instance.product_id, instance.sha256, filename
    )


class ProductPhoto(PhotoBase):
    """A product's photo, stored through lib/photos (re-encoded, no metadata)."""

    SCOPE_PATH = "product__shop__region__path"

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="photos")
    image = models.FileField(_("照片"), upload_to=product_photo_path)

    class Meta:
        verbose_name = _("商品照片")
        verbose_name_plural = _("商品照片")


# --- funding ------------------------------------------------------------------------


class FundingSource(models.Model):
    """Where a shop's money comes from (资金来源). It belongs to a shop, or, with no
    shop, to a region (e.g. a district fund shared by several shops)."""

    SCOPE_PATH = "region__path"

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区域")
    )
    shop = models.ForeignKey(
        Shop,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funding_sources",
        verbose_name=_("积分超市"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=FundingKind.choices)
    name = models.CharField(_("名称"), max_length=80)
    active = models.BooleanField(_("使用中"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("资金来源")
        verbose_name_plural = _("资金来源")
        ordering = ["region__path", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FundingKind.values), name="fundingsource_kind_valid"
            ),
            models.UniqueConstraint(fields=["region", "name"], name="fundingsource_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class FundingReceipt(models.Model):
    """Money received from a source (到账). Never changed."""

    SCOPE_PATH = "source__region__path"

    source = models.ForeignKey(
        FundingSource, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("资金来源")
    )
    amount = models.DecimalField(_("金额（元）"), **YUAN)
    received_on = models.DateField(_("到账日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("资金到账")
        verbose_name_plural = _("资金到账")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fundingreceipt_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.amount}"


# --- redemptions --------------------------------------------------------------------


class Redemption(models.Model):
    """One exchange of points for goods at a shop (兑换). Never changed; a mistake is
    voided (`RedemptionVoid`). `number` is the receipt number
    `<shop code>-<YYYYMMDD of recording>-<sequence of the day>`; `occurred_at` is when
    the goods were handed over (a paper slip's own date and time); `idempotency_key`
    makes a repeated submission return this redemption instead of redeeming again."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("积分超市")
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="redemptions",
        verbose_name=_("农户"),
    )
    number = models.CharField(_("小票编号"), max_length=40, unique=True)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("经办人"),
    )
    collected_by = models.ForeignKey(
        "households.Person",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("领取人"),
    )
    total_points = models.DecimalField(_("合计积分"), **POINTS)
    occurred_at = models.DateTimeField(_("兑换时间"))
    source = models.CharField(
        _("来源"), max_length=10, choices=RedemptionSource.choices, default=RedemptionSource.COUNTER
    )
    slip_number = models.CharField(_("纸质单据号"), max_length=40, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("录入时间"))

    class Meta:
        verbose_name = _("兑换记录")
        verbose_name_plural = _("兑换记录")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_points__gt=0), name="redemption_total_positive"
            ),
            models.CheckConstraint(
                condition=Q(source__in=RedemptionSource.values), name="redemption_source_valid"
            ),
            models.UniqueConstraint(
                fields=["shop", "slip_number"],
                condition=~Q(slip_number=""),
                name="redemption_slip_once_per_shop",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "occurred_at"], name="redemption_household_time"),
            models.Index(fields=["shop", "occurred_at"], name="redemption_shop_time"),
        ]

    def __str__(self) -> str:
        return self.number


class RedemptionLine(models.Model):
    """One product of a redemption at the price of the day. Never changed."""

    SCOPE_PATH = "redemption__household__villager_group__path"
    SCOPE_HOUSEHOLD = "redemption__household_id"

    redemption = models.ForeignKey(
        Redemption, on_delete=models.PROTECT, related_name="lines", verbose_name=_("兑换")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="redemption_lines", verbose_name=_("商品")
    )
    quantity = models.PositiveIntegerField(_("数量"))
    price_points = models.DecimalField(_("单价（积分）"), **POINTS)
    points = models.DecimalField(_("积分"), **POINTS)

    class Meta:
        verbose_name = _("兑换明细")
        verbose_name_plural = _("兑换明细")
        constraints = [
            models.UniqueConstraint(
                fields=["redemption", "product"], name="redemptionline_product_once"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="redemptionline_quantity"),
            models.CheckConstraint(
                condition=Q(price_points__gt=0), name="redemptionline_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"


class VoidRequest(models.Model):
    """A request to void a redemption after the day of the sale: a committee member
    other than the requester confirms (then a `RedemptionVoid` is written) or rejects."""

    SCOPE_PATH = "redemption__household__villager_group__path"

    redemption = models.ForeignKey(
        Redemption, on_delete=models.PROTECT, related_name="void_requests", verbose_name=_("兑换")
    )
    reason = models.CharField(_("撤销原因"), max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    requested_at = models.DateTimeField(_("申请时间"))
    state = models.CharField(
        _("状态"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认人"),
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_reason = models.CharField(_("意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("撤销兑换申请")
        verbose_name_plural = _("撤销兑换申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["redemption"],
                condition=Q(state="pending"),
                name="voidrequest_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(state__in=RequestState.values), name="voidrequest_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="voidrequest_second_person",
            ),
            models.CheckConstraint(
                condition=Q(state="pending", decided_by__isnull=True)
                | (~Q(state="pending") & Q(decided_by__isnull=False)),
                name="voidrequest_decided_has_decider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.redemption_id} {self.state}"


class RedemptionVoid(models.Model):
    """The void of a redemption (撤销): reversing wallet and stock rows cite it. One
    per redemption (a second void, or a void of a void, cannot exist). Never changed.
    Same day: by the clerk (`confirmed_by` empty); later: from a `VoidRequest`
    confirmed by a committee member."""

    SCOPE_PATH = "redemption__household__villager_group__path"
    SCOPE_HOUSEHOLD = "redemption__household_id"

    redemption = models.OneToOneField(
        Redemption, on_delete=models.PROTECT, related_name="void", verbose_name=_("兑换")
    )
    request = models.OneToOneField(
        VoidRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="void",
        verbose_name=_("撤销申请"),
    )
    reason = models.CharField(_("撤销原因"), max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认人"),
    )
    created_at = models.DateTimeField(_("撤销时间"))

    class Meta:
        verbose_name = _("撤销兑换")
        verbose_name_plural = _("撤销兑换")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("requested_by")),
                name="redemptionvoid_second_person",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="redemptionvoid_has_reason"),
        ]

    def __str__(self) -> str:
        return f"void {self.redemption_id}"


# --- stock --------------------------------------------------------------------------


class StockAdjustment(models.Model):
    """A request to adjust stock for loss or damage (报损), `quantity` signed (negative
    for a loss): a second person confirms it (then a StockMovement is written) or
    rejects it."""

    SCOPE_PATH = "product__shop__region__path"

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("商品")
    )
    quantity = models.IntegerField(_("数量（减少为负）"))
    reason = models.CharField(_("原因"), max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    requested_at = models.DateTimeField(_("申请时间"))
    state = models.CharField(
        _("状态"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认人"),
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_reason = models.CharField(_("意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("库存调整")
        verbose_name_plural = _("库存调整")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stockadjustment_not_zero"),
            models.CheckConstraint(condition=~Q(reason=""), name="stockadjustment_has_reason"),
            models.CheckConstraint(
                condition=Q(state__in=RequestState.values), name="stockadjustment_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("requested_by")),
                name="stockadjustment_second_person",
            ),
            models.CheckConstraint(
                condition=Q(state="pending", confirmed_by__isnull=True)
                | (~Q(state="pending") & Q(confirmed_by__isnull=False)),
                name="stockadjustment_decided_has_decider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.quantity:+} {self.state}"


class Stocktake(models.Model):
    """A stocktake (盘点) of a shop: every product counted on one day, recorded at once
    with its lines; each non-zero variance is posted as a StockMovement. Never changed."""

    SCOPE_PATH = "shop__region__path"

    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="stocktakes", verbose_name=_("积分超市")
    )
    counted_on = models.DateField(_("盘点日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("盘点人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("盘点")
        verbose_name_plural = _("盘点")
        ordering = ["-counted_on", "-id"]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.counted_on}"


class StocktakeLine(models.Model):
    """One product of a stocktake: book against counted quantity. Never changed."""

    SCOPE_PATH = "stocktake__shop__region__path"

    stocktake = models.ForeignKey(
        Stocktake, on_delete=models.PROTECT, related_name="lines", verbose_name=_("盘点")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("商品")
    )
    book_quantity = models.IntegerField(_("账面数量"))
    counted_quantity = models.IntegerField(_("实盘数量"))
    variance = models.IntegerField(_("差异"))

    class Meta:
        verbose_name = _("盘点明细")
        verbose_name_plural = _("盘点明细")
        constraints = [
            models.UniqueConstraint(
                fields=["stocktake", "product"], name="stocktakeline_product_once"
            ),
            models.CheckConstraint(
                condition=Q(counted_quantity__gte=0), name="stocktakeline_counted_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(variance=F("counted_quantity") - F("book_quantity")),
                name="stocktakeline_variance",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.variance:+}"


class StockMovement(models.Model):
    """One movement of a product's stock, signed, citing its cause. Never changed.

    - receipt (+): `unit_cost` and `amount` (yuan, = quantity × unit_cost rounded to 分),
      `supplier`, `funding_source` that paid.
    - issue (−): `redemption`; void_return (+): `void`.
    - adjustment (±): `adjustment` (confirmed by `confirmed_by`, not the requester).
    - stocktake (±): `stocktake`, the variance of its line."""

    SCOPE_PATH = "product__shop__region__path"

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="movements", verbose_name=_("商品")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=StockKind.choices)
    quantity = models.IntegerField(_("数量"))
    unit_cost = models.DecimalField(_("单价（元）"), null=True, blank=True, **YUAN)
    amount = models.DecimalField(_("金额（元）"), null=True, blank=True, **YUAN)
    supplier = models.CharField(_("供应商"), max_length=80, blank=True)
    funding_source = models.ForeignKey(
        FundingSource,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_movements",
        verbose_name=_("资金来源"),
    )
    occurred_on = models.DateField(_("日期"))
    reason = models.CharField(_("说明"), max_length=300, blank=True)
    redemption = models.ForeignKey(
        Redemption,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_movements",
        verbose_name=_("兑换"),
    )
    void = models.ForeignKey(
        RedemptionVoid,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_movements",
        verbose_name=_("撤销"),
    )
    adjustment = models.OneToOneField(
        StockAdjustment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movement",
        verbose_name=_("库存调整"),
    )
    stocktake = models.ForeignKey(
        Stocktake,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
        verbose_name=_("盘点"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认人"),
    )
    created_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stockmovement_not_zero"),
            models.CheckConstraint(
                condition=Q(kind__in=StockKind.values), name="stockmovement_kind_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="receipt",
                        quantity__gt=0,
                        unit_cost__isnull=False,
                        unit_cost__gte=0,
                        amount__isnull=False,
                        amount__gte=0,
                    )
                    | Q(kind="issue", quantity__lt=0, redemption__isnull=False)
                    | Q(kind="void_return", quantity__gt=0, void__isnull=False)
                    | Q(kind="adjustment", adjustment__isnull=False)
                    | Q(kind="stocktake", stocktake__isnull=False)
                ),
                name="stockmovement_cause_by_kind",
            ),
            models.UniqueConstraint(
                fields=["redemption", "product"],
                condition=Q(kind="issue"),
                name="stockmovement_issue_once",
            ),
            models.UniqueConstraint(
                fields=["void", "product"],
                condition=Q(kind="void_return"),
                name="stockmovement_return_once",
            ),
            models.UniqueConstraint(
                fields=["stocktake", "product"],
                condition=Q(kind="stocktake"),
                name="stockmovement_stocktake_once",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "occurred_on"], name="stockmovement_product_date")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.kind} {self.quantity:+}"


# --- household QR cards ---------------------------------------------------------------


class HouseholdCard(models.Model):
    """A household's QR card (门牌码): `token` is random; the QR carries it signed.
    Revoking sets `revoked_at` (a lost card); at most one live card per household."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="cards",
        verbose_name=_("农户"),
    )
    token = models.CharField(_("令牌"), max_length=64, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("制卡人"),
    )
    issued_at = models.DateTimeField(_("制卡时间"))
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("作废人"),
    )
    revoke_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("农户二维码卡")
        verbose_name_plural = _("农户二维码卡")
        ordering = ["household_id", "-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(revoked_at__isnull=True),
                name="householdcard_one_live",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {'revoked' if self.revoked_at else 'live'}"


# --- Party and cadre reserve candidates (政治激励) ---
#
# From the grades in force the product suggests, for each village, reserve
# candidates for party membership (发展党员后备人选) and reserve village cadres
# (村干部后备人选) (rewards/candidates_selectors.py); the committee nominates, the
# town confirms and forwards, the district accepts (rewards/services/candidates.py).
# docs/candidates.md describes the workflow and who sees what.


class CandidateKind(models.TextChoices):
    PARTY = "party", _("发展党员后备人选")
    CADRE = "cadre", _("村干部后备人选")


class CandidateStatus(models.TextChoices):
    NOMINATED = "nominated", _("村评信团已提名")
    CONFIRMED = "confirmed", _("镇已确认")
    FORWARDED = "forwarded", _("已报区委组织部")
    ACCEPTED = "accepted", _("已列入后备")
    WITHDRAWN = "withdrawn", _("已撤回")


# A person holds at most one candidacy of each kind in these statuses.
LIVE_STATUSES = (
    CandidateStatus.NOMINATED,
    CandidateStatus.CONFIRMED,
    CandidateStatus.FORWARDED,
    CandidateStatus.ACCEPTED,
)


class CandidateSource(models.TextChoices):
    SUGGESTED = "suggested", _("系统建议")
    MANUAL = "manual", _("评信团添加")


class CandidateAction(models.TextChoices):
    NOMINATE = "nominate", _("提名")
    CONFIRM = "confirm", _("确认")
    FORWARD = "forward", _("报送")
    ACCEPT = "accept", _("列入后备")
    WITHDRAW = "withdraw", _("撤回")
    TELL = "tell", _("告知本户")


class CandidateCriteria(models.Model):
    """One version of a district's criteria for the suggestions, in force from
    `effective_from` until the next version. Never changed: a change is a new version."""

    SCOPE_PATH = "district__path"
    SCOPE_HOUSEHOLD = None

    district = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="candidate_criteria",
        verbose_name=_("区"),
    )
    effective_from = models.DateField(_("生效日期"))
    min_grade = models.CharField(
        _("户在用等级至少"), max_length=10, choices=Grade.choices, default=Grade.A4
    )
    party_min_age = models.PositiveSmallIntegerField(
        _("发展党员后备人选最低年龄"),
        default=18,
        validators=[MinValueValidator(18), MaxValueValidator(100)],
    )
    party_max_age = models.PositiveSmallIntegerField(
        _("发展党员后备人选最高年龄（空为不限）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(18), MaxValueValidator(100)],
    )
    cadre_min_vanguard = models.DecimalField(
        _("村干部后备人选先锋积分至少（百分制）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("80"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    cadre_max_age = models.PositiveSmallIntegerField(
        _("村干部后备人选最高年龄（空为不限）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(18), MaxValueValidator(100)],
    )
    exclude_vetoed = models.BooleanField(_("有生效中的一票否决时不建议"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("设置人"),
    )
    created_at = models.DateTimeField(_("设置时间"))

    class Meta:
        verbose_name = _("后备人选建议条件")
        verbose_name_plural = _("后备人选建议条件")
        ordering = ["district_id", "-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "effective_from"], name="candidatecriteria_one_per_day"
            ),
            grade_check("min_grade", "candidatecriteria_min_grade_valid"),
            models.CheckConstraint(
                condition=models.Q(party_min_age__gte=18),
                name="candidatecriteria_adults_only",
            ),
            models.CheckConstraint(
                condition=models.Q(party_max_age__isnull=True)
                | models.Q(party_max_age__gte=models.F("party_min_age")),
                name="candidatecriteria_party_ages_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(cadre_min_vanguard__gte=0, cadre_min_vanguard__lte=100),
                name="candidatecriteria_vanguard_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.effective_from}"


class Candidate(models.Model):
    """A person put forward as a party-development or village-cadre reserve candidate,
    and where the candidacy stands. Its history is the `CandidateEvent`s."""

    SCOPE_PATH = "household__villager_group__path"
    # Villagers reach no candidacy through the scope: their own is shown only once
    # the committee has told the household (candidates_selectors.told_candidacies).
    SCOPE_HOUSEHOLD = None

    person = models.ForeignKey(
        "households.Person",
        on_delete=models.PROTECT,
        related_name="candidacies",
        verbose_name=_("人员"),
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="candidacies",
        verbose_name=_("所在户"),
    )
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=CandidateKind.choices)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=CandidateStatus.choices,
        default=CandidateStatus.NOMINATED,
    )
    source = models.CharField(_("来源"), max_length=10, choices=CandidateSource.choices)
    reason = models.TextField(_("提名理由"))
    grade_at_nomination = models.CharField(
        _("提名时在用等级"), max_length=10, choices=Grade.choices
    )
    vanguard_at_nomination = models.DecimalField(
        _("提名时先锋积分（百分制）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    told_on = models.DateField(_("告知本户日期"), null=True, blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提名人"),
    )
    nominated_at = models.DateTimeField(_("提名时间"))
    updated_at = models.DateTimeField(_("最近变动"))

    class Meta:
        verbose_name = _("后备人选")
        verbose_name_plural = _("后备人选")
        ordering = ["village_id", "kind", "nominated_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=models.Q(status__in=[s.value for s in LIVE_STATUSES]),
                name="candidate_one_live_per_person_and_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=CandidateStatus.values),
                name="candidate_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=CandidateKind.values), name="candidate_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=CandidateSource.values),
                name="candidate_source_valid",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="candidate_has_reason"),
            grade_check("grade_at_nomination", "candidate_grade_at_nomination_valid"),
        ]
        indexes = [models.Index(fields=["village", "status"], name="candidate_village_status")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.status}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class CandidateEvent(models.Model):
    """One step of a candidacy: who, when, from which status to which, and why.
    Never changed."""

    SCOPE_PATH = "candidate__household__villager_group__path"
    SCOPE_HOUSEHOLD = None

    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="events", verbose_name=_("后备人选")
    )
    action = models.CharField(_("操作"), max_length=10, choices=CandidateAction.choices)
    from_status = models.CharField(
        _("原状态"), max_length=10, choices=CandidateStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=10, choices=CandidateStatus.choices)
    reason = models.TextField(_("理由"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("后备人选记录")
        verbose_name_plural = _("后备人选记录")
        ordering = ["candidate_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.action} {self.from_status}→{self.to_status}"
