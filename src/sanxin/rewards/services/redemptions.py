"""The counter (收银台): redemptions, their voids and paper slips entered afterwards.

`redemption_create` is one transaction: it locks the household's row (a dynamic
downgrade, `ratings.services.standing.standing_refresh`, locks it too, so it lands
either before — and the sale is refused — or after) and its wallet, expires what is
due, applies the gate again (the rule of `rewards.eligibility`, computed from what
its locks read, the grade in force and the basket's products and limits, not the
counter's whole panel), then debits the wallet and the stock through the balance
primitives. Its idempotency key (the clerk's form's) makes a double tap or a resent
request return the first redemption; the same key with a different basket is refused.
About 15 statements for a basket of one product (docs/benchmarks.md counts them).

A void adds reversing rows (points back, goods back into stock) citing a
`RedemptionVoid`, one per redemption: on the day the redemption was recorded the
clerk voids it at once; later it takes a `VoidRequest` that a committee member other
than the requester confirms (`void_confirm`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from sanxin.accounts.models import User
from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.households.models import Household, Person
from sanxin.lib.text import clean_line
from sanxin.rewards.choices import (
    LimitPeriod,
    RedemptionSource,
    RequestState,
    StockKind,
    WalletKind,
)
from sanxin.rewards.eligibility import grade_on, used_quantities
from sanxin.rewards.models import (
    Product,
    Redemption,
    RedemptionLine,
    RedemptionPolicy,
    RedemptionVoid,
    Shop,
    VoidRequest,
    Wallet,
)
from sanxin.rewards.selectors import default_policy, district_id_of
from sanxin.rewards.services.balances import (
    _stock_post_many,
    _wallet_post,
    points_text,
    wallets_ensure,
)
from sanxin.rewards.services.wallets import _expire_household, lock_wallets
from sanxin.rules.choices import GRADE_LABELS, Grade, grade_rank

_PERIOD_WORD = {LimitPeriod.MONTH: "本月", LimitPeriod.QUARTER: "本季度", LimitPeriod.YEAR: "本年"}


@dataclass(frozen=True)
class Line:
    """One product and its quantity in a basket."""

    product: Product
    quantity: int


@dataclass(frozen=True)
class PaperSlip:
    """A paper slip (纸质兑换单) written when the counter had no network: its own
    number, household, collector, the real date and time, the products."""

    number: str
    household: Household
    collected_by: Person
    occurred_at: datetime
    lines: Sequence[Line]


class SlipErrors(ValidationError):
    """A paper batch refused: `by_slip` = {slip number: {field: [messages]}}; the
    messages name the slip and the field in Chinese."""

    FIELD_LABELS = {
        "household": "农户",
        "collected_by": "领取人",
        "lines": "商品",
        "occurred_at": "兑换时间",
        "number": "单据号",
    }

    def __init__(self, by_slip: dict[str, dict[str, list[str]]]):
        self.by_slip = by_slip
        messages = []
        for number, fields in by_slip.items():
            for name, texts in fields.items():
                label = self.FIELD_LABELS.get(name)
                for text in texts:
                    messages.append(
                        f"单据 {number}：{label}：{text}" if label else f"单据 {number}：{text}"
                    )
        super().__init__(messages)


# --- checks -------------------------------------------------------------------------------


def _check_clerk(actor: User, shop: Shop, household: Household) -> None:
    scope = scope_for(actor)
    if not scope.covers_region(shop.region, Perm.SHOP_REDEEM):
        raise PermissionDenied("无权在该积分超市办理兑换")
    if not scope.covers_household(household, Perm.SHOP_REDEEM):
        raise PermissionDenied("无权为该户办理兑换")


def _merged(lines: Sequence[Line]) -> dict[int, tuple[Product, int]]:
    merged: dict[int, tuple[Product, int]] = {}
    for line in lines:
        product, quantity = line.product, int(line.quantity)
        if product.pk in merged:
            quantity += merged[product.pk][1]
        merged[product.pk] = (product, quantity)
    return merged


def _fingerprint(**content: Any) -> str:
    return hashlib.sha256(
        json.dumps(content, default=str, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


_OTHER_BASKET = "该提交编号已用于另一笔不同的兑换，请刷新页面后重新兑换"


def _repeat(existing: Redemption, fingerprint: str) -> Redemption:
    if existing.fingerprint != fingerprint:
        raise ValidationError(_OTHER_BASKET)
    return existing


def _next_id_and_number(shop: Shop, now: datetime) -> tuple[int, str]:
    """The new redemption's id and its receipt number `<shop code>-<YYYYMMDD>-<id, at
    least 4 digits>`: unique (the id is), readable, and taken without a row that every
    sale of a shop would queue on. The id comes from the table's own sequence on
    PostgreSQL (`nextval`, never handed out twice, gaps when a sale rolls back) and on
    SQLite from its AUTOINCREMENT counter, which only the one writer (transactions
    take the write lock at BEGIN: `transaction_mode` IMMEDIATE) can move. The number
    is written with the row: a redemption is never updated (append-only). One query."""
    table = Redemption._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        else:
            cursor.execute(
                "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s),"
                f" (SELECT MAX(id) FROM {connection.ops.quote_name(table)}), 0) + 1",
                [table],
            )
        (pk,) = cursor.fetchone()
    return pk, f"{shop.code}-{timezone.localdate(now):%Y%m%d}-{pk:04d}"


@dataclass(frozen=True)
class _Locked:
    """What `_lock` read while taking the household's and the wallet's locks."""

    served: bool  # the shop serves the household's village
    gate: str  # the policy's minimum grade in force on the day
    balance: Decimal  # the wallet's balance (before what is due expires)
    existing_id: int | None  # a redemption already stored under the key


def _lock(household: Household, shop: Shop, key: str, on: date) -> _Locked:
    """Lock the household's row, then its wallet: the order every writer keeps (no
    deadlocks). Two statements that also read what the gate needs besides the grade:
    with the household's lock, whether the shop serves its village and the policy's
    gate in force `on`; with the wallet's lock, its balance and the redemption stored
    under `key`. The key is looked up in the wallet's statement, which starts after
    the household's lock is held: a submission with the same key (which takes that
    lock first) has committed by then or has not begun, so PostgreSQL's snapshot of
    that statement sees it."""
    district_id = district_id_of(household.village)
    gate = (
        RedemptionPolicy.objects.filter(district_id=district_id, effective_from__lte=on)
        .order_by("-effective_from", "-id")
        .values("min_grade")[:1]
    )
    serves = Shop.villages.through.objects.filter(shop_id=shop.pk, region_id=OuterRef("village_id"))
    served, min_grade = (
        Household.objects.select_for_update()
        .filter(pk=household.pk)
        .annotate(served=Exists(serves), gate=Subquery(gate))
        .values_list("served", "gate")
        .get()
    )
    stored = Redemption.objects.filter(idempotency_key=key).order_by().values("pk")[:1]
    wallet = (
        Wallet.objects.select_for_update()
        .filter(household_id=household.pk)
        .annotate(existing=Subquery(stored))
        .values_list("balance", "existing")
    )
    row = wallet.first()
    if row is None:  # no wallet yet: create it (balance 0), then lock it
        wallets_ensure([household.pk])
        row = wallet.get()
    balance, existing_id = row
    return _Locked(
        served=bool(served),
        gate=min_grade or default_policy(district_id).min_grade,
        balance=Decimal(balance),
        existing_id=existing_id,
    )


def _basket_errors(
    *,
    household: Household,
    shop: Shop,
    merged,
    collected_by: Person,
    on: date,
    locked: _Locked,
    spendable: Decimal,
) -> tuple[dict[str, list[str]], Decimal, dict[int, Product]]:
    """The gate (`rewards.eligibility`'s rule, computed from what `_lock` read, the
    grade in force and the basket's products and limits: two or three queries), the
    collector, each line (shop, grade, limit, stock) and the balance, on the day `on`,
    as the database is now; the total and the products as read in this transaction."""
    errors: dict[str, list[str]] = {}
    record = grade_on(household.pk, on)
    grade = record.grade if record is not None else Grade.UNRATED.value
    reasons: list[str] = []
    if not shop.active:
        reasons.append(f"“{shop.name}”已停止营业")
    if not locked.served:
        reasons.append(f"“{shop.name}”不服务{household.village.name}的农户")
    if record is None:
        reasons.append("该户目前没有有效的信用等级，不能兑换")
    elif grade_rank(grade) < grade_rank(locked.gate):
        reasons.append(
            f"该户信用等级为{GRADE_LABELS[grade]}，{GRADE_LABELS[locked.gate]}及以上才能兑换"
        )
    is_open = not reasons
    if reasons:
        errors["household"] = reasons
    if collected_by.household_id != household.pk or not collected_by.active:
        errors["collected_by"] = ["领取人必须是该户的在户成员"]
    wanted = [pk for pk, (_, quantity) in merged.items() if quantity >= 1]
    products = (
        {p.pk: p for p in Product.objects.filter(pk__in=wanted, shop=shop, active=True)}
        if wanted
        else {}
    )
    used = used_quantities(household.pk, list(products.values()), on) if is_open else {}
    problems: list[str] = []
    total = Decimal(0)
    if not merged:
        problems.append("请至少选择一件商品")
    for product_id, (given, quantity) in merged.items():
        if quantity < 1:
            problems.append(f"“{given.name}”的数量必须是正整数")
            continue
        product = products.get(product_id)
        if product is None:
            problems.append(f"“{given.name}”不是本店在售的商品")
            continue
        total += product.price_points * quantity
        if not is_open:
            continue
        if product.min_grade and grade_rank(grade) < grade_rank(product.min_grade):
            problems.append(f"“{product.name}”限{GRADE_LABELS[product.min_grade]}及以上农户兑换")
        taken = used.get(product_id, 0)
        if product.limit_quantity is not None and taken + quantity > product.limit_quantity:
            period = LimitPeriod(product.limit_period)
            problems.append(
                f"“{product.name}”{period.label}每户限兑 {product.limit_quantity} {product.unit}，"
                f"{_PERIOD_WORD[period]}已兑 {taken} {product.unit}，"
                f"本次最多还能兑 {max(product.limit_quantity - taken, 0)} {product.unit}"
            )
        if quantity > product.stock_quantity:
            problems.append(
                f"“{product.name}”库存不足：需要 {quantity} {product.unit}，"
                f"库存 {product.stock_quantity} {product.unit}"
            )
    if problems:
        errors["lines"] = problems
    if is_open and merged and total > spendable:
        errors.setdefault("lines", []).append(
            f"积分不足：本次需要 {points_text(total)} 分，可用 {points_text(spendable)} 分"
        )
    return errors, total, products


# --- redeeming ------------------------------------------------------------------------------


def _redeem(
    *,
    actor: User,
    shop: Shop,
    household: Household,
    lines: Sequence[Line],
    collected_by: Person,
    key: str,
    occurred_at: datetime | None,
    source: str,
    slip_number: str = "",
) -> Redemption:
    """The redemption itself, after the caller's permission checks; inside the
    caller's transaction. A key stored concurrently by another household's submission
    (never a legitimate one) raises IntegrityError: the callers turn it into the
    stored redemption or a refusal, after the transaction or savepoint rolled back."""
    now = timezone.now()
    merged = _merged(lines)
    fingerprint = _fingerprint(
        shop=shop.pk,
        household=household.pk,
        lines=sorted((pk, q) for pk, (_, q) in merged.items()),
        collected_by=collected_by.pk,
        occurred_at=occurred_at.isoformat() if occurred_at else None,
        source=source,
        slip=slip_number,
    )
    if occurred_at is not None and occurred_at > now:
        raise ValidationError({"occurred_at": ["兑换时间不能晚于现在"]})
    occurred_at = occurred_at or now
    on = timezone.localdate(occurred_at)
    locked = _lock(household, shop, key, on)
    if locked.existing_id is not None:  # a double tap or a resent request
        return _repeat(Redemption.objects.get(pk=locked.existing_id), fingerprint)
    # What is due expires before the debit: a point past its last day is never spent.
    # The expiry written, nothing is due any more on `on` (today or, for a paper slip,
    # earlier): the spendable balance is what the wallet holds after it.
    expired = _expire_household(household.pk, timezone.localdate(now), now)
    spendable = max(locked.balance - expired.points, Decimal(0))
    errors, total, products = _basket_errors(
        household=household,
        shop=shop,
        merged=merged,
        collected_by=collected_by,
        on=on,
        locked=locked,
        spendable=spendable,
    )
    if errors:
        raise ValidationError(errors)
    pk, number = _next_id_and_number(shop, occurred_at)  # the day of the sale (a paper slip's own)
    redemption = Redemption(
        pk=pk,
        shop=shop,
        household=household,
        number=number,
        clerk=actor,
        collected_by=collected_by,
        total_points=total,
        occurred_at=occurred_at,
        source=source,
        slip_number=slip_number,
        idempotency_key=key,
        fingerprint=fingerprint,
        created_at=now,
    )
    redemption.save(force_insert=True)
    basket = sorted(merged.items())
    RedemptionLine.objects.bulk_create(
        [
            RedemptionLine(
                redemption=redemption,
                product_id=pk,
                quantity=q,
                price_points=products[pk].price_points,
                points=products[pk].price_points * q,
            )
            for pk, (_, q) in basket
        ]
    )
    _wallet_post(
        household=household,
        kind=WalletKind.REDEMPTION,
        points=-total,
        occurred_at=occurred_at,
        actor=actor,
        redemption=redemption,
        note=redemption.number,
    )
    _stock_post_many(
        [(products[pk], -quantity) for pk, (_, quantity) in basket],
        kind=StockKind.ISSUE,
        occurred_on=on,
        recorded_by=actor,
        redemption=redemption,
    )
    audit(
        actor=actor,
        action="redemption.create",
        obj=redemption,
        region_path=household.villager_group.path,
        at=now,
        after={
            "shop": shop.name,
            "household": household.number,
            "points": str(total),
            "lines": {products[pk].name: q for pk, (_, q) in basket},
            "via": source,
            **({"slip": slip_number, "occurred_at": str(occurred_at)} if slip_number else {}),
        },
    )
    return redemption


def redemption_create(
    *,
    actor: User,
    shop: Shop,
    household: Household,
    lines: Sequence[Line],
    collected_by: Person,
    idempotency_key: str,
    occurred_at: datetime | None = None,
    source: str = RedemptionSource.COUNTER,
) -> Redemption:
    """Redeem `lines` for `household` at `shop` (the clerk, Perm.SHOP_REDEEM over the
    shop and the household), in one transaction. Refused (ValidationError keyed by
    field) below the gate, beyond a product's grade, limit or stock, beyond the
    spendable balance. A repeated `idempotency_key` returns the first redemption."""
    _check_clerk(actor, shop, household)
    if not idempotency_key:
        raise ValidationError("缺少提交编号，请刷新页面后重新兑换")
    key = f"{actor.pk}:{idempotency_key}"[:120]
    try:
        with transaction.atomic():
            return _redeem(
                actor=actor,
                shop=shop,
                household=household,
                lines=lines,
                collected_by=collected_by,
                key=key,
                occurred_at=occurred_at,
                source=source,
            )
    except IntegrityError:
        # The key stored meanwhile by a submission for another household.
        if Redemption.objects.filter(idempotency_key=key).exists():
            raise ValidationError(_OTHER_BASKET) from None
        raise


def paper_batch_redeem(*, actor: User, shop: Shop, slips: Sequence[PaperSlip]) -> list[Redemption]:
    """Enter paper slips afterwards, all or nothing, each checked on its own date
    (the gate and grade on that day, limits counted by the slips' dates with the
    batch's earlier slips included) against today's balance and stock. Refused with
    `SlipErrors`. A slip number is entered once per shop: the same batch submitted
    again returns the redemptions already entered."""
    if not slips:
        raise ValidationError("没有要录入的单据")
    by_slip: dict[str, dict[str, list[str]]] = {}
    numbers = []
    for slip in slips:
        number = clean_line(slip.number, "单据号", code=True)
        if not number:
            raise ValidationError("每张单据都要填写单据号")
        if number in numbers:
            by_slip.setdefault(number, {}).setdefault("number", []).append("单据号重复")
        numbers.append(number)
    if by_slip:
        raise SlipErrors(by_slip)
    for slip in slips:
        _check_clerk(actor, shop, slip.household)
    results: list[Redemption] = []
    with transaction.atomic():
        ordered = sorted(zip(numbers, slips, strict=True), key=lambda p: (p[1].occurred_at, p[0]))
        for number, slip in ordered:
            try:
                with transaction.atomic():
                    results.append(
                        _redeem(
                            actor=actor,
                            shop=shop,
                            household=slip.household,
                            lines=slip.lines,
                            collected_by=slip.collected_by,
                            key=f"slip:{shop.pk}:{number}",
                            occurred_at=slip.occurred_at,
                            source=RedemptionSource.PAPER,
                            slip_number=number,
                        )
                    )
            except ValidationError as exc:
                by_slip[number] = (
                    exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
                )
            except IntegrityError:  # the slip entered meanwhile by another batch
                by_slip[number] = {"number": ["该单据号已经录入过"]}
        if by_slip:
            raise SlipErrors(by_slip)
        audit(
            actor=actor,
            action="redemption.paper_batch",
            obj=shop,
            region_path=shop.region.path,
            after={"slips": numbers, "redemptions": [r.number for r in results]},
        )
    return results


# --- voids ----------------------------------------------------------------------------------


def _lock_household(household_id: int) -> None:
    list(Household.objects.select_for_update().filter(pk=household_id).values_list("pk"))


def _void(
    *,
    actor: User,
    redemption: Redemption,
    reason: str,
    requested_by: User,
    confirmed_by: User | None,
    request: VoidRequest | None,
    now: datetime,
) -> RedemptionVoid:
    household = redemption.household
    try:
        with transaction.atomic():
            void = RedemptionVoid.objects.create(
                redemption=redemption,
                request=request,
                reason=reason,
                requested_by=requested_by,
                confirmed_by=confirmed_by,
                created_at=now,
            )
    except IntegrityError:
        raise ValidationError("该兑换已经撤销，不能再次撤销") from None
    lock_wallets([household.pk])
    _wallet_post(
        household=household,
        kind=WalletKind.VOID,
        points=redemption.total_points,
        occurred_at=now,
        actor=actor,
        void=void,
        note=f"撤销 {redemption.number}",
    )
    _stock_post_many(
        [
            (line.product, line.quantity)
            for line in redemption.lines.select_related("product").order_by("product_id")
        ],
        kind=StockKind.VOID_RETURN,
        occurred_on=timezone.localdate(now),
        recorded_by=actor,
        confirmed_by=confirmed_by,
        void=void,
        reason=f"撤销 {redemption.number}",
    )
    audit(
        actor=actor,
        action="redemption.void",
        obj=redemption,
        region_path=household.villager_group.path,
        at=now,
        after={
            "receipt": redemption.number,
            "points": str(redemption.total_points),
            "reason": reason,
            **({"requested_by": str(requested_by)} if confirmed_by is not None else {}),
        },
    )
    return void


@transaction.atomic
def redemption_void(
    *, actor: User, redemption: Redemption, reason: str
) -> RedemptionVoid | VoidRequest:
    """Void a redemption. On the day it was recorded, the clerk (Perm.SHOP_REDEEM)
    voids it at once: a `RedemptionVoid`, the points back to the wallet, the goods back
    into stock. Later (or asked by a committee member), a `VoidRequest` waits for a
    committee member's confirmation (`void_confirm`). A void cannot be voided, nor a
    redemption voided twice."""
    household = redemption.household
    scope = scope_for(actor)
    may_redeem = scope.covers_region(
        redemption.shop.region, Perm.SHOP_REDEEM
    ) and scope.covers_household(household, Perm.SHOP_REDEEM)
    may_confirm = scope.covers_household(household, Perm.SHOP_CONFIRM_VOID)
    if not (may_redeem or may_confirm):
        raise PermissionDenied("无权撤销该兑换")
    reason = clean_line(reason, "撤销原因", field="reason")
    if not reason:
        raise ValidationError({"reason": ["请填写撤销原因"]})
    _lock_household(household.pk)
    if RedemptionVoid.objects.filter(redemption=redemption).exists():
        raise ValidationError("该兑换已经撤销，不能再次撤销")
    if VoidRequest.objects.filter(redemption=redemption, state=RequestState.PENDING).exists():
        raise ValidationError("该兑换已有待确认的撤销申请")
    now = timezone.now()
    if may_redeem and timezone.localdate(redemption.created_at) == timezone.localdate(now):
        return _void(
            actor=actor,
            redemption=redemption,
            reason=reason,
            requested_by=actor,
            confirmed_by=None,
            request=None,
            now=now,
        )
    request = VoidRequest.objects.create(
        redemption=redemption, reason=reason, requested_by=actor, requested_at=now
    )
    audit(
        actor=actor,
        action="redemption.void_request",
        obj=redemption,
        region_path=household.villager_group.path,
        at=now,
        after={"receipt": redemption.number, "reason": reason},
    )
    return request


@transaction.atomic
def void_confirm(
    *, actor: User, request: VoidRequest, approve: bool, reason: str = ""
) -> RedemptionVoid | None:
    """A committee member (Perm.SHOP_CONFIRM_VOID over the household, not the
    requester, not of the household) confirms a later void — it is then written as
    `redemption_void` would — or rejects it with a reason."""
    redemption = request.redemption
    household = redemption.household
    scope = scope_for(actor)
    if not scope.covers_household(household, Perm.SHOP_CONFIRM_VOID):
        raise PermissionDenied("无权确认该撤销申请")
    if request.requested_by_id == actor.pk:
        raise ValidationError("不能确认自己提出的撤销申请，须由另一名评信团成员确认")
    if scope.is_recused(household):
        raise ValidationError("不能处理本人家庭的兑换，请回避")
    reason = clean_line(reason, "意见", field="reason")
    if not approve and not reason:
        raise ValidationError({"reason": ["驳回必须填写理由"]})
    _lock_household(household.pk)
    now = timezone.now()
    decided = VoidRequest.objects.filter(pk=request.pk, state=RequestState.PENDING).update(
        state=RequestState.CONFIRMED if approve else RequestState.REJECTED,
        decided_by=actor,
        decided_at=now,
        decision_reason=reason,
    )
    if decided == 0:
        raise ValidationError("该撤销申请已经处理过")
    request.refresh_from_db()
    if not approve:
        audit(
            actor=actor,
            action="redemption.void_reject",
            obj=redemption,
            region_path=household.villager_group.path,
            at=now,
            after={"receipt": redemption.number, "reason": reason},
        )
        return None
    return _void(
        actor=actor,
        redemption=redemption,
        reason=request.reason,
        requested_by=request.requested_by,
        confirmed_by=actor,
        request=request,
        now=now,
    )
