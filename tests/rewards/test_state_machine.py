"""A hypothesis state machine over the points supermarket: credits from the ledger
(some earned years ago), their reversals, grade allowances, downgrades and their
restoration, redemptions (with repeated keys), voids (and voids of voids), stock
receipts and losses, expiry runs on later days. A plain model predicts each
outcome; after every step the database must agree with it and with itself:

- wallet balance == the sum of its rows == credits − debits == the model's, never < 0;
- each product's stock == receipts − issues + returns ± adjustments == the model's;
- no redemption debited twice, no void returned twice."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import Round
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from sanxin.ledger.models import Entry, Review
from sanxin.ratings.choices import GradeSource
from sanxin.ratings.models import Cycle, GradeRecord
from sanxin.ratings.standing import valid_until
from sanxin.rewards.choices import RequestState, StockKind, WalletKind
from sanxin.rewards.models import (
    Product,
    StockAdjustment,
    StockMovement,
    Wallet,
    WalletEntry,
)
from sanxin.rewards.services.balances import _stock_post
from sanxin.rewards.services.policy import policy_publish
from sanxin.rewards.services.redemptions import Line, redemption_create, redemption_void
from sanxin.rewards.services.wallets import allowances_credit, wallet_expire, wallet_sync
from sanxin.rules.choices import grade_rank
from tests.rewards.conftest import head

ALLOWANCE = {"3A": Decimal(10), "4A": Decimal(20), "5A": Decimal(30)}
ZERO = Decimal(0)


@dataclass
class Model:
    today: date
    grade: str = "4A"
    lots: list[tuple[date | None, Decimal]] = field(default_factory=list)
    spent: Decimal = ZERO  # redemptions − voids + expiries, as a positive amount
    stock: dict[int, int] = field(default_factory=dict)
    used_this_month: dict[int, int] = field(default_factory=dict)
    credits: dict[int, Decimal] = field(default_factory=dict)  # entry id -> credited points
    keys: dict[str, tuple] = field(default_factory=dict)  # key -> basket

    @property
    def balance(self) -> Decimal:
        return sum((a for _, a in self.lots), ZERO) - self.spent

    def due(self, on: date) -> Decimal:
        ended = sum((a for d, a in self.lots if d is not None and d < on), ZERO)
        return max(ended - self.spent, ZERO)


def _machine(world, scheme, shop, products):
    clerk = world.users["shop_clerk"]
    reviewer = world.users["committee_deputy"]
    household = world.household
    collector = head(household)
    version = scheme.pk if hasattr(scheme, "pk") else scheme
    product_list = [products["towel"], products["oil"], products["rice"]]
    periods = itertools.count(1)
    keys = itertools.count(1)

    class Supermarket(RuleBasedStateMachine):
        credited = Bundle("credited")
        redeemed = Bundle("redeemed")

        def __init__(self):
            super().__init__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.today = timezone.localdate()
            self.now = timezone.now()
            self.cycle = Cycle.objects.create(
                village=household.village, period="2999", cut_off=self.today, state="final"
            )
            self._grade("4A", GradeSource.CYCLE)
            policy_publish(
                actor=world.users["district_admin"],
                district=world.district,
                effective_from=self.today,
                allowances=ALLOWANCE,
            )
            self.model = Model(today=self.today)
            for p in product_list:
                p.refresh_from_db()
                self.model.stock[p.pk] = p.stock_quantity
            self.credit(points=Decimal(100), years_ago=0)  # something to spend from the start

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def _grade(self, grade: str, source: str) -> None:
            GradeRecord.objects.create(
                household=household,
                district_id=household.district_id,
                grade=grade,
                source=source,
                cycle=self.cycle,
                effective_from=self.today,
                valid_until=valid_until(self.today),
                recorded_at=self.now,
            )

        def _expires(self, earned: date) -> date:
            return date(earned.year + 1, 12, 31)

        # --- credits -------------------------------------------------------------------

        @rule(
            target=credited,
            points=st.integers(min_value=1, max_value=240).map(lambda n: Decimal(n) / 2),
            years_ago=st.sampled_from([0, 0, 1, 2]),
        )
        def credit(self, points, years_ago):
            reviewed_at = self.now - timedelta(days=366 * years_ago)
            entry = Entry.objects.create(
                household=household,
                district_id=household.district_id,
                scheme_version_id=version,
                item_code="affairs.land",
                item_name="土地流转",
                component="base",
                occurred_on=timezone.localdate(reviewed_at),
                points=points,
                tier="masses",
                recorded_by=clerk,
                recorded_at=reviewed_at,
            )
            Review.objects.create(
                entry=entry,
                district_id=entry.district_id,
                approved=True,
                reviewer=reviewer,
                reviewed_at=reviewed_at,
            )
            wallet_sync(household_ids=[household.pk])
            earned = timezone.localdate(reviewed_at)
            self.model.lots.append((self._expires(earned), points))
            self.model.credits[entry.pk] = points
            return entry.pk

        @rule(entry_id=consumes(credited))
        def reverse(self, entry_id):
            original = Entry.objects.get(pk=entry_id)
            reversal = Entry.objects.create(
                household=household,
                district_id=household.district_id,
                scheme_version_id=version,
                item_code=original.item_code,
                item_name=original.item_name,
                component="base",
                occurred_on=original.occurred_on,
                points=-original.points,
                tier="masses",
                recorded_by=clerk,
                recorded_at=self.now,
                reversal_of=original,
                reason="登记错误",
            )
            Review.objects.create(
                entry=reversal,
                district_id=reversal.district_id,
                approved=True,
                reviewer=reviewer,
                reviewed_at=self.now,
            )
            wallet_sync(entry_ids=[reversal.pk])
            credit = WalletEntry.objects.get(entry=original, kind=WalletKind.ENTRY_CREDIT)
            take = min(self.model.credits[entry_id], self.model.balance)
            self.model.lots.append((credit.expires_on, -take))
            row = WalletEntry.objects.get(entry=reversal)
            assert row.points == -take
            assert row.shortfall == self.model.credits[entry_id] - take

        @rule()
        def allowance(self):
            cycle = Cycle.objects.create(
                village=household.village,
                period=f"18{next(periods):02d}",
                cut_off=date(1900, 1, 1),
                state="final",
            )
            GradeRecord.objects.create(
                household=household,
                district_id=household.district_id,
                grade="5A",
                source=GradeSource.CYCLE,
                cycle=cycle,
                effective_from=date(1900, 1, 1),
                valid_until=date(1900, 12, 31),
                recorded_at=self.now,
            )
            credited = allowances_credit(cycle=cycle, actor=None, today=self.today, now=self.now)
            expected = ALLOWANCE.get(self.model.grade)
            assert credited == (1 if expected else 0)
            if expected:
                self.model.lots.append((self._expires(self.today), expected))
            assert allowances_credit(cycle=cycle, actor=None, today=self.today, now=self.now) == 0

        # --- the grade ---------------------------------------------------------------

        @rule(grade=st.sampled_from(["A", "2A", "3A"]))
        def downgrade(self, grade):
            self._grade(grade, GradeSource.DYNAMIC)
            self.model.grade = grade

        @rule()
        def restore(self):
            self._grade("4A", GradeSource.DYNAMIC)
            self.model.grade = "4A"

        # --- the counter -----------------------------------------------------------

        def _predict(self, basket) -> bool:
            m = self.model
            if grade_rank(m.grade) < grade_rank("3A"):
                return False
            total = ZERO
            for product, quantity in basket:
                if product.min_grade and grade_rank(m.grade) < grade_rank(product.min_grade):
                    return False
                if product.limit_quantity is not None and (
                    m.used_this_month.get(product.pk, 0) + quantity > product.limit_quantity
                ):
                    return False
                if quantity > m.stock[product.pk]:
                    return False
                total += product.price_points * quantity
            return total <= m.balance - m.due(self.today)

        @rule(
            target=redeemed,
            picks=st.lists(
                st.tuples(st.integers(0, 2), st.integers(1, 3)),
                min_size=1,
                max_size=2,
                unique_by=lambda t: t[0],
            ),
            key=st.sampled_from(["again", "fresh", "fresh"]),
        )
        def redeem(self, picks, key):
            basket = tuple((product_list[i], q) for i, q in picks)
            signature = tuple(sorted((p.pk, q) for p, q in basket))
            key = "again" if key == "again" else f"k{next(keys)}"
            if key in self.model.keys:
                repeated = self.model.keys[key][0] == signature
                before = self.model.balance
                try:
                    again = self._redeem(basket, key)
                except ValidationError:
                    assert not repeated
                else:
                    assert repeated and again.pk == self.model.keys[key][1]
                assert self.model.balance == before
                return None
            expected = self._predict(basket)
            try:
                redemption = self._redeem(basket, key)
            except ValidationError:
                assert not expected, "refused a redemption the model allows"
                return None
            assert expected, "allowed a redemption the model refuses"
            m = self.model
            m.spent += m.due(self.today)  # the counter expired what was due first
            m.spent += redemption.total_points
            for product, quantity in basket:
                m.stock[product.pk] -= quantity
                m.used_this_month[product.pk] = m.used_this_month.get(product.pk, 0) + quantity
            m.keys[key] = (signature, redemption.pk)
            return (redemption.pk, basket)

        def _redeem(self, basket, key):
            return redemption_create(
                actor=clerk,
                shop=shop,
                household=household,
                lines=[Line(p, q) for p, q in basket],
                collected_by=collector,
                idempotency_key=key,
            )

        @rule(sale=redeemed)
        def void(self, sale):
            if sale is None:
                return
            redemption_id, basket = sale
            from sanxin.rewards.models import Redemption, RedemptionVoid

            redemption = Redemption.objects.get(pk=redemption_id)
            already = RedemptionVoid.objects.filter(redemption=redemption).exists()
            try:
                redemption_void(actor=clerk, redemption=redemption, reason="农户退回")
            except ValidationError:
                assert already, "a first void was refused"
                return
            assert not already, "a redemption was voided twice"
            m = self.model
            m.spent -= redemption.total_points
            for product, quantity in basket:
                m.stock[product.pk] += quantity
                m.used_this_month[product.pk] -= quantity

        # --- stock ---------------------------------------------------------------------

        @rule(index=st.integers(0, 2), quantity=st.integers(1, 4))
        def receive(self, index, quantity):
            product = product_list[index]
            _stock_post(
                product=product,
                kind=StockKind.RECEIPT,
                quantity=quantity,
                unit_cost=Decimal("3.20"),
                occurred_on=self.today,
                recorded_by=clerk,
            )
            self.model.stock[product.pk] += quantity

        @rule(index=st.integers(0, 2), quantity=st.integers(1, 3))
        def lose(self, index, quantity):
            product = product_list[index]
            adjustment = StockAdjustment.objects.create(
                product=product,
                quantity=-quantity,
                reason="破损",
                requested_by=clerk,
                requested_at=self.now,
                state=RequestState.CONFIRMED,
                confirmed_by=world.users["committee_member"],
            )
            try:
                with transaction.atomic():
                    _stock_post(
                        product=product,
                        kind=StockKind.ADJUSTMENT,
                        quantity=-quantity,
                        occurred_on=self.today,
                        recorded_by=clerk,
                        adjustment=adjustment,
                    )
            except ValidationError:
                assert quantity > self.model.stock[product.pk]
                return
            assert quantity <= self.model.stock[product.pk]
            self.model.stock[product.pk] -= quantity

        # --- expiry --------------------------------------------------------------------

        @rule(days=st.sampled_from([0, 1, 400, 800]))
        def expire(self, days):
            on = self.today + timedelta(days=days)
            due = self.model.due(on)
            result = wallet_expire(today=on, household_ids=[household.pk])
            assert result.points == due
            self.model.spent += due

        # --- invariants ----------------------------------------------------------------

        @invariant()
        def wallet_adds_up(self):
            wallet = Wallet.objects.filter(household=household).first()
            balance = wallet.balance if wallet else ZERO
            rows = WalletEntry.objects.filter(household=household)
            total = rows.aggregate(s=Round(Sum("points"), 2))["s"] or ZERO
            credits = rows.filter(points__gt=0).aggregate(s=Round(Sum("points"), 2))["s"] or ZERO
            debits = rows.filter(points__lt=0).aggregate(s=Round(Sum("points"), 2))["s"] or ZERO
            assert balance >= 0
            assert balance == total == credits + debits == self.model.balance

        @invariant()
        def stock_adds_up(self):
            for product in product_list:
                moves = dict(
                    StockMovement.objects.filter(product=product)
                    .values("kind")
                    .annotate(q=Sum("quantity"))
                    .values_list("kind", "q")
                )
                stock = Product.objects.get(pk=product.pk).stock_quantity
                assert stock >= 0
                assert stock == (
                    moves.get(StockKind.RECEIPT, 0)
                    + moves.get(StockKind.ISSUE, 0)
                    + moves.get(StockKind.VOID_RETURN, 0)
                    + moves.get(StockKind.ADJUSTMENT, 0)
                    + moves.get(StockKind.STOCKTAKE, 0)
                )
                assert stock == self.model.stock[product.pk]

        @invariant()
        def nothing_twice(self):
            twice = (
                WalletEntry.objects.filter(kind__in=[WalletKind.REDEMPTION, WalletKind.VOID])
                .values("kind", "redemption_id", "void_id")
                .annotate(n=Count("id"))
                .filter(n__gt=1)
            )
            assert not twice.exists()
            issued = StockMovement.objects.filter(kind=StockKind.ISSUE).values(
                "redemption_id", "product_id"
            )
            assert issued.count() == issued.distinct().count()

    return Supermarket


@pytest.mark.django_db
def test_the_supermarket_always_adds_up(world, scheme, shop, products, graded):
    machine = _machine(world, scheme, shop, products)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=40,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
